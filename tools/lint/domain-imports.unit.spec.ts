// Proves that domain projects (type:domain) cannot import infrastructure: snippets are linted
// with the workspace's own eslint.config.mjs through ESLint's Node API (lintText, nothing
// written to disk), once at a path inside a domain project, where `no-restricted-imports` must
// fail, and once inside an application project, where it must pass.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

interface Probe {
  readonly code: string;
  readonly filePath: string;
}

// ESLint loads its flat config with import(), which Jest's module system cannot serve, so the
// Node API runs in a child process. Only the rule under test runs: the type-checked rules
// would need the probe file to exist in a TypeScript project.
const LINT_PROBES = `
import { ESLint } from 'eslint';
const probes = JSON.parse(process.env.PROBES);
const eslint = new ESLint({
  cwd: process.cwd(),
  overrideConfigFile: 'eslint.config.mjs',
  overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
  ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports',
});
const results = [];
for (const { code, filePath } of probes) {
  const [result] = await eslint.lintText(code, { filePath });
  results.push(result.messages.map((m) => ({ ruleId: m.ruleId, message: m.message })));
}
process.stdout.write(JSON.stringify(results));
`;

/** The `no-restricted-imports` messages of each probe, in order. */
function restrictedImports(probes: readonly Probe[]): string[][] {
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', LINT_PROBES], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, PROBES: JSON.stringify(probes) },
  });
  if (run.status !== 0) throw new Error(`linting the probes failed: ${run.stderr}`);
  const results = JSON.parse(run.stdout) as { ruleId: string | null; message: string }[][];
  return results.map((messages) =>
    messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message),
  );
}

const importing = (specifier: string): string =>
  `import * as probe from '${specifier}';\nexport const used = probe;\n`;

const INFRASTRUCTURE = [
  'pg',
  '@nestjs/common',
  '@nestjs/core',
  'kafkajs',
  'typeorm',
  '@opentelemetry/api',
  'node:fs',
  'fs/promises',
  'node:net',
  'node:http',
  'node:child_process',
];

describe('domain code cannot import infrastructure', () => {
  it('fails for each infrastructure import in a domain project, and passes in an application', () => {
    const inDomain = INFRASTRUCTURE.map((specifier) => ({
      code: importing(specifier),
      filePath: 'libs/registry/domain/src/lib/x.ts',
    }));
    const inApplication = INFRASTRUCTURE.map((specifier) => ({
      code: importing(specifier),
      filePath: 'libs/registry/application/src/lib/x.ts',
    }));

    const results = restrictedImports([...inDomain, ...inApplication]);

    INFRASTRUCTURE.forEach((specifier, i) => {
      expect({ specifier, messages: results[i] }).toEqual({
        specifier,
        messages: [expect.stringContaining(`'${specifier}' import is restricted`)],
      });
      expect({ specifier, messages: results[INFRASTRUCTURE.length + i] }).toEqual({
        specifier,
        messages: [],
      });
    });
  });

  it('covers every project tagged type:domain, and its tests', () => {
    const [decider, spec] = restrictedImports([
      { code: importing('pg'), filePath: 'libs/platform/decider/src/lib/x.ts' },
      { code: importing('kafkajs'), filePath: 'libs/registry/domain/src/lib/x.unit.spec.ts' },
    ]);
    expect(decider).toHaveLength(1);
    expect(spec).toHaveLength(1);
  });

  it('lets domain code import pure modules', () => {
    expect(
      restrictedImports([
        { code: importing('@gov/platform-decider'), filePath: 'libs/registry/domain/src/lib/x.ts' },
        { code: importing('./national-id'), filePath: 'libs/registry/domain/src/lib/x.ts' },
      ]),
    ).toEqual([[], []]);
  });
});
