import { Pool } from 'pg';
import type { DataSource } from 'typeorm';

import { PostgresEventStore, ProjectionRunner, migrate } from '@gov/platform-event-sourcing';
import { createTestDatabase } from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';

import { pgCorrectionsProjection } from './pg-stores';
import {
  APPLICATION_SCHEMA,
  EVENT_STORE_SCHEMA,
  REGISTRY_SQL_MIGRATIONS,
  createRegistryDataSource,
  migrateRegistry,
} from './registry-schema';

let database: TestDatabase;
let pool: Pool;
let dataSource: DataSource;

beforeAll(async () => {
  database = await createTestDatabase('registry_checkpoints');
  pool = new Pool({ connectionString: database.url, max: 4 });
  pool.on('error', () => undefined);
  dataSource = await createRegistryDataSource(pool);
});

afterAll(async () => {
  await dataSource.destroy();
  await pool.end();
  await database.drop();
});

describe('projection checkpoints', () => {
  it('move from the registry schema to the event store, where both names find them', async () => {
    // A registry migrated before checkpoints moved, whose corrections projection had run.
    await migrate(pool, { schema: EVENT_STORE_SCHEMA });
    await migrate(pool, {
      schema: APPLICATION_SCHEMA,
      migrations: REGISTRY_SQL_MIGRATIONS.filter((m) => m.version <= 5),
    });
    await pool.query(
      `INSERT INTO "${EVENT_STORE_SCHEMA}".projection_checkpoints (name, position)
       VALUES ('corrections', 3), ('elsewhere', 9)`,
    );
    await pool.query(
      `INSERT INTO "${APPLICATION_SCHEMA}".projection_checkpoints (name, position)
       VALUES ('corrections', 42)`,
    );

    await migrateRegistry(pool);

    const { rows } = await pool.query<{ name: string; position: string }>(
      `SELECT name, position FROM "${EVENT_STORE_SCHEMA}".projection_checkpoints ORDER BY name`,
    );
    expect(rows).toEqual([
      { name: 'corrections', position: '42' },
      { name: 'elsewhere', position: '9' },
    ]);
    const store = new PostgresEventStore({
      pool,
      schema: EVENT_STORE_SCHEMA,
      producer: 'registry',
    });
    const runner = (schema: string) =>
      new ProjectionRunner({
        pool,
        schema,
        store,
        projection: pgCorrectionsProjection(dataSource),
      });
    expect(await runner(EVENT_STORE_SCHEMA).position()).toBe(42n);
    // Code that still names the registry's schema reads and moves the same checkpoint.
    const old = runner(APPLICATION_SCHEMA);
    expect(await old.position()).toBe(42n);
    await old.rebuild();
    expect(await runner(EVENT_STORE_SCHEMA).position()).toBe(0n);
    const tables = await pool.query<{ table_schema: string; table_type: string }>(
      `SELECT table_schema, table_type FROM information_schema.tables
       WHERE table_name = 'projection_checkpoints' ORDER BY table_schema`,
    );
    expect(tables.rows).toEqual([
      { table_schema: EVENT_STORE_SCHEMA, table_type: 'BASE TABLE' },
      { table_schema: APPLICATION_SCHEMA, table_type: 'VIEW' },
    ]);
  });
});
