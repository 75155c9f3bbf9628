// Starts an image once per service against a throw-away site (Kafka and PostgreSQL on free
// loopback ports), as Kubernetes would run it: its migrations first, then the service; read-only
// root filesystem, every capability dropped, the image's non-root user. The check passes when
// the container answers `GET /health/live` and `GET /health/ready` with 200, and serves the
// files it reads only on request (SERVED_FILES).
import { spawnSync } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ensureLocalSigningKeys } from '@gov/platform-auth';
import { freePort, kafkaClientEnv, startEphemeralSite, waitUntil } from '@gov/platform-infra';

import { LOCAL_AUDIENCE, LOCAL_ISSUER } from '../../scripts/lib/local-auth';
import { ensureDatabases } from '../../scripts/lib/local-platform';
import {
  loadServiceDeclarations,
  resolveServiceEnv,
  startOrder,
} from '../../scripts/lib/service-declarations';
import type { ServiceDeclaration } from '../../scripts/lib/service-declarations';
import { CommandError, run, tryRun } from './exec';

/** The image's user (Dockerfile `USER`): the mounted key folder must be its. */
const IMAGE_UID = 10001;

/**
 * How every container of the check runs. runc: Debian podman's default runtime (crun) fails
 * on this machine's cgroups; the ulimits are explicit because root here lacks CAP_SYS_RESOURCE
 * to keep podman's defaults. No tmpfs on /tmp either (podman adds one to `--read-only` by
 * default): a pod with a read-only root filesystem has no writable /tmp unless it mounts one.
 */
const RUN_FLAGS = [
  '--runtime',
  'runc',
  '--ulimit',
  'nofile=20000:20000',
  '--ulimit',
  'nproc=4096:4096',
  '--read-only',
  '--read-only-tmpfs=false',
  '--cap-drop=ALL',
  '--security-opt=no-new-privileges',
  '--network',
  'host',
];

/**
 * Brokers that never answer (the discard port, closed on loopback), for a service declared
 * without Kafka (`"kafka": false`): it must start and be ready without them, as the chart runs
 * it. The throw-away site's own brokers would hide a client it does have.
 */
const NO_KAFKA = '127.0.0.1:9';

/**
 * Files a service reads when they are asked for, not at start-up, by service: a folder the
 * build forgot to copy would not stop the start, so the check asks for them. The portal's
 * shared stylesheet stands for its assets folder (compile.ts DATA_DIRS).
 */
const SERVED_FILES: Readonly<Record<string, readonly { path: string; type: RegExp }[]>> = {
  portal: [{ path: '/assets/portal.css', type: /^text\/css\b/ }],
};

/** How long a migration may run in the check. */
const MIGRATE_TIMEOUT_SECONDS = 120;

/** One service's outcome. */
export interface ServiceCheck {
  readonly service: string;
  readonly ok: boolean;
  /** Seconds the migration took (undefined: no database, or it was not reached). */
  readonly migrateSeconds?: number;
  /** Seconds from `podman run` until both probes answered 200. */
  readonly readySeconds?: number;
  /** Why it failed, with the container's last log lines. */
  readonly problem?: string;
}

/** Options of {@link checkImage}. */
export interface CheckOptions {
  readonly image: string;
  /** The repository root (service declarations). */
  readonly root: string;
  /** Only these services (default: every declared one). */
  readonly services?: readonly string[];
  /** How long a service may take to answer both probes. */
  readonly readyTimeoutMs?: number;
  readonly log?: (message: string) => void;
}

function assertImageExists(image: string): void {
  if (tryRun('podman', ['image', 'exists', image]) === undefined) {
    throw new Error(`no image ${image}: run npm run images:build first`);
  }
}

/**
 * What the image itself promises, checked from inside it with its own `node`: a numeric
 * non-root user in its config, no shell, a CA bundle. Returns the problems (none: empty).
 *
 * @throws when the image does not exist.
 */
