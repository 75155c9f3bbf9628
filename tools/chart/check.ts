// `npm run chart:check`: every check of charts/backbone, each counted, ending with the line
// `N passed, N failed`: helm lint --strict for both sites, the helm-unittest suites, the
// README's values table, and the Jest checks of tools/chart (parity with the services'
// configuration schemas, and proof that each check fails on a deliberate error). Prints how
// long `helm template` takes for each site.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { ensureChartTools } from './ensure-tools';
import { CHART_DIR, REPO_ROOT, SITE_VALUES } from './paths';
import { renderChart } from './render';

interface Step {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
}

function main(): void {
  const log = (message: string): void => {
    process.stdout.write(`[chart] ${message}\n`);
  };
  const { helm, helmUnittest } = ensureChartTools(log);
  const node = (script: string, ...args: string[]): Step['args'] => [
    '--require',
    require.resolve('@swc-node/register'),
    join(__dirname, script),
    ...args,
  ];
  const steps: Step[] = [
    ...(['primary', 'embassy'] as const).map((site) => ({
      name: `helm lint --strict (${site})`,
      command: helm,
      args: ['lint', '--strict', CHART_DIR, '--values', SITE_VALUES[site]],
    })),
    { name: 'helm-unittest', command: helmUnittest, args: [CHART_DIR] },
    { name: 'README values table', command: process.execPath, args: node('readme.ts', '--check') },
    {
      name: 'parity and check tests (jest)',
      command: process.execPath,
      args: [require.resolve('jest/bin/jest'), '-c', join(__dirname, 'jest.config.cjs'), '--ci'],
    },
  ];
  let passed = 0;
  let failed = 0;
  for (const step of steps) {
    log(step.name);
    const result = spawnSync(step.command, step.args, { cwd: REPO_ROOT, stdio: 'inherit' });
    if (result.status === 0) passed += 1;
    else {
      failed += 1;
      log(`FAILED: ${step.name}`);
    }
  }
  for (const site of ['primary', 'embassy'] as const) {
    const started = performance.now();
    const manifests = renderChart([SITE_VALUES[site]]);
    log(
      `helm template (${site}): ${manifests.length} objects in ${Math.round(performance.now() - started)} ms`,
    );
  }
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  if (failed > 0) process.exitCode = 1;
}

try {
  main();
} catch (error: unknown) {
  process.stderr.write(`[chart] ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
