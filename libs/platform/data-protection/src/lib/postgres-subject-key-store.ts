import { randomBytes, randomUUID } from 'node:crypto';

import type { ClientBase, Pool } from 'pg';
import type { MigrationInterface, QueryRunner } from 'typeorm';

import { lookupOf } from './key-encryption-key';
import type { KeyEncryptionKey } from './key-encryption-key';
import { liveKeyOf } from './live-key';
import { KEY_BYTES } from './sealing';
import type {
  KeyChange,
  KeyDestruction,
  KeyLookup,
  KeyRecord,
  SubjectKey,
  SubjectKeyStore,
} from './subject-keys';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The table of per-subject keys in a service's own schema. A key lives wrapped under the
 * key-encryption key; destroying it sets `wrapped_key` to NULL (the CHECK keeps material and
 * destruction exclusive). `change_position` orders the changes this site made, for the keys
 * topic; NULL on a row received from the other site and not changed here since, so a received
 * key is never sent back. Released: never edit it; add a migration.
 */
export class SubjectKeysTable1765000001000 implements MigrationInterface {
  async up(runner: QueryRunner): Promise<void> {
    const schema = runner.dataSource.driver.schema;
    if (schema === undefined) throw new Error('the data source names no schema');
    await runner.query(`SET LOCAL search_path TO "${schema}"`);
    await runner.query(`
CREATE SEQUENCE subject_key_changes AS bigint;
CREATE TABLE subject_keys (
  key_id          uuid        PRIMARY KEY,
  subject_id      text        NOT NULL UNIQUE,
  wrapped_key     bytea,
  created_at      timestamptz NOT NULL,
  destroyed_at    timestamptz,
  change_position bigint,
  CONSTRAINT subject_keys_material_check CHECK ((wrapped_key IS NULL) = (destroyed_at IS NOT NULL))
);
CREATE UNIQUE INDEX subject_keys_change_idx ON subject_keys (change_position)
  WHERE change_position IS NOT NULL;
-- How far the keys topic has been written (one row per topic).
CREATE TABLE subject_key_relay (
  topic    text   PRIMARY KEY,
  position bigint NOT NULL CHECK (position >= 0)
);
`);
  }

  async down(runner: QueryRunner): Promise<void> {
    const schema = runner.dataSource.driver.schema;
    if (schema === undefined) throw new Error('the data source names no schema');
    await runner.query(`SET LOCAL search_path TO "${schema}"`);
    await runner.query(
      'DROP TABLE subject_key_relay; DROP TABLE subject_keys; DROP SEQUENCE subject_key_changes',
    );
  }
}

interface KeyRow {
  key_id: string;
  subject_id: string;
  wrapped_key: Buffer | null;
  created_at: Date;
  destroyed_at: Date | null;
}

const COLUMNS = 'key_id, subject_id, wrapped_key, created_at, destroyed_at';

/**
 * The per-subject keys in table `subject_keys` of a service's schema (created by
 * {@link SubjectKeysTable1765000001000} among the service's own migrations). Hand-written
 * statements on the service's pool: a read of personal data looks its key up, so that is one
 * index probe.
 *
 * Keys are not cached in the process: a key destroyed by one replica of the service must be
 * gone for every other replica at once.
 */
export class PostgresSubjectKeyStore implements SubjectKeyStore {
  private readonly table: string;
  private readonly sequence: string;
  private readonly relayTable: string;

  /**
   * @param onChange - Told after this store made a key or destroyed one (a relay waiting to
   *   write the keys topic wakes on it).
   */
  constructor(
    private readonly pool: Pool,
    schema: string,
    private readonly kek: KeyEncryptionKey,
    private readonly onChange: () => void = () => undefined,
  ) {
    if (!SCHEMA_NAME.test(schema)) throw new TypeError(`invalid schema name "${schema}"`);
    this.table = `"${schema}".subject_keys`;
    this.sequence = `"${schema}".subject_key_changes`;
    this.relayTable = `"${schema}".subject_key_relay`;
  }

  async keyFor(subjectId: string): Promise<SubjectKey> {
    const key = (await this.keysFor([subjectId])).get(subjectId);
    if (key === undefined) throw new Error(`no key returned for subject ${subjectId}`);
    return key;
  }

