// Proves that the module-boundary rules bite: probe files with forbidden imports are written
// into real projects, linted with the workspace's own ESLint config, and must fail with
// @nx/enforce-module-boundaries; an allowed import in the same place must pass.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
// The package's exports map hides its bin; the CLI is what CI and editors run anyway.
const eslintBin = join(root, 'node_modules', 'eslint', 'bin', 'eslint.js');

interface LintMessage {
  ruleId: string | null;
  message: string;
}

function lintProbe(projectSrc: string, source: string): LintMessage[] {
  const file = join(root, projectSrc, `boundary-probe-${randomBytes(4).toString('hex')}.ts`);
  writeFileSync(file, source);
  try {
    const result = spawnSync(
      process.execPath,
      [eslintBin, '--format', 'json', '--no-warn-ignored', file],
      {
        cwd: root,
        encoding: 'utf8',
      },
    );
    const reports = JSON.parse(result.stdout) as { messages: LintMessage[] }[];
    return reports.flatMap((report) => report.messages);
  } finally {
    rmSync(file, { force: true });
  }
}

const boundaryErrors = (messages: LintMessage[]): string[] =>
  messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);

describe('module boundaries', () => {
  it('rejects domain code importing a platform library (type:domain -> type:tooling)', () => {
    const errors = boundaryErrors(
      lintProbe(
        'libs/registry/domain/src/lib',
        "import { startSite } from '@gov/platform-infra';\nexport const probe = startSite;\n",
      ),
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/type:domain/);
  });

  it('rejects the platform importing a bounded context (scope:platform -> scope:registry)', () => {
    const errors = boundaryErrors(
      lintProbe(
        'libs/platform/infra/src/lib',
        "import { parseNationalId } from '@gov/registry-domain';\nexport const probe = parseNationalId;\n",
      ),
    );
    expect(errors.some((message) => /scope:platform/.test(message))).toBe(true);
  });

  it('rejects a deep import that bypasses a library index', () => {
    const errors = boundaryErrors(
      lintProbe(
        'tools/scripts/lib',
        "import { startSite } from '../../../libs/platform/infra/src/lib/site';\nexport const probe = startSite;\n",
      ),
    );
    expect(errors.length).toBeGreaterThan(0);
  });

  it('accepts an allowed import in the same places', () => {
    expect(
      boundaryErrors(
        lintProbe(
          'libs/registry/domain/src/lib',
          "import { parseNationalId } from './national-id';\nexport const probe = parseNationalId;\n",
        ),
      ),
    ).toEqual([]);
    expect(
      boundaryErrors(
        lintProbe(
          'tools/scripts/lib',
          "import { startSite } from '@gov/platform-infra';\nexport const probe = startSite;\n",
        ),
      ),
    ).toEqual([]);
  });
});
