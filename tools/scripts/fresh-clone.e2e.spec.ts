// The README's commands must work straight after `npm ci` on a fresh clone, where the generated
// contracts (git-ignored) do not exist yet. A copy of the working tree's tracked and unignored
// files stands in for the clone (it sees uncommitted changes too); node_modules is linked,
// since installing is not what is tested.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { repoRoot } from '@gov/platform-infra';

import { CONTRACTS_OUT } from './lib/contracts';

function freshClone(): string {
  const root = repoRoot();
  const listed = spawnSync(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  const clone = mkdtempSync(join(tmpdir(), 'fresh-clone-'));
  for (const file of listed.stdout.split('\0').filter((f) => f.length > 0)) {
    const from = join(root, file);
    if (!existsSync(from)) continue; // deleted in the working tree, not yet committed
    mkdirSync(dirname(join(clone, file)), { recursive: true });
    copyFileSync(from, join(clone, file));
  }
  symlinkSync(join(root, 'node_modules'), join(clone, 'node_modules'), 'dir');
  return clone;
}

describe('a fresh clone after npm ci', () => {
  let clone: string;
  beforeAll(() => {
    clone = freshClone();
  });
  afterAll(() => {
    rmSync(clone, { recursive: true, force: true });
  });

  it('has no generated contracts to begin with', () => {
    expect(existsSync(join(clone, CONTRACTS_OUT))).toBe(false);
  });

  it('runs `npm run drill` far enough to check its arguments (its imports need the contracts)', () => {
    const run = spawnSync('npm', ['run', '-s', 'drill', '--', '--events', 'none'], {
      cwd: clone,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.stderr).not.toContain('Cannot find module');
    expect(run.stderr).toContain('--events must be a positive integer');
    expect(run.status).toBe(1);
    expect(existsSync(join(clone, CONTRACTS_OUT, 'gov', 'platform', 'v1', 'envelope_pb.ts'))).toBe(
      true,
    );
  });
});