export function checkImageConfig(image: string): string[] {
  assertImageExists(image);
  const problems: string[] = [];
  const user = run('podman', ['image', 'inspect', '--format', '{{.Config.User}}', image]).trim();
  if (!/^[1-9]\d*(:\d+)?$/.test(user)) {
    problems.push(`the image's user is "${user}", not a numeric non-root id`);
  }
  const probe = [
    "const fs = require('node:fs');",
    "const shells = ['/bin/sh', '/bin/bash', '/bin/dash', '/usr/bin/sh', '/usr/bin/bash', '/usr/bin/dash'];",
    'const found = shells.filter((file) => fs.existsSync(file));',
    "const ca = '/etc/ssl/certs/ca-certificates.crt';",
    "const bundle = fs.existsSync(ca) && fs.readFileSync(ca, 'utf8').includes('BEGIN CERTIFICATE');",
    'process.stdout.write(JSON.stringify({ uid: process.getuid(), shells: found, bundle }));',
  ].join('\n');
  const result = JSON.parse(run('podman', ['run', '--rm', ...RUN_FLAGS, image, '-e', probe])) as {
    uid: number;
    shells: string[];
    bundle: boolean;
  };
  if (result.uid === 0) problems.push('the container runs as root');
  if (result.shells.length > 0)
    problems.push(`a shell is in the image: ${result.shells.join(', ')}`);
  if (!result.bundle) problems.push('no CA bundle at /etc/ssl/certs/ca-certificates.crt');
  return problems;
}

/** Runs `image` with the check's flags; detached returns at once. */
function podmanRun(
  name: string,
  image: string,
  env: Readonly<Record<string, string>>,
  mount: string,
  args: readonly string[],
  detached: boolean,
): string {
  const envFlags = Object.entries(env).flatMap(([key, value]) => ['--env', `${key}=${value}`]);
  return run('podman', [
    'run',
    // A migration that hangs (a database that never answers) must fail the check, not stall it.
    ...(detached ? ['--detach'] : ['--rm', '--timeout', String(MIGRATE_TIMEOUT_SECONDS)]),
    '--name',
    name,
    ...RUN_FLAGS,
    '--volume',
    `${mount}:${mount}`,
    ...envFlags,
    image,
    ...args,
  ]);
}

