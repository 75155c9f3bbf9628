// Several services as processes for one e2e spec, started the way the local tools start them
// (their own database, migrated; tokens verified against local signing keys), and the JSON
// calls a spec makes to them.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ensureLocalSigningKeys, mintToken } from '@gov/platform-auth';
import type { LocalSigningKeys, TokenRequest } from '@gov/platform-auth';
import { freePort } from '@gov/platform-infra';

import {
  createTestDatabase,
  runServiceTool,
  ServiceProcess,
  testKafkaEnv,
  waitUntilOk,
} from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';

const AUDIENCE = 'backbone';

/** A service started by {@link ServicesUnderTest.start}. */
export interface ServiceUnderTest {
  readonly name: string;
  readonly process: ServiceProcess;
  /** Its base URL, `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly database: TestDatabase | undefined;
}

/** Options of {@link ServicesUnderTest.start}. */
export interface StartOptions {
  /** An existing database to use (not migrated again, not dropped at the end). */
  readonly database?: TestDatabase;
  /** No database at all (embassy-sync). */
  readonly withoutDatabase?: boolean;
  /** How long the service may take to become ready (default 90 s). */
  readonly readyTimeoutMs?: number;
  /**
   * The port to listen on, when the spec must know it before the start (a URL registered with
   * another party, such as an identity provider's redirect); a free one otherwise.
   */
  readonly port?: number;
}

/**
 * The services of one e2e spec: each {@link start} makes the service a database of its own,
 * runs its migrations, starts it on a free port against the run's Kafka with tokens verified
 * against this spec's local signing keys, and waits until it is ready; {@link stop} stops them
 * (SIGTERM, then SIGKILL) and drops what it made. {@link token} mints any role's token.
 */
export class ServicesUnderTest {
  readonly started: ServiceUnderTest[] = [];
  private readonly databases: TestDatabase[] = [];

  private constructor(
    /** A folder of the spec's own, removed by {@link stop}. */
    readonly dir: string,
    readonly keys: LocalSigningKeys,
    readonly issuer: string,
  ) {}

  /** Local signing keys in a new temporary folder; `name` names the folder and the issuer. */
  static async create(name: string): Promise<ServicesUnderTest> {
    const dir = mkdtempSync(join(tmpdir(), `${name}-`));
    return new ServicesUnderTest(dir, await ensureLocalSigningKeys(join(dir, 'auth')), name);
  }

  /** The variables with which a service verifies this spec's tokens. */
  get authEnv(): Record<string, string> {
    return {
      AUTH_JWKS_FILE: this.keys.jwksFile,
      DATA_KEK_FILE: this.keys.keyEncryptionKeyFile,
      AUTH_ISSUER: this.issuer,
      AUTH_AUDIENCE: AUDIENCE,
    };
  }

  /** A token the services started here accept. */
  token(request: Omit<TokenRequest, 'issuer' | 'audience'>): Promise<string> {
    return mintToken(this.keys.privateKeyFile, {
      issuer: this.issuer,
      audience: AUDIENCE,
      ...request,
    });
  }

  /** Starts `services/<name>` with `env` on top of the harness's variables; see the class. */
  async start(
    name: string,
    env: Record<string, string> = {},
    options: StartOptions = {},
  ): Promise<ServiceUnderTest> {
    let database = options.database;
    if (database === undefined && options.withoutDatabase !== true) {
      database = await createTestDatabase(`${name.replace(/-/g, '_')}_e2e`);
      this.databases.push(database);
      const migrated = runServiceTool(name, 'migrate', { DATABASE_URL: database.url });
      if (migrated.status !== 0) {
        throw new Error(`the ${name} migrations failed:\n${migrated.stderr}`);
      }
    }
    const port = options.port ?? (await freePort());
    const process = new ServiceProcess(name, {
      ...(database === undefined ? {} : { DATABASE_URL: database.url }),
      HTTP_PORT: String(port),
      ...testKafkaEnv(),
      LOG_LEVEL: 'warn',
      ...this.authEnv,
      ...env,
    });
    const started = { name, process, url: `http://127.0.0.1:${String(port)}`, database };
    this.started.push(started);
    await waitUntilOk(`${started.url}/health/ready`, process, options.readyTimeoutMs ?? 90_000);
    return started;
  }

  /** Stops every service started here, drops the databases made here, removes the folder. */
  async stop(): Promise<void> {
    await Promise.all(this.started.map(({ process }) => stopProcess(process)));
    for (const database of this.databases) await database.drop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** SIGTERM, then SIGKILL when it has not exited within 15 s. */
export async function stopProcess(process: ServiceProcess): Promise<void> {
  if (!process.running) return;
  process.signal('SIGTERM');
  await process.exit(15_000).catch(() => {
    process.signal('SIGKILL');
  });
}

/** What {@link callJson} answers. */
export interface JsonAnswer {
  readonly status: number;
  /** The `content-type` header ('' without one). */
  readonly type: string;
  /** The parsed JSON body, `{}` when empty. */
  readonly body: Record<string, unknown>;
  readonly headers: Headers;
}

/**
 * One HTTP call with a bearer token (none when `bearer` is `undefined`): a JSON body when one is
 * given (a string is sent as is, for malformed-JSON tests), a fresh `Idempotency-Key` on every
 * write unless `headers` name one.
 */
export async function callJson(
  url: string,
  method: string,
  bearer: string | undefined,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<JsonAnswer> {
  const response = await fetch(url, {
    method,
    headers: {
      ...(bearer === undefined ? {} : { authorization: `Bearer ${bearer}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(method === 'GET' ? {} : { 'idempotency-key': randomUUID() }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
    headers: response.headers,
  };
}