  async keysFor(subjectIds: readonly string[]): Promise<ReadonlyMap<string, SubjectKey>> {
    const unique = [...new Set(subjectIds)];
    if (unique.length === 0) return new Map();
    const keyIds = unique.map(() => randomUUID());
    const wrapped = unique.map((subjectId, i) =>
      Buffer.from(this.kek.wrap(randomBytes(KEY_BYTES), keyIds[i] ?? '', subjectId)),
    );
    // Most calls are a first use (a registration): one statement makes the keys. A subject who
    // has a key keeps it (a concurrent first use included): ON CONFLICT drops ours, and the
    // SELECT below reads theirs.
    //
    // Committed without waiting for the WAL flush (`synchronous_commit` off for this statement's
    // own transaction only): the first event sealed under a key commits after it, synchronously,
    // and the WAL is flushed in order, so that commit makes the key durable too. A crash can
    // lose only a key that nothing committed uses yet. It saves a second flush per registration.
    const { rows: created } = await this.pool.query<KeyRow>(
      `WITH no_flush_wait AS (SELECT set_config('synchronous_commit', 'off', true))
       INSERT INTO ${this.table} (key_id, subject_id, wrapped_key, created_at, change_position)
       SELECT k, s, w, $4, nextval('${this.sequence}')
         FROM unnest($1::uuid[], $2::text[], $3::bytea[]) AS n(k, s, w), no_flush_wait
       ON CONFLICT DO NOTHING
       RETURNING ${COLUMNS}`,
      [keyIds, unique, wrapped, new Date()],
    );
    if (created.length > 0) this.onChange();
    const rows = new Map(created.map((row) => [row.subject_id, row]));
    const existing = unique.filter((subjectId) => !rows.has(subjectId));
    if (existing.length > 0) {
      for (const row of await this.rowsOfSubjects(existing)) rows.set(row.subject_id, row);
    }
    const keys = new Map<string, SubjectKey>();
    for (const subjectId of unique) {
      const row = rows.get(subjectId);
      if (row === undefined) throw new Error(`the key of subject ${subjectId} was not stored`);
      keys.set(subjectId, liveKeyOf(recordOf(row), this.kek));
    }
    return keys;
  }

  async lookup(keyIds: readonly string[]): Promise<ReadonlyMap<string, KeyLookup>> {
    // An id that is no UUID names no key here (ids come from envelopes: never trusted blindly).
    const valid = [...new Set(keyIds)].filter((keyId) => UUID.test(keyId));
    if (valid.length === 0) return new Map();
    const { rows } = await this.pool.query<KeyRow>(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE key_id = ANY($1::uuid[])`,
      [valid],
    );
    return new Map(rows.map((row) => [row.key_id, lookupOf(recordOf(row), this.kek)]));
  }

  async stateOf(subjectId: string): Promise<KeyLookup | undefined> {
    const [row] = await this.rowsOfSubjects([subjectId]);
    return row === undefined ? undefined : lookupOf(recordOf(row), this.kek);
  }

  async destroy(subjectId: string, at: Date): Promise<KeyDestruction> {
    const { rows } = await this.pool.query<{ key_id: string }>(
      `UPDATE ${this.table}
          SET wrapped_key = NULL, destroyed_at = $2, change_position = nextval('${this.sequence}')
        WHERE subject_id = $1 AND destroyed_at IS NULL
       RETURNING key_id`,
      [subjectId, at],
    );
    const destroyed = rows[0];
    if (destroyed !== undefined) {
      this.onChange();
      return { destroyed: true, keyId: destroyed.key_id, destroyedAt: at };
    }
    const [row] = await this.rowsOfSubjects([subjectId]);
    return row === undefined
      ? { destroyed: false, keyId: null, destroyedAt: null }
      : { destroyed: false, keyId: row.key_id, destroyedAt: row.destroyed_at ?? at };
  }

  async changesSince(position: bigint, limit: number): Promise<readonly KeyChange[]> {
    const { rows } = await this.pool.query<KeyRow & { change_position: string }>(
      `SELECT ${COLUMNS}, change_position FROM ${this.table}
        WHERE change_position > $1 ORDER BY change_position LIMIT $2`,
      [position.toString(), limit],
    );
    return rows.map((row) => ({ position: BigInt(row.change_position), record: recordOf(row) }));
  }

  async applyReplicated(record: KeyRecord): Promise<void> {
    if (!UUID.test(record.keyId)) throw new TypeError(`key id ${record.keyId} is not a UUID`);
    if ((record.wrappedKey === null) !== (record.destroyedAt !== null)) {
      throw new TypeError(
        `key record ${record.keyId} has both or neither material and destruction`,
      );
    }
    if (record.destroyedAt !== null) {
      await this.pool.query(
        `UPDATE ${this.table} SET wrapped_key = NULL, destroyed_at = $2
          WHERE key_id = $1 AND destroyed_at IS NULL`,
        [record.keyId, record.destroyedAt],
      );
    } else if (record.wrappedKey !== null) {
      // The same key wrapped anew (the other site rotated its key-encryption key): the latest
      // record of a key is its current wrapping, as the topic's order per key says.
      await this.pool.query(
        `UPDATE ${this.table} SET wrapped_key = $2
          WHERE key_id = $1 AND destroyed_at IS NULL AND wrapped_key <> $2`,
        [record.keyId, Buffer.from(record.wrappedKey)],
      );
    }
    // New here: stored as received, without a change position (it is not this site's change).
    // A second key for a subject who has one here stays out: events sealed under it cannot be
    // read on this site, which only a promotion racing the keys topic can cause.
    await this.pool.query(
      `INSERT INTO ${this.table} (key_id, subject_id, wrapped_key, created_at, destroyed_at)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
      [
        record.keyId,
        record.subjectId,
        record.wrappedKey === null ? null : Buffer.from(record.wrappedKey),
        record.createdAt,
        record.destroyedAt,
      ],
    );
  }

