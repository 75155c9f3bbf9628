import { uniqueName } from '@gov/platform-testing';

import { testPostgres } from '../testing/pg-test-support';
import type { TestPostgres } from '../testing/pg-test-support';
import { MigrationDriftError, migrate } from './migrate';
import { EVENT_STORE_MIGRATIONS, REQUIRED_MIGRATION } from './migrations';

let pg: TestPostgres;

beforeAll(async () => {
  pg = await testPostgres('migrate');
});

afterAll(async () => {
  await pg.close();
});

async function tablesOf(schema: string): Promise<string[]> {
  const { rows } = await pg.pool.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`,
    [schema],
  );
  return rows.map((r) => r.table_name);
}

async function appliedVersions(schema: string): Promise<number[]> {
  const { rows } = await pg.pool.query<{ version: number }>(
    `SELECT version FROM "${schema}".schema_migrations ORDER BY version`,
  );
  return rows.map((r) => r.version);
}

const ALL = EVENT_STORE_MIGRATIONS.map((m) => m.version);
const LATEST = REQUIRED_MIGRATION;

describe('migrate', () => {
  it('creates the schema with every table, then does nothing on a second run', async () => {
    const schema = uniqueName('svc');

    expect(await migrate(pg.pool, { schema })).toEqual({ applied: ALL, version: LATEST });
    expect(await tablesOf(schema)).toEqual([
      'events',
      'halted_streams',
      'inbox',
      'log_head',
      'projection_checkpoints',
      'relay_checkpoints',
      'schema_migrations',
      'site_role',
    ]);
    expect(await migrate(pg.pool, { schema })).toEqual({ applied: [], version: LATEST });
    expect(await appliedVersions(schema)).toEqual(ALL);
  });

  it('applies each migration exactly once when several instances start together', async () => {
    const schema = uniqueName('svc');

    const results = await Promise.all(
      Array.from({ length: 5 }, () => migrate(pg.pool, { schema })),
    );

    expect(results.filter((r) => r.applied.length > 0)).toEqual([
      { applied: ALL, version: LATEST },
    ]);
    expect(await appliedVersions(schema)).toEqual(ALL);
  });

  it('applies only what is missing, in order', async () => {
    const schema = uniqueName('svc');
    await migrate(pg.pool, { schema, migrations: EVENT_STORE_MIGRATIONS.slice(0, 1) });
    expect(await tablesOf(schema)).not.toContain('inbox');

    expect(await migrate(pg.pool, { schema })).toEqual({ applied: ALL.slice(1), version: LATEST });
    expect(await tablesOf(schema)).toContain('inbox');
  });

  it('refuses to run when a released migration was edited', async () => {
    const schema = uniqueName('svc');
    await migrate(pg.pool, { schema });
    const edited = EVENT_STORE_MIGRATIONS.map((m) =>
      m.version === 2 ? { ...m, sql: `${m.sql}\n-- edited` } : m,
    );

    await expect(migrate(pg.pool, { schema, migrations: edited })).rejects.toBeInstanceOf(
      MigrationDriftError,
    );
  });

  it('rolls back everything when a migration fails', async () => {
    const schema = uniqueName('svc');
    const broken = [
      ...EVENT_STORE_MIGRATIONS,
      { version: LATEST + 1, name: 'broken', sql: 'CREATE TABLE ok_table (id int); SELECT 1/0;' },
    ];

    await expect(migrate(pg.pool, { schema, migrations: broken })).rejects.toMatchObject({
      kind: 'unexpected',
    });
    expect(await tablesOf(schema)).toEqual([]);
  });

  it('refuses schema names that would need quoting', async () => {
    await expect(migrate(pg.pool, { schema: 'Robert"; DROP TABLE x; --' })).rejects.toMatchObject({
      kind: 'invalid-argument',
    });
  });
});
