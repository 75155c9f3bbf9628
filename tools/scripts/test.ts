// `npm test`: every test level against real infrastructure. Starts one throw-away site
// (Kafka + PostgreSQL on free loopback ports, owned by this process), runs the unit, int and
// e2e targets of every project through Nx, stops the site, and prints the totals.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { repoRoot, startEphemeralSite } from '@gov/platform-infra';

import { testSiteEnv } from '../jest/site-lifecycle';

import { readJestReports, summaryLine } from './lib/jest-summary';
import { requireNode24 } from './lib/node-version';

const LEVELS = [
  // Unit tests need no infrastructure and may use both cores.
  { target: 'test-unit', parallel: 2 },
  // Int and e2e suites share one Kafka and PostgreSQL: one project at a time keeps them fast
  // and their timing honest on a 2-core machine.
  { target: 'test-int', parallel: 1 },
  { target: 'test-e2e', parallel: 1 },
] as const;

const log = (message: string): void => {
  process.stderr.write(`[test] ${message}\n`);
};

async function main(): Promise<number> {
  requireNode24();
  const root = repoRoot();
  const reports = join(root, 'reports', 'jest');
  rmSync(reports, { recursive: true, force: true });
  mkdirSync(reports, { recursive: true });

  const started = Date.now();
  log('starting a throw-away Kafka and PostgreSQL for this run');
  const site = await startEphemeralSite('test');
  log(
    `Kafka ${site.kafka.bootstrap}, PostgreSQL ${site.postgres.url()} (${Date.now() - started} ms)`,
  );

  const failedTargets: string[] = [];
  try {
    for (const level of LEVELS) {
      const result = spawnSync(
        process.execPath,
        [
          require.resolve('nx/bin/nx'),
          'run-many',
          '-t',
          level.target,
          `--parallel=${level.parallel}`,
          '--outputStyle=static',
          ...process.argv.slice(2),
        ],
        {
          cwd: root,
          stdio: 'inherit',
          env: {
            ...process.env,
            NX_DAEMON: 'false',
            ...testSiteEnv(site),
          },
        },
      );
      if (result.status !== 0) failedTargets.push(level.target);
    }
  } finally {
    await site.stop();
  }

  const { totals, perReport } = readJestReports(reports);
  for (const [name, t] of Object.entries(perReport)) {
    if (t.passed + t.failed + t.skipped > 0) log(`${name.padEnd(34)} ${summaryLine(t)}`);
  }
  // A target that failed before Jest wrote its report (type error in a config, say) still
  // counts as a failure.
  const failed =
    totals.failed === 0 && failedTargets.length > 0 ? failedTargets.length : totals.failed;
  const final = { ...totals, failed };
  writeFileSync(join(root, 'reports', 'test-summary.json'), `${JSON.stringify(final)}\n`);
  log(`finished in ${Math.round((Date.now() - started) / 1000)} s`);
  process.stdout.write(`${summaryLine(final)}\n`);
  return final.failed > 0 || failedTargets.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
