import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Client } from 'pg';

import { ensureLocalSigningKeys, mintToken } from '@gov/platform-auth';
import type { TokenRequest } from '@gov/platform-auth';
import {
  freePort,
  kafkaClientEnv,
  repoRoot,
  startSite,
  startWatchdog,
  stopProcess,
  stopWatchdog,
  waitUntil,
} from '@gov/platform-infra';
import type { LocalSite } from '@gov/platform-infra';

import { serviceDeclaration } from '../../scripts/lib/services';

const ISSUER = 'backbone-bench';
const AUDIENCE = 'backbone';

/** The services whose command path the benchmark measures, and who sends the commands. */
export type BenchedService = 'registry' | 'consent';

/** A person of the consent benchmark: a valid national identification number. */
export const BENCH_CITIZEN = '1983081246785';

const CALLERS: Readonly<Record<BenchedService, Omit<TokenRequest, 'issuer' | 'audience'>>> = {
  // A registrar of the persons register (POST /persons).
  registry: {
    role: 'registrar',
    subject: 'bench-clerk',
    registers: ['persons'],
    organisationId: 'rnpp',
  },
  // A person granting consents (POST /consents).
  consent: { role: 'citizen', subject: BENCH_CITIZEN },
};

/** A throw-away site with one service running on it. */
export interface BenchSite {
  readonly site: LocalSite;
  readonly dir: string;
  /** The service measured. */
  readonly service: BenchedService;
  /** Its database URL. */
  readonly databaseUrl: string;
  /** Its event store's schema and topic (`eventStore` of its service.json). */
  readonly eventStore: { readonly schema: string; readonly topic: string };
  /** Its base URL, e.g. `http://127.0.0.1:41234`. */
  readonly serviceUrl: string;
  /** A bearer token of the caller of its commands. */
  readonly token: string;
  /** Where the service's log lines go. */
  readonly serviceLog: string;
  /** Process ids of the service, the PostgreSQL server and the Kafka broker. */
  readonly pids: { readonly service: number; readonly postgres: number; readonly kafka: number };
  /** Stops the service, Kafka and PostgreSQL and removes the folder; idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startBenchSite}. */
export interface BenchSiteOptions {
  /** The service to run; the registry by default. */
  readonly service?: BenchedService;
  /** `LOG_LEVEL` of the service. */
  readonly logLevel: string;
  /** Progress messages. */
  readonly log: (message: string) => void;
  /**
   * A folder for a V8 CPU profile of the service (`--cpu-prof`), written when it stops; none
   * by default.
   */
  readonly profileDir?: string | undefined;
}

/**
 * PostgreSQL preloads `pg_stat_statements`, so that a benchmark can count what a command costs
 * in statements (see `statements.ts`); tracking adds a few microseconds per statement to both
 * sides of a comparison.
 */
const BENCH_POSTGRES_SETTINGS = { shared_preload_libraries: 'pg_stat_statements' };

/**
 * Starts Kafka and a *durable* PostgreSQL (fsync and synchronous commit on, as in production:
 * the platform's `startEphemeralSite` turns durability off, which would flatter both sides of
 * the comparison) on free loopback ports in a temporary folder, migrates and starts the service
 * from source as `npm start` does, and waits until it is ready. Everything is stopped when this
 * process exits, even if it is killed (watchdogs).
 */
export async function startBenchSite(options: BenchSiteOptions): Promise<BenchSite> {
  const service = options.service ?? 'registry';
  const declaration = serviceDeclaration(service);
  const eventStore = declaration.eventStore;
  if (eventStore === undefined) throw new Error(`services/${service} declares no event store`);
  const dir = mkdtempSync(join(tmpdir(), 'backbone-bench-'));
  // mkdtemp creates the folder 0700; PostgreSQL may run as another user and must traverse it.
  chmodSync(dir, 0o755);
  const ports = {
    kafka: await freePort(),
    kafkaController: await freePort(),
    postgres: await freePort(),
  };
  options.log(`starting Kafka and durable PostgreSQL in ${dir}`);
  let site: LocalSite;
  try {
    site = await startSite({
      name: 'bench',
      dir,
      ports,
      ownerPid: process.pid,
      durable: true,
      postgresSettings: BENCH_POSTGRES_SETTINGS,
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  let running: { pid: number; watchdog: number } | undefined;
  const stop = async (): Promise<void> => {
    if (running) {
      await stopProcess(running.pid, 'SIGTERM');
      stopWatchdog(running.watchdog);
      running = undefined;
    }
    await site.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const database = declaration.database?.name;
    if (database === undefined) throw new Error(`services/${service} declares no database`);
    await createDatabase(site.postgres.url(), database);
    const databaseUrl = site.postgres.url(database);
    const keys = await ensureLocalSigningKeys(join(dir, 'auth'));
    const token = await mintToken(keys.privateKeyFile, {
      ...CALLERS[service],
      issuer: ISSUER,
      audience: AUDIENCE,
      expiresIn: '4h',
    });
    const httpPort = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HTTP_PORT: String(httpPort),
      HTTP_HOST: '127.0.0.1',
      // A benchmark's service runs as the super user: it may use the benchmark's own topics.
      ...kafkaClientEnv(site.kafka),
      DATABASE_URL: databaseUrl,
      AUTH_JWKS_FILE: keys.jwksFile,
      DATA_KEK_FILE: keys.keyEncryptionKeyFile,
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      LOG_LEVEL: options.logLevel,
      // A load generator with one token: a per-principal rate limit would throttle the
      // measurement itself.
      RATE_LIMIT_PER_MINUTE: '0',
      // The consent service signs receipts with a key of its own.
      RECEIPT_KEY_DIR: join(dir, 'receipt-keys'),
    };
    migrateService(declaration, env, options.log);
    const serviceLog = join(dir, `${service}.log`);
    options.log(`starting ${service} on port ${httpPort} (log: ${serviceLog})`);
    const out = openSync(serviceLog, 'a');
    const child = spawn(
      process.execPath,
      [
        ...(options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : []),
        '--require',
        require.resolve('@swc-node/register'),
        declaration.main,
      ],
      { cwd: repoRoot(), env, stdio: ['ignore', out, out] },
    );
    closeSync(out);
    if (child.pid === undefined) throw new Error(`could not start ${service}`);
    running = { pid: child.pid, watchdog: startWatchdog(process.pid, child.pid, 'SIGTERM') };
    const serviceUrl = `http://127.0.0.1:${httpPort}`;
    const ready = await waitUntil(
      async () => {
        if (child.exitCode !== null) return true;
        try {
          return (await fetch(`${serviceUrl}/health/ready`)).status === 200;
        } catch {
          return false;
        }
      },
      90_000,
      250,
    );
    if (!ready || child.exitCode !== null) {
      throw new Error(`${service} did not become ready (see ${serviceLog})`);
    }
    const pids = { service: child.pid, postgres: site.postgres.pid, kafka: site.kafka.pid };
    return {
      site,
      dir,
      service,
      databaseUrl,
      eventStore,
      serviceUrl,
      token,
      serviceLog,
      pids,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

export async function createDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
}

/** Runs a service's migrations the way `npm start` does: its declared migrate entry. */
export function migrateService(
  declaration: ReturnType<typeof serviceDeclaration>,
  env: NodeJS.ProcessEnv,
  log: (message: string) => void,
): void {
  const entry = declaration.database?.migrate;
  if (entry === undefined)
    throw new Error(`services/${declaration.name} declares no migrate entry`);
  log(`migrating ${declaration.name}`);
  const result = spawnSync(
    process.execPath,
    ['--require', require.resolve('@swc-node/register'), entry],
    { cwd: repoRoot(), env, encoding: 'utf8' },
  );
  if (result.status !== 0) {
    throw new Error(
      `${declaration.name} migrations failed (exit ${String(result.status)}): ${result.stderr}`,
    );
  }
}
