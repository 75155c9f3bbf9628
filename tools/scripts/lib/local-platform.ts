// The local platform's building blocks, shared by `npm start` and `npm run drill`: a site's
// databases and migrations, services run from source with the site's environment, and the
// MirrorMaker 2 link from the primary to the embassy.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';

import { Client } from 'pg';

import {
  kafkaClientEnv,
  repoRoot,
  startMirrorMaker,
  startWatchdog,
  stopProcess,
  stopWatchdog,
  waitUntil,
} from '@gov/platform-infra';
import type { LocalSite, MirrorMakerNode } from '@gov/platform-infra';

import type { ServiceSpec } from './services';

/** Which site a service runs on: its configured role. */
export type SiteName = 'primary' | 'embassy';

/**
 * The topics MirrorMaker 2 replicates: every service's internal `<service>.events.v1` (kept
 * forever, the log itself), the per-subject keys of a service that seals personal data
 * (`<service>.keys.v1`, compacted), `letterbox.documents.v1` (the letters' bytes, which the log does
 * not carry), and `platform.checkpoints.v1`, the signed checkpoints embassy-sync verifies on
 * the other side. Public topics (`registry.changes.v1`) are not mirrored: the
 * embassy derives its own from its replayed log. Mirrored topics (`primary.…`) never match, so
 * running both directions for failback makes no loop.
 */
export const MIRRORED_TOPICS =
  '[a-z][a-z0-9-]*\\.events\\.v[0-9]+,[a-z][a-z0-9-]*\\.keys\\.v[0-9]+,letterbox\\.documents\\.v[0-9]+,platform\\.checkpoints\\.v1';

/**
 * Node flags of every service process: source maps for stack traces, and silence for the
 * `TimeoutNegativeWarning` that kafkajs 2.2.4 triggers on Node 24 (a negative timer it clamps
 * to 1 ms itself; harmless, and printed once per process).
 */
const NODE_FLAGS = ['--enable-source-maps', '--disable-warning=TimeoutNegativeWarning'];

/** A service process started by {@link startServiceProcess}. */
export interface ServiceProcess {
  readonly spec: ServiceSpec;
  readonly site: SiteName;
  readonly child: ChildProcess;
  readonly url: string;
  /** Stops it (SIGTERM, then SIGKILL after a grace period); idempotent. */
  stop(): Promise<void>;
  /** SIGKILL, as in a site loss. */
  kill(): void;
}

/** Creates the database of each service that has one on the site's PostgreSQL server, if missing. */
export async function ensureDatabases(
  site: LocalSite,
  services: readonly ServiceSpec[],
): Promise<void> {
  const client = new Client({ connectionString: site.postgres.url() });
  await client.connect();
  try {
    for (const spec of services) {
      if (!spec.database) continue;
      const name = spec.database.name;
      const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
    }
  } finally {
    await client.end();
  }
}

/** The environment of a service on a site. */
export function serviceEnv(
  site: LocalSite,
  siteName: SiteName,
  spec: ServiceSpec,
  extra: Record<string, string>,
): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...extra,
    HTTP_PORT: String(spec.port),
    // Its own KafkaUser (named after it, as in k8s/), never the super user, so a topic its ACLs
    // do not allow fails here as it would in Kubernetes.
    ...(spec.kafka
      ? kafkaClientEnv(site.kafka, spec.name)
      : { KAFKA_BROKERS: site.kafka.bootstrap }),
    ...(spec.database ? { DATABASE_URL: site.postgres.url(spec.database.name) } : {}),
    SITE_ROLE: siteName,
  };
}

/**
 * Migrations are a deliberate step before a service starts (the service refuses to run on an
 * outdated schema): a service with a database gets its declared migrate entry run here, with
 * the environment the service will have (nothing for a service without one). Several run side
 * by side, each on its own database. A failure rejects.
 */
export async function migrate(
  site: LocalSite,
  siteName: SiteName,
  spec: ServiceSpec,
  extra: Record<string, string>,
  log: (message: string) => void,
): Promise<void> {
  if (!spec.database) return;
  log(`${siteName} ${spec.name}: migrating`);
  const child = spawn(
    process.execPath,
    [...NODE_FLAGS, '--require', require.resolve('@swc-node/register'), spec.database.migrate],
    {
      cwd: repoRoot(),
      stdio: ['ignore', 'ignore', 'inherit'],
      env: serviceEnv(site, siteName, spec, extra),
    },
  );
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  if (code !== 0) {
    throw new Error(
      `${siteName} ${spec.name}: migrations failed (${signal ?? `exit ${String(code)}`})`,
    );
  }
}

/**
 * Starts a service from source, as a child of this process (a watchdog stops it if this
 * process dies). Its output goes to `logFile`, or to this process's own output.
 */
export function startServiceProcess(
  site: LocalSite,
  siteName: SiteName,
  spec: ServiceSpec,
  extra: Record<string, string>,
  logFile?: string,
): ServiceProcess {
  const fd = logFile === undefined ? undefined : openSync(logFile, 'a');
  const child = spawn(
    process.execPath,
    [...NODE_FLAGS, '--require', require.resolve('@swc-node/register'), spec.main],
    {
      cwd: repoRoot(),
      stdio: fd === undefined ? ['ignore', 'inherit', 'inherit'] : ['ignore', fd, fd],
      env: serviceEnv(site, siteName, spec, extra),
    },
  );
  if (fd !== undefined) closeSync(fd);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${siteName} ${spec.name}`);
  const watchdog = startWatchdog(process.pid, pid, 'SIGTERM');
  let stopped = false;
  return {
    spec,
    site: siteName,
    child,
    url: `http://127.0.0.1:${spec.port}`,
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopProcess(pid, 'SIGTERM');
      stopWatchdog(watchdog);
    },
    kill() {
      stopped = true;
      child.kill('SIGKILL');
      stopWatchdog(watchdog);
    },
  };
}

/** Waits until the service answers `GET /health/ready` with 200. */
export function awaitReady(service: ServiceProcess, timeoutMs = 90_000): Promise<boolean> {
  return waitUntil(
    async () => {
      if (service.child.exitCode !== null || service.child.signalCode !== null) return true;
      try {
        const response = await fetch(`${service.url}/health/ready`);
        return response.status === 200;
      } catch {
        return false;
      }
    },
    timeoutMs,
    250,
  ).then((ready) => ready && service.child.exitCode === null && service.child.signalCode === null);
}

/**
 * Starts MirrorMaker 2 replicating the internal event topics from `from` to `to`, as its
 * KafkaUsers of k8s/: `mirror-maker-source` on the source, and on the target `mirror-maker`
 * (the embassy) or `mirror-maker-failback` (the primary, during a failback).
 */
export function startMirror(
  from: { readonly name: SiteName; readonly site: LocalSite },
  to: { readonly name: SiteName; readonly site: LocalSite },
  dir: string,
  ownerPid: number,
): Promise<MirrorMakerNode> {
  return startMirrorMaker({
    dir,
    source: {
      alias: from.name,
      bootstrap: from.site.kafka.bootstrap,
      sasl: from.site.kafka.sasl('mirror-maker-source'),
    },
    target: {
      alias: to.name,
      bootstrap: to.site.kafka.bootstrap,
      sasl: to.site.kafka.sasl(to.name === 'embassy' ? 'mirror-maker' : 'mirror-maker-failback'),
    },
    topics: MIRRORED_TOPICS,
    ownerPid,
  });
}
