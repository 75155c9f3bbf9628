import { Pool } from 'pg';
import { EntitySchema } from 'typeorm';
import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';

import { createTestDatabase } from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';

import { migrateService } from '../own-schema';
import {
  createOwnDataSource,
  entityManagerOn,
  pgClientOf,
  runInOwnSchema,
} from './own-data-source';

interface NoteRow {
  id: number;
  text: string;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- TypeORM types its plain options object as a class; a literal is its documented use.
const NoteEntity = new EntitySchema<NoteRow>({
  name: 'Note',
  tableName: 'notes',
  columns: { id: { type: 'integer', primary: true }, text: { type: 'text' } },
});

class Notes1765000000001 implements MigrationInterface {
  async up(runner: QueryRunner): Promise<void> {
    await runInOwnSchema(runner, 'CREATE TABLE notes (id int PRIMARY KEY, text text NOT NULL);');
  }
  async down(): Promise<void> {
    // Not undone in a test.
  }
}

const SCHEMAS = {
  eventStoreSchema: 'own_es',
  ownSchema: 'own_app',
  ownEntities: [NoteEntity],
  ownMigrations: [Notes1765000000001],
};

let database: TestDatabase;
let pool: Pool;
let dataSource: DataSource;

beforeAll(async () => {
  database = await createTestDatabase('own_tables');
  pool = new Pool({ connectionString: database.url, max: 3 });
  pool.on('error', () => undefined);
  await migrateService(pool, SCHEMAS);
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

async function notes(): Promise<number[]> {
  const { rows } = await pool.query<{ id: number }>('SELECT id FROM own_app.notes ORDER BY id');
  return rows.map((row) => row.id);
}

describe('a service’s TypeORM data source', () => {
  it('takes its connections from the service’s pool and leaves it open when destroyed', async () => {
    const other = await createOwnDataSource(pool, {
      schema: SCHEMAS.ownSchema,
      entities: SCHEMAS.ownEntities,
      migrations: [],
    });
    const held = await pool.connect();
    const second = await pool.connect();
    // The pool (max 3) has one connection left: TypeORM gets it, or waits for it.
    await other.getRepository(NoteEntity).insert({ id: 1, text: 'from TypeORM' });
    expect(pool.totalCount).toBe(3);
    held.release();
    second.release();

    await other.destroy();

    expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    expect(await notes()).toEqual([1]);
  });

  it('writes on a connection inside someone else’s transaction, and rolls back with it', async () => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const manager = entityManagerOn(dataSource, client);
      // save() opens a transaction of its own unless one is active: it must not commit ours.
      await manager.getRepository(NoteEntity).save({ id: 2, text: 'saved' });
      await manager.getRepository(NoteEntity).insert({ id: 3, text: 'inserted' });
      await client.query('ROLLBACK');

      await client.query('BEGIN');
      await entityManagerOn(dataSource, client)
        .getRepository(NoteEntity)
        .insert({ id: 4, text: 'kept' });
      await client.query('COMMIT');
    } finally {
      client.release();
    }

    expect(await notes()).toEqual([1, 4]);
  });

  it('gives its transaction’s connection to pg code, which commits and rolls back with it', async () => {
    await expect(
      dataSource.transaction(async (manager) => {
        await manager.getRepository(NoteEntity).insert({ id: 5, text: 'TypeORM' });
        await pgClientOf(manager).query(`INSERT INTO own_app.notes VALUES (6, 'pg')`);
        throw new Error('after both writes');
      }),
    ).rejects.toThrow('after both writes');
    await dataSource.transaction(async (manager) => {
      await pgClientOf(manager).query(`INSERT INTO own_app.notes VALUES (7, 'pg')`);
    });

    expect(await notes()).toEqual([1, 4, 7]);
    expect(() => pgClientOf(dataSource.manager)).toThrow('needs the manager of a transaction');
  });
});