  /** How far the keys topic `topic` has been written (0: nothing yet). */
  async relayPosition(topic: string): Promise<bigint> {
    const { rows } = await this.pool.query<{ position: string }>(
      `SELECT position FROM ${this.relayTable} WHERE topic = $1`,
      [topic],
    );
    return BigInt(rows[0]?.position ?? '0');
  }

  /** Records that the keys topic `topic` holds every change up to `position`. */
  async saveRelayPosition(topic: string, position: bigint): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.relayTable} (topic, position) VALUES ($1, $2)
       ON CONFLICT (topic) DO UPDATE SET position = GREATEST(${this.relayTable}.position, EXCLUDED.position)`,
      [topic, position.toString()],
    );
  }

  async awaitsRelay(topic: string, keyIds: readonly string[]): Promise<boolean> {
    const valid = [...new Set(keyIds)].filter((keyId) => UUID.test(keyId));
    if (valid.length === 0) return false;
    const { rows } = await this.pool.query<{ awaits: boolean }>(
      `SELECT EXISTS (
         SELECT 1 FROM ${this.table}
          WHERE key_id = ANY($2::uuid[])
            AND change_position > COALESCE(
                  (SELECT position FROM ${this.relayTable} WHERE topic = $1), 0)
       ) AS awaits`,
      [topic, valid],
    );
    return rows[0]?.awaits === true;
  }

  private async rowsOfSubjects(subjectIds: readonly string[]): Promise<KeyRow[]> {
    if (subjectIds.length === 0) return [];
    const { rows } = await this.pool.query<KeyRow>(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE subject_id = ANY($1::text[])`,
      [subjectIds],
    );
    return rows;
  }
}

function recordOf(row: KeyRow): KeyRecord {
  return {
    keyId: row.key_id,
    subjectId: row.subject_id,
    createdAt: row.created_at,
    wrappedKey: row.wrapped_key,
    destroyedAt: row.destroyed_at,
  };
}

/**
 * Destroys `subjectId`'s key in `schema`'s key table on `client`, in the caller's transaction (a
 * projection's batch): the same statement as {@link PostgresSubjectKeyStore.destroy}, for work
 * that has a client but no key-encryption key. Idempotent.
 */
