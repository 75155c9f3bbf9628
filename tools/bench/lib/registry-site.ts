import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Client } from 'pg';

import { ensureLocalSigningKeys, mintToken } from '@gov/platform-auth';
import {
  freePort,
  repoRoot,
  startSite,
  startWatchdog,
  stopProcess,
  stopWatchdog,
  waitUntil,
} from '@gov/platform-infra';
import type { LocalSite } from '@gov/platform-infra';

import { serviceDeclaration } from '../../scripts/lib/services';

/** The registry as services/registry/service.json declares it: entries and database. */
const REGISTRY = serviceDeclaration('registry');
const ISSUER = 'backbone-bench';
const AUDIENCE = 'backbone';

/** A throw-away site with the registry service running on it. */
export interface BenchSite {
  readonly site: LocalSite;
  readonly dir: string;
  /** The registry's database URL. */
  readonly databaseUrl: string;
  /** The registry's base URL, e.g. `http://127.0.0.1:41234`. */
  readonly registryUrl: string;
  /** A registrar's bearer token for the persons register. */
  readonly token: string;
  /** Where the registry's log lines go. */
  readonly registryLog: string;
  /** Process ids of the registry, the PostgreSQL server and the Kafka broker. */
  readonly pids: { readonly registry: number; readonly postgres: number; readonly kafka: number };
  /** Stops the registry, Kafka and PostgreSQL and removes the folder; idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startBenchSite}. */
export interface BenchSiteOptions {
  /** `LOG_LEVEL` of the registry. */
  readonly logLevel: string;
  /** Progress messages. */
  readonly log: (message: string) => void;
}

/**
 * Starts Kafka and a *durable* PostgreSQL (fsync and synchronous commit on, as in production:
 * the platform's `startEphemeralSite` turns durability off, which would flatter both sides of
 * the comparison) on free loopback ports in a temporary folder, migrates and starts the
 * registry from source as `npm start` does, and waits until it is ready. Everything is stopped
 * when this process exits, even if it is killed (watchdogs).
 */
export async function startBenchSite(options: BenchSiteOptions): Promise<BenchSite> {
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
    site = await startSite({ name: 'bench', dir, ports, ownerPid: process.pid, durable: true });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  let registry: { pid: number; watchdog: number } | undefined;
  const stop = async (): Promise<void> => {
    if (registry) {
      await stopProcess(registry.pid, 'SIGTERM');
      stopWatchdog(registry.watchdog);
      registry = undefined;
    }
    await site.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const database = REGISTRY.database?.name;
    if (database === undefined) throw new Error('services/registry declares no database');
    await createDatabase(site.postgres.url(), database);
    const databaseUrl = site.postgres.url(database);
    const keys = await ensureLocalSigningKeys(join(dir, 'auth'));
    const token = await mintToken(keys.privateKeyFile, {
      role: 'registrar',
      subject: 'bench-clerk',
      registers: ['persons'],
      organisationId: 'rnpp',
      issuer: ISSUER,
      audience: AUDIENCE,
      expiresIn: '4h',
    });
    const httpPort = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HTTP_PORT: String(httpPort),
      HTTP_HOST: '127.0.0.1',
      KAFKA_BROKERS: site.kafka.bootstrap,
      DATABASE_URL: databaseUrl,
      AUTH_JWKS_FILE: keys.jwksFile,
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      LOG_LEVEL: options.logLevel,
    };
    migrateRegistry(env, options.log);
    const registryLog = join(dir, 'registry.log');
    options.log(`starting the registry on port ${httpPort} (log: ${registryLog})`);
    const out = openSync(registryLog, 'a');
    const child = spawn(
      process.execPath,
      ['--require', require.resolve('@swc-node/register'), REGISTRY.main],
      { cwd: repoRoot(), env, stdio: ['ignore', out, out] },
    );
    closeSync(out);
    if (child.pid === undefined) throw new Error('could not start the registry');
    registry = { pid: child.pid, watchdog: startWatchdog(process.pid, child.pid, 'SIGTERM') };
    const registryUrl = `http://127.0.0.1:${httpPort}`;
    const ready = await waitUntil(
      async () => {
        if (child.exitCode !== null) return true;
        try {
          return (await fetch(`${registryUrl}/health/ready`)).status === 200;
        } catch {
          return false;
        }
      },
      90_000,
      250,
    );
    if (!ready || child.exitCode !== null) {
      throw new Error(`the registry did not become ready (see ${registryLog})`);
    }
    const pids = { registry: child.pid, postgres: site.postgres.pid, kafka: site.kafka.pid };
    return { site, dir, databaseUrl, registryUrl, token, registryLog, pids, stop };
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

/** Runs the registry's migrations the way `npm start` does: its declared migrate entry. */
export function migrateRegistry(env: NodeJS.ProcessEnv, log: (message: string) => void): void {
  const entry = REGISTRY.database?.migrate;
  if (entry === undefined) throw new Error('services/registry declares no migrate entry');
  log('migrating the registry');
  const result = spawnSync(
    process.execPath,
    ['--require', require.resolve('@swc-node/register'), entry],
    { cwd: repoRoot(), env, encoding: 'utf8' },
  );
  if (result.status !== 0) {
    throw new Error(`registry migrations failed (exit ${String(result.status)}): ${result.stderr}`);
  }
}
