import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CONTRACTS_OUT, ensureContracts } from './contracts';

describe('ensureContracts', () => {
  let root: string;
  let runs: number;
  // Stands in for buf: empties and refills the output folder, as `clean: true` does.
  const fakeGenerate = (at: string): void => {
    runs += 1;
    rmSync(join(at, CONTRACTS_OUT), { recursive: true, force: true });
    mkdirSync(join(at, CONTRACTS_OUT), { recursive: true });
    writeFileSync(join(at, CONTRACTS_OUT, 'envelope_pb.ts'), '// generated\n');
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'contracts-'));
    mkdirSync(join(root, 'proto', 'gov'), { recursive: true });
    writeFileSync(join(root, 'proto', 'gov', 'a.proto'), 'syntax = "proto3";\n');
    runs = 0;
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('generates on a fresh clone, where the output folder does not exist', () => {
    expect(ensureContracts(root, fakeGenerate)).toBe(true);
    expect(runs).toBe(1);
  });

  it('does not generate again while proto/ is unchanged', () => {
    ensureContracts(root, fakeGenerate);
    expect(ensureContracts(root, fakeGenerate)).toBe(false);
    expect(runs).toBe(1);
  });

  it('generates again when a proto file changed (e.g. after a git pull)', () => {
    ensureContracts(root, fakeGenerate);
    writeFileSync(join(root, 'proto', 'gov', 'a.proto'), 'syntax = "proto3";\n// v2\n');
    expect(ensureContracts(root, fakeGenerate)).toBe(true);
    expect(runs).toBe(2);
  });

  it('generates again when the output was produced without a fingerprint (by Nx)', () => {
    fakeGenerate(root);
    expect(ensureContracts(root, fakeGenerate)).toBe(true);
    expect(runs).toBe(2);
  });

  it('propagates a failed generation and records nothing, so the next run retries', () => {
    const failing = (): void => {
      throw new Error('buf generate failed (exit 1)');
    };
    expect(() => ensureContracts(root, failing)).toThrow('buf generate failed');
    expect(ensureContracts(root, fakeGenerate)).toBe(true);
  });
});