export async function destroySubjectKeyIn(
  client: ClientBase,
  schema: string,
  subjectId: string,
  at: Date,
): Promise<void> {
  if (!SCHEMA_NAME.test(schema)) throw new TypeError(`invalid schema name "${schema}"`);
  await client.query(
    `UPDATE "${schema}".subject_keys
        SET wrapped_key = NULL, destroyed_at = $2,
            change_position = nextval('"${schema}".subject_key_changes')
      WHERE subject_id = $1 AND destroyed_at IS NULL`,
    [subjectId, at],
  );
}

/**
 * Erases `subjectId` in `schema`'s key table on `client`, in the caller's transaction: destroys
 * their key, or, when this service never sealed anything for them, records them as erased (a
 * destroyed key without material, relayed like any destruction) so that nothing is ever sealed
 * for them afterwards: `keysFor` then throws `SubjectErasedError`. Idempotent; the first
 * destruction's time stays.
 *
 * For services that learn of an erasure from another's log (the registry's `PersonErased`):
 * they may be told of a person before or without ever holding their data.
 */
export async function eraseSubjectIn(
  client: ClientBase,
  schema: string,
  subjectId: string,
  at: Date,
): Promise<void> {
  if (!SCHEMA_NAME.test(schema)) throw new TypeError(`invalid schema name "${schema}"`);
  await client.query(
    `INSERT INTO "${schema}".subject_keys
            (key_id, subject_id, wrapped_key, created_at, destroyed_at, change_position)
     VALUES ($1, $2, NULL, $3, $3, nextval('"${schema}".subject_key_changes'))
     ON CONFLICT (subject_id) DO UPDATE
        SET wrapped_key = NULL, destroyed_at = EXCLUDED.destroyed_at,
            change_position = EXCLUDED.change_position
      WHERE subject_keys.destroyed_at IS NULL`,
    [randomUUID(), subjectId, at],
  );
}

/** What {@link rewrapSubjectKeys} did. */
export interface Rewrapped {
  /** Live keys looked at. */
  readonly checked: number;
  /** Of them, re-wrapped under the current key-encryption key. */
  readonly rewrapped: number;
}

/** Live keys re-wrapped per transaction. */
const REWRAP_BATCH = 500;

/**
 * The second step of a key-encryption key rotation, run by a service's migrate step on each
 * site: every live key of `schema`'s key table that is wrapped under a previous key of `kek` is
 * re-wrapped under the current one, in batches, each row given a new change position so that
 * the keys topic carries it again under the current key (compaction then drops the records
 * wrapped under the previous one). Idempotent; rows already under the current key are left
 * alone. Destroyed keys hold no material and are not touched.
 *
 * @throws `SealedDataError` for a key wrapped under none of `kek`'s keys (nothing of its batch
 *   is written): the previous key must stay in the file until every site is re-wrapped.
 */
export async function rewrapSubjectKeys(
  pool: Pool,
  schema: string,
  kek: KeyEncryptionKey,
): Promise<Rewrapped> {
  if (!SCHEMA_NAME.test(schema)) throw new TypeError(`invalid schema name "${schema}"`);
  let checked = 0;
  let rewrapped = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<KeyRow>(
        `SELECT ${COLUMNS} FROM "${schema}".subject_keys
          WHERE wrapped_key IS NOT NULL AND key_id > $1
          ORDER BY key_id LIMIT $2 FOR UPDATE`,
        [after, REWRAP_BATCH],
      );
      for (const row of rows) {
        const wrapped = row.wrapped_key;
        if (wrapped === null) continue;
        const { dataKey, current } = kek.unwrapped(wrapped, row.key_id, row.subject_id);
        if (current) continue;
        // A key received from the other site keeps no change position here (it is not this
        // site's change): it gets none now either, the other site republishes its own.
        await client.query(
          `UPDATE "${schema}".subject_keys
              SET wrapped_key = $2,
                  change_position = CASE WHEN change_position IS NULL THEN NULL
                                         ELSE nextval('"${schema}".subject_key_changes') END
            WHERE key_id = $1`,
          [row.key_id, Buffer.from(kek.wrap(dataKey, row.key_id, row.subject_id))],
        );
        rewrapped += 1;
      }
      await client.query('COMMIT');
      checked += rows.length;
      const last = rows.at(-1);
      if (last === undefined || rows.length < REWRAP_BATCH) return { checked, rewrapped };
      after = last.key_id;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
