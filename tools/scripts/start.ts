// `npm start`: the local platform on one machine. Starts (or reuses) the primary site's
// Kafka and PostgreSQL, creates each service's database, starts every service in
// services/ from source, waits until each answers GET /health/ready, and stops it all again
// on Ctrl-C (or, through watchdogs, when this process is killed outright).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ChildProcess } from 'node:child_process';

import { Client } from 'pg';

import {
  repoRoot,
  startSite,
  startWatchdog,
  stopProcess,
  stopWatchdog,
  waitUntil,
} from '@gov/platform-infra';
import type { LocalSite } from '@gov/platform-infra';

import { portFromEnv } from './lib/env';
import { localAuthEnv, localSigningKeys } from './lib/local-auth';
import { requireNode24 } from './lib/node-version';
import { databaseName, localServices } from './lib/services';
import type { ServiceSpec } from './lib/services';

interface RunningService {
  readonly spec: ServiceSpec;
  readonly child: ChildProcess;
  readonly watchdogPid: number;
}

const log = (message: string): void => {
  process.stderr.write(`[start] ${message}\n`);
};

async function main(): Promise<void> {
  requireNode24();
  const ports = {
    kafka: portFromEnv('KAFKA_PORT', 19092),
    kafkaController: portFromEnv('KAFKA_CONTROLLER_PORT', 19093),
    postgres: portFromEnv('POSTGRES_PORT', 15432),
  };
  log(
    `primary site: Kafka 127.0.0.1:${ports.kafka}, PostgreSQL 127.0.0.1:${ports.postgres} ` +
      '(first start resolves the Kafka jars with Maven)',
  );
  const site = await startSite({
    name: 'primary',
    ports,
    ownerPid: process.pid,
    portVariables: { kafka: 'KAFKA_PORT', postgres: 'POSTGRES_PORT' },
  });
  for (const component of [site.kafka, site.postgres]) {
    log(
      `${component.name} ${component.startedHere ? 'started' : 'already running, reused'} (log: ${component.logFile})`,
    );
  }

  const services = localServices();
  await ensureDatabases(site, services);
  const authEnv = localAuthEnv(await localSigningKeys());
  runMigrations(site, services, authEnv);
  const running = services.map((spec) => startService(site, spec, authEnv));

  let stopping = false;
  const shutdown = async (code: number): Promise<never> => {
    if (stopping) return new Promise<never>(() => undefined);
    stopping = true;
    log('stopping services');
    await Promise.all(
      running.map(async ({ child, watchdogPid }) => {
        if (child.pid !== undefined) await stopProcess(child.pid, 'SIGTERM');
        stopWatchdog(watchdogPid);
      }),
    );
    if (site.kafka.startedHere || site.postgres.startedHere) log('stopping Kafka and PostgreSQL');
    await Promise.all(
      [site.kafka, site.postgres].filter((c) => c.startedHere).map((c) => c.stop()),
    );
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  for (const service of running) {
    service.child.once('exit', (code, signal) => {
      if (stopping) return;
      log(
        `${service.spec.name} exited (${signal ?? `code ${String(code)}`}); stopping the platform`,
      );
      void shutdown(1);
    });
  }

  const readiness = await Promise.all(running.map(({ spec }) => awaitReady(spec)));
  const notReady = services.filter((_, i) => !readiness[i]);
  if (notReady.length > 0) {
    log(`not ready after 90 s: ${notReady.map((s) => s.name).join(', ')}`);
    await shutdown(1);
  }
  log('platform ready:');
  for (const spec of services) {
    log(`  ${spec.name.padEnd(14)} http://127.0.0.1:${spec.port}  (/health/ready, /openapi.json)`);
  }
  log(`  ${'kafka'.padEnd(14)} ${site.kafka.bootstrap}`);
  log(`  ${'postgresql'.padEnd(14)} ${site.postgres.url()}`);
  log('tokens: npm run token -- citizen 1983081246785 (see README)');
  log('Ctrl-C stops everything that this command started.');
}

async function ensureDatabases(site: LocalSite, services: readonly ServiceSpec[]): Promise<void> {
  const client = new Client({ connectionString: site.postgres.url() });
  await client.connect();
  try {
    for (const spec of services) {
      const name = databaseName(spec.name);
      const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
    }
  } finally {
    await client.end();
  }
}

/**
 * Migrations are a deliberate step before a service starts (the service refuses to run on an
 * outdated schema): each service that has a `src/migrate.ts` next to its `main.ts` gets it run
 * here, with the environment the service will have. A failure stops the start.
 */
function runMigrations(
  site: LocalSite,
  services: readonly ServiceSpec[],
  authEnv: Record<string, string>,
): void {
  for (const spec of services) {
    const entry = join(dirname(spec.entry), 'migrate.ts');
    if (!existsSync(entry)) continue;
    log(`${spec.name}: migrating`);
    const result = spawnSync(
      process.execPath,
      ['--enable-source-maps', '--require', require.resolve('@swc-node/register'), entry],
      {
        cwd: repoRoot(),
        stdio: ['ignore', 'inherit', 'inherit'],
        env: serviceEnv(site, spec, authEnv),
      },
    );
    if (result.status !== 0) {
      throw new Error(`${spec.name}: migrations failed (exit ${String(result.status)})`);
    }
  }
}

function serviceEnv(
  site: LocalSite,
  spec: ServiceSpec,
  authEnv: Record<string, string>,
): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...authEnv,
    HTTP_PORT: String(spec.port),
    KAFKA_BROKERS: site.kafka.bootstrap,
    DATABASE_URL: site.postgres.url(databaseName(spec.name)),
  };
}

function startService(
  site: LocalSite,
  spec: ServiceSpec,
  authEnv: Record<string, string>,
): RunningService {
  const child = spawn(
    process.execPath,
    ['--enable-source-maps', '--require', require.resolve('@swc-node/register'), spec.entry],
    {
      cwd: repoRoot(),
      stdio: ['ignore', 'inherit', 'inherit'],
      env: serviceEnv(site, spec, authEnv),
    },
  );
  if (child.pid === undefined) throw new Error(`could not start ${spec.name}`);
  return { spec, child, watchdogPid: startWatchdog(process.pid, child.pid, 'SIGTERM') };
}

async function awaitReady(spec: ServiceSpec): Promise<boolean> {
  return waitUntil(
    async () => {
      try {
        const response = await fetch(`http://127.0.0.1:${spec.port}/health/ready`);
        return response.status === 200;
      } catch {
        return false;
      }
    },
    90_000,
    250,
  );
}

main().catch((error: unknown) => {
  log(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
