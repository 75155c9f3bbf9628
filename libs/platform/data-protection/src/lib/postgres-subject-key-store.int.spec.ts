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
  rewrapSubjectKeys,
} from './postgres-subject-key-store';
import { SealedDataError } from './sealing';
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

  describe('rewrapSubjectKeys (key-encryption key rotation)', () => {
    it('re-wraps every live key under the current key, republishes them, leaves the rest', async () => {
      const schema = await migratedSchema();
      const old = KeyEncryptionKey.generate();
      const before = new PostgresSubjectKeyStore(pool, schema, old);
      const subjects = Array.from(
        { length: 1_203 },
        (_, i) => `subject-${String(i).padStart(4, '0')}`,
      );
      const keys = await before.keysFor(subjects);
      await before.destroy('subject-0007', new Date());
      const [{ max: relayedUpTo } = { max: '0' }] = (
        await pool.query<{ max: string }>(
          `SELECT max(change_position)::text AS max FROM ${schema}.subject_keys`,
        )
      ).rows;

      const rotated = KeyEncryptionKey.fromBase64(
        `${KeyEncryptionKey.generate().toBase64()}\n${old.toBase64()}`,
      );
      expect(await rewrapSubjectKeys(pool, schema, rotated)).toEqual({
        checked: 1_202,
        rewrapped: 1_202,
      });
      // Again: nothing left to do.
      expect(await rewrapSubjectKeys(pool, schema, rotated)).toEqual({
        checked: 1_202,
        rewrapped: 0,
      });
      // The current key alone opens every live key now, to the same data key.
      const after = new PostgresSubjectKeyStore(
        pool,
        schema,
        KeyEncryptionKey.fromBase64(rotated.toBase64()),
      );
      const anna = keys.get('subject-1200');
      const looked = (await after.lookup([anna?.keyId ?? ''])).get(anna?.keyId ?? '');
      expect(
        looked?.state === 'live' &&
          Buffer.from(looked.key.key).equals(Buffer.from(anna?.key ?? [])),
      ).toBe(true);
      await expect(after.keyFor('subject-0007')).rejects.toThrow(SubjectErasedError);
      // Each re-wrapped key goes out on the keys topic again.
      const republished = await after.changesSince(BigInt(relayedUpTo), 5_000);
      expect(republished).toHaveLength(1_202);
      expect(republished.every((change) => change.record.wrappedKey !== null)).toBe(true);
    });

    it('refuses a key wrapped under none of the keys, changing nothing of its batch', async () => {
      const schema = await migratedSchema();
      const lost = new PostgresSubjectKeyStore(pool, schema, KeyEncryptionKey.generate());
      await lost.keysFor(['anna', 'ben']);
      const { rows: stored } = await pool.query(
        `SELECT wrapped_key FROM ${schema}.subject_keys ORDER BY key_id`,
      );
      await expect(rewrapSubjectKeys(pool, schema, KeyEncryptionKey.generate())).rejects.toThrow(
        SealedDataError,
      );
      const { rows: after } = await pool.query(
        `SELECT wrapped_key FROM ${schema}.subject_keys ORDER BY key_id`,
      );
      expect(after).toEqual(stored);
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
