import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';

import { Client } from 'pg';

import type { LocalSigningKeys } from '@gov/platform-auth';
import {
  freePort,
  kafkaClientEnv,
  repoRoot,
  startWatchdog,
  stopProcess,
  stopWatchdog,
  waitUntil,
} from '@gov/platform-infra';
import type { LocalSite } from '@gov/platform-infra';

import { serviceDeclaration } from '../../scripts/lib/services';

/** The issuer and audience of the benchmarks' bearer tokens. */
export const BENCH_ISSUER = 'backbone-bench';
export const BENCH_AUDIENCE = 'backbone';

/** A declared service running from source on a benchmark's site. */
export interface BenchService {
  readonly url: string;
  readonly databaseUrl: string;
  stop(): Promise<void>;
}

/** Options of {@link startBenchService}. */
export interface BenchServiceOptions {
  /** The benchmark's working folder (the service's log goes there). */
  readonly dir: string;
  readonly site: LocalSite;
  /** The keys the benchmark mints tokens with (`BENCH_ISSUER`, `BENCH_AUDIENCE`). */
  readonly keys: LocalSigningKeys;
  readonly logLevel: string;
  /** The service's own variables. */
  readonly env?: Record<string, string>;
}

/**
 * Creates the declared service `name`'s database on `site`, runs its migrate entry, starts it
 * from source on a free port as `npm start` does, and waits until it is ready. A watchdog stops
 * it if the benchmark dies.
 */
export async function startBenchService(
  name: string,
  options: BenchServiceOptions,
): Promise<BenchService> {
  const { dir, site, keys } = options;
  const declaration = serviceDeclaration(name);
  const database = declaration.database?.name ?? name;
  const admin = new Client({ connectionString: site.postgres.url() });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  await admin.end();
  const databaseUrl = site.postgres.url(database);
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HTTP_PORT: String(port),
    HTTP_HOST: '127.0.0.1',
    // A benchmark's service runs as the super user: it may use the benchmark's own topics.
    ...kafkaClientEnv(site.kafka),
    DATABASE_URL: databaseUrl,
    AUTH_JWKS_FILE: keys.jwksFile,
    DATA_KEK_FILE: keys.keyEncryptionKeyFile,
    AUTH_ISSUER: BENCH_ISSUER,
    AUTH_AUDIENCE: BENCH_AUDIENCE,
    LOG_LEVEL: options.logLevel,
    // A load generator with one token: a per-principal rate limit would throttle the
    // measurement itself.
    RATE_LIMIT_PER_MINUTE: '0',
    ...options.env,
  };
  const migrate = declaration.database?.migrate;
  if (migrate === undefined) throw new Error(`services/${name} declares no migrate entry`);
  const register = require.resolve('@swc-node/register');
  const migrated = spawnSync(process.execPath, ['--require', register, migrate], {
    cwd: repoRoot(),
    env,
    encoding: 'utf8',
  });
  if (migrated.status !== 0) throw new Error(`${name} migrations failed: ${migrated.stderr}`);
  const logFile = join(dir, `${name}.log`);
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, ['--require', register, declaration.main], {
    cwd: repoRoot(),
    env,
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  if (child.pid === undefined) throw new Error(`could not start the ${name} service`);
  const pid = child.pid;
  const watchdog = startWatchdog(process.pid, pid, 'SIGTERM');
  const url = `http://127.0.0.1:${String(port)}`;
  const ready = await waitUntil(
    async () => {
      if (child.exitCode !== null) return true;
      try {
        return (await fetch(`${url}/health/ready`)).status === 200;
      } catch {
        return false;
      }
    },
    90_000,
    250,
  );
  if (!ready || child.exitCode !== null) {
    throw new Error(`the ${name} service did not become ready (see ${logFile})`);
  }
  return {
    url,
    databaseUrl,
    stop: async () => {
      await stopProcess(pid, 'SIGTERM');
      stopWatchdog(watchdog);
    },
  };
}
