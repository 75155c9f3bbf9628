import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// The guards CI relies on (nx run contracts:buf-lint / buf-breaking), run against the real
// proto/ and against deliberately broken copies, to prove that the breaking check can fail.

const repoRoot = path.resolve(__dirname, '../../..');
const protoRoot = path.join(repoRoot, 'proto');
const baseline = path.join(protoRoot, 'baseline/image.json');
const buf = path.join(repoRoot, 'node_modules/.bin/buf');
const envelopeFile = 'gov/platform/v1/envelope.proto';

interface BufResult {
  status: number | null;
  output: string;
}

function runBuf(args: string[]): BufResult {
  const result = spawnSync(buf, args, { cwd: repoRoot, encoding: 'utf8', timeout: 8_000 });
  if (result.error) {
    throw result.error;
  }
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

let workDir: string;

beforeEach(() => {
  workDir = mkdtempSync(path.join(tmpdir(), 'contracts-buf-'));
});

afterEach(() => {
  rmSync(workDir, { recursive: true, force: true });
});

/** Copies proto/ into the temp dir, applies `edit` to the envelope and returns the copy's root. */
function copyProtoWith(edit: (source: string) => string): string {
  const copy = path.join(workDir, 'proto');
  cpSync(protoRoot, copy, { recursive: true });
  const file = path.join(copy, envelopeFile);
  const original = readFileSync(file, 'utf8');
  const edited = edit(original);
  // A no-op edit would let the breaking check pass for the wrong reason.
  expect(edited).not.toBe(original);
  writeFileSync(file, edited);
  return copy;
}

describe('buf lint', () => {
  it('passes on proto/', () => {
    const { status, output } = runBuf(['lint', protoRoot]);

    expect(output).toBe('');
    expect(status).toBe(0);
  });
});

describe('buf breaking against the committed baseline', () => {
  it('passes for proto/ as committed', () => {
    const { status, output } = runBuf(['breaking', protoRoot, '--against', baseline]);

    expect(output).toBe('');
    expect(status).toBe(0);
  });

  it('passes for an intact copy of proto/', () => {
    const copy = path.join(workDir, 'proto');
    cpSync(protoRoot, copy, { recursive: true });

    const { status, output } = runBuf(['breaking', copy, '--against', baseline]);

    expect(output).toBe('');
    expect(status).toBe(0);
  });

  it('fails when a field is removed from the envelope, naming the field', () => {
    const copy = copyProtoWith((source) => source.replace(/^\s*string tracestate = 13;\n/m, ''));

    const { status, output } = runBuf(['breaking', copy, '--against', baseline]);

    expect(status).not.toBe(0);
    expect(output).toContain(envelopeFile);
    expect(output).toContain(
      'Previously present field "13" with name "tracestate" on message "EventEnvelope" was deleted.',
    );
  });

  it('fails when an envelope field changes its number', () => {
    const copy = copyProtoWith((source) =>
      source.replace('uint64 stream_version = 5;', 'uint64 stream_version = 99;'),
    );

    const { status, output } = runBuf(['breaking', copy, '--against', baseline]);

    expect(status).not.toBe(0);
    expect(output).toContain(
      'Previously present field "5" with name "stream_version" on message "EventEnvelope" was deleted.',
    );
  });
});
