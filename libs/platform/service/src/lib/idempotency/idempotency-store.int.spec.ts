import { Pool } from 'pg';
import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';

import { createTestDatabase } from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';

import { migrate } from '@gov/platform-event-sourcing';

import { OwnSchemaNotMigratedError, migrateService, verifyOwnSchema } from '../own-schema';
import type { ServiceSchemas } from '../own-schema';
import { createOwnDataSource, runInOwnSchema } from '../own-tables/own-data-source';
import { IdempotencyKeyEntity, IdempotencyKeysTable1765000000000 } from './idempotency-key.entity';
import { IDEMPOTENCY_KEYS_MIGRATION_SQL, PgIdempotencyStore } from './idempotency-store';

class Things1765000000001 implements MigrationInterface {
  async up(runner: QueryRunner): Promise<void> {
    await runInOwnSchema(runner, 'CREATE TABLE things (id int PRIMARY KEY);');
  }
  async down(): Promise<void> {
    // Not undone in a test.
  }
}

class Later1765000000002 implements MigrationInterface {
  async up(): Promise<void> {
    // Nothing: only its name matters here.
  }
  async down(): Promise<void> {
    // Nothing.
  }
}

const SCHEMAS: ServiceSchemas = {
  eventStoreSchema: 'kit',
  ownSchema: 'kit_app',
  ownEntities: [IdempotencyKeyEntity],
  ownMigrations: [IdempotencyKeysTable1765000000000, Things1765000000001],
};

let database: TestDatabase;
let pool: Pool;
let dataSource: DataSource;

beforeAll(async () => {
  database = await createTestDatabase('kit');
  pool = new Pool({ connectionString: database.url, max: 4 });
  // Dropping the database at the end may terminate a connection the pool is closing.
  pool.on('error', () => undefined);
  dataSource = await createOwnDataSource(pool, {
    schema: SCHEMAS.ownSchema,
    entities: SCHEMAS.ownEntities,
    migrations: SCHEMAS.ownMigrations,
  });
});

afterAll(async () => {
  await dataSource.destroy();
  await pool.end();
  await database.drop();
});

describe('a service’s schemas', () => {
  it('refuse to serve before migrating, migrate once under concurrency, then verify', async () => {
    await expect(verifyOwnSchema(pool, SCHEMAS)).rejects.toThrow(OwnSchemaNotMigratedError);

    const runs = await Promise.all([migrateService(pool, SCHEMAS), migrateService(pool, SCHEMAS)]);
    const again = await migrateService(pool, SCHEMAS);

    expect(runs.map((r) => r.own.applied.length).sort()).toEqual([0, 2]);
    expect(again.own).toEqual({ applied: [], version: 'Things1765000000001' });
    expect(again.eventStore.applied).toEqual([]);
    await expect(verifyOwnSchema(pool, SCHEMAS)).resolves.toBeUndefined();
    await expect(
      verifyOwnSchema(pool, {
        ...SCHEMAS,
        ownMigrations: [...SCHEMAS.ownMigrations, Later1765000000002],
      }),
    ).rejects.toThrow('schema "kit_app" lacks migration Later1765000000002');
  });

  it('moves a schema made by the SQL runner to TypeORM without applying anything twice', async () => {
    const legacy = { ...SCHEMAS, ownSchema: 'kit_legacy' };
    await migrate(pool, {
      schema: legacy.ownSchema,
      migrations: [{ version: 1, name: 'idempotency keys', sql: IDEMPOTENCY_KEYS_MIGRATION_SQL }],
    });
    await pool.query(
      `INSERT INTO kit_legacy.idempotency_keys (scope, key, fingerprint) VALUES ('s', 'kept', 'f')`,
    );

    const moved = await migrateService(pool, legacy);

    expect(moved.own.applied).toEqual(['IdempotencyKeysTable1765000000000', 'Things1765000000001']);
    const { rows } = await pool.query<{ key: string }>(
      'SELECT key FROM kit_legacy.idempotency_keys',
    );
    expect(rows).toEqual([{ key: 'kept' }]);
  });
});

describe('PgIdempotencyStore', () => {
  const response = { status: 201, headers: { location: '/persons/1' }, body: { version: 1 } };
  const store = () => new PgIdempotencyStore(dataSource, pool);

  beforeAll(async () => {
    await migrateService(pool, SCHEMAS);
  });

  it('claims a key once, replays its response, and refuses it for another request', async () => {
    const keys = store();

    const claim = await keys.claim('registrar:clerk-1', 'k1', 'f1', 30_000);
    const during = await keys.claim('registrar:clerk-1', 'k1', 'f1', 30_000);
    await keys.complete('registrar:clerk-1', 'k1', response);
    const after = await keys.claim('registrar:clerk-1', 'k1', 'f1', 30_000);
    const other = await keys.claim('registrar:clerk-1', 'k1', 'f2', 30_000);
    const otherCaller = await keys.claim('registrar:clerk-2', 'k1', 'f2', 30_000);

    expect(claim.kind).toBe('claimed');
    expect(during).toEqual({ kind: 'in-progress' });
    expect(after).toEqual({ kind: 'replay', response });
    expect(other).toEqual({ kind: 'mismatch' });
    expect(otherCaller.kind).toBe('claimed');
  });

  it('frees a released key, and takes over a claim whose lease ran out with its first time', async () => {
    const keys = store();

    await keys.claim('s', 'released', 'f', 30_000);
    await keys.release('s', 'released');
    expect((await keys.claim('s', 'released', 'f', 30_000)).kind).toBe('claimed');

    const first = await keys.claim('s', 'stuck', 'f', 30_000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const taken = await keys.claim('s', 'stuck', 'f', 10);
    expect(taken).toEqual(first);
  });

  it('purges old keys', async () => {
    const keys = store();
    await keys.claim('s', 'old', 'f', 30_000);
    await pool.query(
      `UPDATE ${SCHEMAS.ownSchema}.idempotency_keys SET first_seen_at = now() - interval '2 days'
       WHERE key = 'old'`,
    );

    expect(await keys.purge(24 * 3600_000)).toBe(1);
    expect((await keys.claim('s', 'old', 'f', 30_000)).kind).toBe('claimed');
  });

  it('names the missing migration when its table does not exist', async () => {
    const unmigrated = await createOwnDataSource(pool, {
      schema: 'kit_unmigrated',
      entities: [IdempotencyKeyEntity],
      migrations: [],
    });
    const keys = new PgIdempotencyStore(unmigrated, pool);

    await expect(keys.claim('s', 'k', 'f', 30_000)).rejects.toThrow(/kit_unmigrated/);
  });

  it('refuses a schema name that would need quoting', async () => {
    const odd = await createOwnDataSource(pool, {
      schema: 'kit"; DROP',
      entities: [IdempotencyKeyEntity],
      migrations: [],
    });
    expect(() => new PgIdempotencyStore(odd, pool)).toThrow('invalid schema name');
  });
});