/** Each of `files` that `base` does not serve with status 200 and its type, and why. */
async function unservedFiles(
  base: string,
  files: readonly { path: string; type: RegExp }[],
): Promise<string[]> {
  const problems: string[] = [];
  for (const file of files) {
    try {
      const response = await fetch(`${base}${file.path}`, { signal: AbortSignal.timeout(2_000) });
      const type = response.headers.get('content-type') ?? '';
      const body = await response.text();
      if (response.status !== 200 || !file.type.test(type) || body.length === 0) {
        problems.push(`GET ${file.path} answered ${String(response.status)} (${type})`);
      }
    } catch (error) {
      problems.push(
        `GET ${file.path} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  return problems;
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return response.status === 200;
  } catch {
    return false;
  }
}

function containerRunning(name: string): boolean {
  return tryRun('podman', ['inspect', '--format', '{{.State.Running}}', name])?.trim() === 'true';
}

function lastLogs(name: string): string {
  const result = spawnSync('podman', ['logs', '--tail', '30', name], { encoding: 'utf8' });
  return `${result.stdout}${result.stderr}`.trim();
}

/**
 * Checks `image` service by service (one at a time, in start order: two cores). Every
 * container and the site are removed at the end, also on failure or an exception.
 *
 * @throws when the image does not exist, or the site cannot start.
 */
export async function checkImage(options: CheckOptions): Promise<ServiceCheck[]> {
  const log = options.log ?? (() => undefined);
  assertImageExists(options.image);
  const declared = loadServiceDeclarations(join(options.root, 'services'));
  const chosen = startOrder(
    declared.filter(
      (service) => options.services === undefined || options.services.includes(service.name),
    ),
  );
  for (const name of options.services ?? []) {
    if (!declared.some((service) => service.name === name)) {
      throw new Error(`no service "${name}" in services/*/service.json`);
    }
  }

  const prefix = `backbone-check-${String(process.pid)}`;
  const containers = new Set<string>();
  const removeContainers = (): void => {
    for (const name of containers) tryRun('podman', ['rm', '--force', '--time', '5', name]);
    containers.clear();
  };
  // Ctrl-C or a CI timeout must not leave containers behind; the site has its own watchdog.
  const onSignal = (signal: NodeJS.Signals): void => {
    removeContainers();
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  // Keys the services read (and, for audit and consent, create) live on a folder mounted at
  // the same path, owned by the image's user.
  const keysDir = mkdtempSync(join(tmpdir(), 'backbone-images-keys-'));
  // The primary's topics and users: each service runs as its own KafkaUser, as in Kubernetes.
  const site = await startEphemeralSite('images-check', process.pid, { role: 'primary' });
  const results: ServiceCheck[] = [];
  try {
    const keys = await ensureLocalSigningKeys(join(keysDir, 'auth'));
    mkdirSync(join(keysDir, 'checkpoints'), { recursive: true });
    chownTree(keysDir, IMAGE_UID);
    const urls: Record<string, string> = {};
    for (const service of chosen) {
      const port = await freePort();
      const env: Record<string, string> = {
        AUTH_JWKS_FILE: keys.jwksFile,
        DATA_KEK_FILE: keys.keyEncryptionKeyFile,
        AUTH_ISSUER: LOCAL_ISSUER,
        AUTH_AUDIENCE: LOCAL_AUDIENCE,
        HTTP_HOST: '127.0.0.1',
        HTTP_PORT: String(port),
        ...(service.kafka ? kafkaClientEnv(site.kafka, service.name) : { KAFKA_BROKERS: NO_KAFKA }),
        SITE_ROLE: 'primary',
        ...(service.database ? { DATABASE_URL: site.postgres.url(service.database.name) } : {}),
        ...resolveServiceEnv(
          service,
          { signingKeyFile: keys.privateKeyFile, checkpointKeyDir: join(keysDir, 'checkpoints') },
          urls,
        ),
      };
      await ensureDatabases(site, [{ ...service, port }]);
      const result = await checkService(
        service,
        options,
        env,
        port,
        keysDir,
        prefix,
        containers,
        log,
      );
      results.push(result);
      log(
        result.ok
          ? `${service.name}: ok (migrate ${result.migrateSeconds?.toFixed(1) ?? '-'} s, ready ${result.readySeconds?.toFixed(1) ?? '-'} s)`
          : `${service.name}: FAILED: ${result.problem ?? ''}`,
      );
      // Each service is checked alone and stopped, so later ones get no URL of it.
      removeContainers();
    }
  } finally {
    removeContainers();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await site.stop();
    rmSync(keysDir, { recursive: true, force: true });
  }
  return results;
}

async function checkService(
  service: ServiceDeclaration,
  options: CheckOptions,
  env: Readonly<Record<string, string>>,
  port: number,
  mount: string,
  prefix: string,
  containers: Set<string>,
  log: (message: string) => void,
): Promise<ServiceCheck> {
  const entry = `services/${service.name}`;
  let migrateSeconds: number | undefined;
  if (service.database) {
    const name = `${prefix}-${service.name}-migrate`;
    containers.add(name);
    const started = performance.now();
    try {
      podmanRun(name, options.image, env, mount, [`${entry}/migrate.js`], false);
    } catch (error) {
      const detail =
        error instanceof CommandError ? error.stderr.trim().slice(-2000) : String(error);
      return { service: service.name, ok: false, problem: `migration failed: ${detail}` };
    }
    migrateSeconds = (performance.now() - started) / 1000;
  }
  const name = `${prefix}-${service.name}`;
  containers.add(name);
  const started = performance.now();
  podmanRun(name, options.image, env, mount, [`${entry}/main.js`], true);
  log(`${service.name}: started, waiting for /health/live and /health/ready`);
  const base = `http://127.0.0.1:${String(port)}`;
  // Written by the polling closure; an object, because a reassigned local would not be seen.
  const seen = { exited: false, live: false, ready: false };
  await waitUntil(
    async () => {
      if (!containerRunning(name)) {
        seen.exited = true;
        return true;
      }
      seen.live = await answers(`${base}/health/live`);
      seen.ready = seen.live && (await answers(`${base}/health/ready`));
      return seen.ready;
    },
    options.readyTimeoutMs ?? 90_000,
    500,
  );
  const timing = migrateSeconds === undefined ? {} : { migrateSeconds };
  if (seen.ready && !seen.exited) {
    const missing = await unservedFiles(base, SERVED_FILES[service.name] ?? []);
    if (missing.length > 0) {
      return {
        service: service.name,
        ok: false,
        ...timing,
        problem: `ready, but ${missing.join('; ')}; last log lines:\n${lastLogs(name)}`,
      };
    }
    return {
      service: service.name,
      ok: true,
      ...timing,
      readySeconds: (performance.now() - started) / 1000,
    };
  }
  const why = seen.exited
    ? 'the container exited'
    : seen.live
      ? '/health/ready did not answer 200 in time'
      : '/health/live did not answer 200 in time';
  return {
    service: service.name,
    ok: false,
    ...timing,
    problem: `${why}; last log lines:\n${lastLogs(name)}`,
  };
}

function chownTree(dir: string, uid: number): void {
  chownSync(dir, uid, uid);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) chownTree(path, uid);
    else chownSync(path, uid, uid);
  }
}
