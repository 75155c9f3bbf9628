// Registry processes as sites of their own, for the e2e specs that need two (a primary and an
// embassy replaying its topics on the same cluster): each with its own database, all with the
// same token keys and key-encryption key, as a deployment mounts the same Secrets on both sites.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Client } from 'pg';

import { ensureLocalSigningKeys, mintToken } from '@gov/platform-auth';
import type { LocalSigningKeys, TokenRequest } from '@gov/platform-auth';
import { createTestDatabase, testKafkaEnv } from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';

import { RegistryProcess, freePort, runTool, waitUntilOk } from './registry-process';

const AUDIENCE = 'backbone';

/** One registry process with its database. */
export interface RegistrySite {
  readonly database: TestDatabase;
  readonly service: RegistryProcess;
  readonly baseUrl: string;
}

/** The sites of one spec, stopped and dropped together. */
export class RegistrySites {
  private readonly sites: RegistrySite[] = [];

  private constructor(
    private readonly name: string,
    private readonly dir: string,
    private readonly keys: LocalSigningKeys,
  ) {}

  /** Keys for the spec `name` (its token issuer and the prefix of its databases). */
  static async create(name: string): Promise<RegistrySites> {
    const dir = mkdtempSync(join(tmpdir(), `${name}-`));
    return new RegistrySites(name, dir, await ensureLocalSigningKeys(dir));
  }

  /** A token of the spec's issuer. */
  token(request: Omit<TokenRequest, 'issuer' | 'audience'>): Promise<string> {
    return mintToken(this.keys.privateKeyFile, {
      issuer: this.name,
      audience: AUDIENCE,
      ...request,
    });
  }

  /** A migrated database and a registry on it, ready; `extra` adds or overrides variables. */
  async start(extra: Record<string, string> = {}): Promise<RegistrySite> {
    const database = await createTestDatabase(this.name.replaceAll('-', '_'));
    const migrated = runTool('migrate', { DATABASE_URL: database.url });
    if (migrated.status !== 0) throw new Error(`migrate failed: ${migrated.stderr}`);
    return this.startOn(database, extra);
  }

  /** A registry on `database` (migrated), ready: another process of a site, after a restart. */
  async startOn(database: TestDatabase, extra: Record<string, string> = {}): Promise<RegistrySite> {
    const env = { DATABASE_URL: database.url };
    const port = await freePort();
    const service = new RegistryProcess({
      ...env,
      HTTP_PORT: String(port),
      // As the test run's admin: the specs' topics have names of their own, which no
      // service's ACLs cover.
      ...testKafkaEnv(),
      AUTH_JWKS_FILE: this.keys.jwksFile,
      DATA_KEK_FILE: this.keys.keyEncryptionKeyFile,
      AUTH_ISSUER: this.name,
      AUTH_AUDIENCE: AUDIENCE,
      LOG_LEVEL: 'warn',
      ...extra,
    });
    const site = { database, service, baseUrl: `http://127.0.0.1:${String(port)}` };
    this.sites.push(site);
    await waitUntilOk(`${site.baseUrl}/health/ready`, service, 90_000);
    return site;
  }

  /** The key-encryption key file the spec's sites read by default. */
  get keyEncryptionKeyFile(): string {
    return this.keys.keyEncryptionKeyFile;
  }

  /** A file in the spec's folder (removed with it). */
  file(name: string): string {
    return join(this.dir, name);
  }

  /** Stops `site`'s process (its database stays, for {@link startOn}). */
  async stopProcess(site: RegistrySite): Promise<void> {
    await site.service.stop();
  }

  /** Rows of a query on `site`'s database. */
  async sql<T>(site: RegistrySite, text: string, values: unknown[] = []): Promise<T[]> {
    const client = new Client({ connectionString: site.database.url });
    await client.connect();
    try {
      return (await client.query(text, values)).rows as T[];
    } finally {
      await client.end();
    }
  }

  /** Stops every process, drops every database, removes the keys. */
  async stop(): Promise<void> {
    const databases = new Set<TestDatabase>();
    for (const site of this.sites) {
      await this.stopProcess(site);
      databases.add(site.database);
    }
    for (const database of databases) await database.drop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
