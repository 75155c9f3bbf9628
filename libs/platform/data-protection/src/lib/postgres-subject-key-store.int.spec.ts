import { randomUUID } from 'node:crypto';

import { Pool } from 'pg';
import { DataSource } from 'typeorm';

import { createTestDatabase } from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';

import { KeyEncryptionKey } from './key-encryption-key';
import {
  PostgresSubjectKeyStore,
  SubjectKeysTable1765000001000,
  eraseSubjectIn,
} from './postgres-subject-key-store';
import { SubjectErasedError } from './subject-keys';
import { describeSubjectKeyStoreContract } from './testing/subject-key-store.contract';

let database: TestDatabase;
let pool: Pool;

beforeAll(async () => {
  database = await createTestDatabase('subject_keys');
  pool = new Pool({ connectionString: database.url, max: 4 });
  pool.on('error', () => undefined);
});

afterAll(async () => {
  await pool.end();
  await database.drop();
});

/** A schema of its own, migrated by TypeORM as a service's own migrations are. */
async function migratedSchema(): Promise<string> {
  const schema = `keys_${randomUUID().slice(0, 8)}`;
  await pool.query(`CREATE SCHEMA ${schema}`);
  const dataSource = new DataSource({
    type: 'postgres',
    url: database.url,
    schema,
    migrations: [SubjectKeysTable1765000001000],
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
  });
  await dataSource.initialize();
  try {
    await dataSource.runMigrations();
  } finally {
    await dataSource.destroy();
  }
  return schema;
}

// Each store is a site of its own: its own schema.
describeSubjectKeyStoreContract('PostgreSQL', async (kek) => {
  return new PostgresSubjectKeyStore(pool, await migratedSchema(), kek);
});

describe('PostgresSubjectKeyStore', () => {
  it('keeps no key material in a destroyed row', async () => {
    const schema = await migratedSchema();
    const store = new PostgresSubjectKeyStore(pool, schema, KeyEncryptionKey.generate());
    const key = await store.keyFor('1983081246785');
    await store.destroy('1983081246785', new Date());
    const { rows } = await pool.query<{ wrapped_key: Buffer | null }>(
      `SELECT wrapped_key FROM ${schema}.subject_keys WHERE key_id = $1`,
      [key.keyId],
    );
    expect(rows).toEqual([{ wrapped_key: null }]);
  });

  it('gives concurrent first uses of one subject the same key', async () => {
    const store = new PostgresSubjectKeyStore(
      pool,
      await migratedSchema(),
      KeyEncryptionKey.generate(),
    );
    const keys = await Promise.all(Array.from({ length: 8 }, () => store.keyFor('1990010112345')));
    expect(new Set(keys.map((key) => key.keyId)).size).toBe(1);
  });

  describe('eraseSubjectIn', () => {
    const at = new Date('2026-12-01T10:00:00.000Z');
    const later = new Date('2026-12-02T10:00:00.000Z');

    it("destroys a live key in the caller's transaction, once", async () => {
      const schema = await migratedSchema();
      const store = new PostgresSubjectKeyStore(pool, schema, KeyEncryptionKey.generate());
      const key = await store.keyFor('1983081246785');
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await eraseSubjectIn(client, schema, '1983081246785', at);
        await client.query('ROLLBACK');
        expect((await store.lookup([key.keyId])).get(key.keyId)?.state).toBe('live');
        await eraseSubjectIn(client, schema, '1983081246785', at);
        await eraseSubjectIn(client, schema, '1983081246785', later);
      } finally {
        client.release();
      }
      expect((await store.lookup([key.keyId])).get(key.keyId)).toEqual({
        state: 'destroyed',
        keyId: key.keyId,
        subjectId: '1983081246785',
        destroyedAt: at,
      });
    });

    it('records a subject who never had a key as erased: nothing is sealed for them later', async () => {
      const schema = await migratedSchema();
      const store = new PostgresSubjectKeyStore(pool, schema, KeyEncryptionKey.generate());
      const client = await pool.connect();
      try {
        await eraseSubjectIn(client, schema, '1990010112345', at);
      } finally {
        client.release();
      }
      await expect(store.keyFor('1990010112345')).rejects.toThrow(SubjectErasedError);
      const { rows } = await pool.query<{ wrapped_key: Buffer | null; destroyed_at: Date }>(
        `SELECT wrapped_key, destroyed_at FROM ${schema}.subject_keys WHERE subject_id = $1`,
        ['1990010112345'],
      );
      expect(rows).toEqual([{ wrapped_key: null, destroyed_at: at }]);
    });
  });

  it('refuses a database whose rows hold material and a destruction at once', async () => {
    const schema = await migratedSchema();
    await expect(
      pool.query(
        `INSERT INTO ${schema}.subject_keys (key_id, subject_id, wrapped_key, created_at, destroyed_at)
         VALUES ($1, 's', '\\x00', now(), now())`,
        [randomUUID()],
      ),
    ).rejects.toThrow(/subject_keys_material_check/);
  });
});
