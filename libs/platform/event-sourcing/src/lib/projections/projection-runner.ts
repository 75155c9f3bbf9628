import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import type { Pool, PoolClient } from 'pg';

import type { EventStore, PositionedEvent } from '../event-store/event-store';

/**
 * A read model built from the service's own event log. `apply` must be deterministic and
 * depend only on the events (and the projection's own tables), so that dropping the tables and
 * replaying from position 1 gives the same rows.
 */
export interface Projection {
  /** Checkpoint key, e.g. `registry.corrections-by-requester`. */
  readonly name: string;
  /** Tables (schema-qualified) this projection owns and empties on {@link ProjectionRunner.rebuild}. */
  readonly tables: readonly string[];
  /** Applies one event inside the batch's transaction. Ignore event types you do not need. */
  apply(client: PoolClient, event: PositionedEvent): Promise<void>;
}

/** A digest of a projection's rows, at the projection's checkpoint. */
export interface ProjectionDigest {
  /** The projection's name (its checkpoint key). */
  readonly name: string;
  /** The checkpoint the rows were read at: the log up to here is applied. */
  readonly position: bigint;
  /** `sha256:` and 64 hex digits. */
  readonly digest: string;
  /** Rows covered, over all the projection's tables. */
  readonly rows: number;
}

/** Options of a {@link ProjectionRunner}. */
export interface ProjectionRunnerOptions {
  readonly pool: Pool;
  /**
   * The event store's schema: its `projection_checkpoints` (created by the store's migrations)
   * is the one home of every projection's checkpoint.
   */
  readonly schema: string;
  /** Where events come from; `sequence`, when given, positions committed events first. */
  readonly store: Pick<EventStore, 'readAll'> & { sequence?: () => Promise<unknown> };
  readonly projection: Projection;
  /** Events per transaction (default 500). */
  readonly batchSize?: number;
  /** Pause between polls when the projection has caught up (default 50 ms). */
  readonly idleMs?: number;
  /** Told about a failed batch in the background loop (which retries after `idleMs`). */
  readonly onError?: (error: unknown) => void;
}

/**
 * Keeps one projection up to date: reads the log after the projection's checkpoint and applies
 * each batch in one transaction together with the new checkpoint, so a crash repeats nothing
 * and skips nothing. The checkpoint row is locked for the batch, so two runners of the same
 * projection (two replicas of a service) never apply the same batch.
 */
export class ProjectionRunner {
  private readonly batchSize: number;
  private readonly checkpoints: string;
  private running: Promise<void> | undefined;
  private stopping = false;

  constructor(private readonly options: ProjectionRunnerOptions) {
    if (!/^[a-z_][a-z0-9_]*$/.test(options.schema)) {
      throw new Error(`schema must be a plain lower-case identifier, got "${options.schema}"`);
    }
    this.batchSize = options.batchSize ?? 500;
    this.checkpoints = `${options.schema}.projection_checkpoints`;
  }

  /** The position of the last applied event (0 before the first). */
  async position(): Promise<bigint> {
    const { rows } = await this.options.pool.query<{ position: string }>(
      `SELECT position FROM ${this.checkpoints} WHERE name = $1`,
      [this.options.projection.name],
    );
    return BigInt(rows[0]?.position ?? 0);
  }

  /** Applies every event the log holds now; resolves with the number applied. */
  async catchUp(): Promise<number> {
    await this.options.store.sequence?.();
    let applied = 0;
    for (;;) {
      const count = await this.step();
      applied += count;
      if (count < this.batchSize) return applied;
    }
  }

  /**
   * Drops the projection's rows and its checkpoint in one transaction, then replays the whole
   * log. Readers see either the old rows or an empty model being refilled, never a mix.
   */
  async rebuild(): Promise<number> {
    await this.inTransaction(async (client) => {
      await this.lockCheckpoint(client);
      for (const table of this.options.projection.tables) {
        await client.query(`TRUNCATE ${table}`);
      }
      await client.query(
        `UPDATE ${this.checkpoints} SET position = 0, updated_at = now() WHERE name = $1`,
        [this.options.projection.name],
      );
    });
    return this.catchUp();
  }

  /** Keeps catching up in the background until {@link stop}. */
  start(): void {
    if (this.running) return;
    this.stopping = false;
    this.running = (async () => {
      while (!this.stopping) {
        const applied = await this.catchUp().catch((error: unknown) => {
          this.options.onError?.(error);
          return 0;
        });
        if (applied === 0) await sleep(this.options.idleMs ?? 50);
      }
    })();
  }

  /**
   * The digest of the projection's rows and the checkpoint they are at, read in one snapshot
   * (`REPEATABLE READ`): a batch and its checkpoint commit together, so the rows are exactly
   * those of the log up to `position`, as long as nothing but this runner writes the tables.
   *
   *     SHA-256( for each table, in `tables` order:
   *                len || table name,
   *                for each row in primary-key order: len || row_to_json(row) as text;
   *              then the row count (8 bytes) )
   *
   * where `len` is a 4-byte big-endian byte length. Rows are rendered by PostgreSQL in UTC
   * (`TimeZone` is set for the transaction), so two sites with the same migrations and the same
   * rows give the same digest whatever their settings. Every table needs a primary key.
   */
  async digest(): Promise<ProjectionDigest> {
    const client = await this.options.pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await client.query(`SET LOCAL TimeZone = 'UTC'`);
      const checkpoint = await client.query<{ position: string }>(
        `SELECT position FROM ${this.checkpoints} WHERE name = $1`,
        [this.options.projection.name],
      );
      const hash = createHash('sha256');
      let rows = 0;
      for (const table of this.options.projection.tables) {
        update(hash, table);
        const key = await primaryKey(client, table);
        await client.query(
          `DECLARE projection_digest NO SCROLL CURSOR FOR
             SELECT row_to_json(t)::text AS row FROM ${table} t ORDER BY ${key}`,
        );
        for (;;) {
          const page = await client.query<{ row: string }>(
            `FETCH ${DIGEST_PAGE} FROM projection_digest`,
          );
          for (const { row } of page.rows) update(hash, row);
          rows += page.rows.length;
          if (page.rows.length < DIGEST_PAGE) break;
        }
        await client.query('CLOSE projection_digest');
      }
      const count = Buffer.alloc(8);
      count.writeBigUInt64BE(BigInt(rows), 0);
      hash.update(count);
      await client.query('COMMIT');
      return {
        name: this.options.projection.name,
        position: BigInt(checkpoint.rows[0]?.position ?? 0),
        digest: `sha256:${hash.digest('hex')}`,
        rows,
      };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** Stops after the batch in progress. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
    this.running = undefined;
  }

  /**
   * Applies the next batch of the log (at most `batchSize` events) with its checkpoint, in one
   * transaction; resolves with the number applied (0: up to date). For callers with a loop of
   * their own.
   */
  step(): Promise<number> {
    return this.inTransaction(async (client) => {
      const from = (await this.lockCheckpoint(client)) + 1n;
      const events = await this.options.store.readAll(from, this.batchSize);
      for (const event of events) {
        await this.options.projection.apply(client, event);
      }
      const last = events.at(-1);
      if (last) {
        await client.query(
          `UPDATE ${this.checkpoints} SET position = $2, updated_at = now() WHERE name = $1`,
          [this.options.projection.name, last.globalPosition.toString()],
        );
      }
      return events.length;
    });
  }

  /**
   * Locks the checkpoint row for this transaction, creating it the first time (one statement
   * per batch once the row exists).
   */
  private async lockCheckpoint(client: PoolClient): Promise<bigint> {
    const lock = (): Promise<{ rows: { position: string }[] }> =>
      client.query<{ position: string }>(
        `SELECT position FROM ${this.checkpoints} WHERE name = $1 FOR UPDATE`,
        [this.options.projection.name],
      );
    let { rows } = await lock();
    if (rows.length === 0) {
      await client.query(
        `INSERT INTO ${this.checkpoints} (name, position, updated_at) VALUES ($1, 0, now()) ON CONFLICT (name) DO NOTHING`,
        [this.options.projection.name],
      );
      ({ rows } = await lock());
    }
    return BigInt(rows[0]?.position ?? 0);
  }

  private async inTransaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.options.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

/** Rows fetched per round trip while digesting. */
const DIGEST_PAGE = 5_000;

function update(hash: ReturnType<typeof createHash>, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length, 0);
  hash.update(length).update(bytes);
}

/** The primary key columns of `table`, quoted and in key order, as an ORDER BY list. */
async function primaryKey(client: PoolClient, table: string): Promise<string> {
  const { rows } = await client.query<{ column: string }>(
    `SELECT quote_ident(a.attname) AS column
     FROM pg_index i
     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
     WHERE i.indrelid = $1::regclass AND i.indisprimary
     ORDER BY array_position(i.indkey::int2[], a.attnum)`,
    [table],
  );
  if (rows.length === 0) {
    throw new Error(`table ${table} has no primary key: its rows have no order to digest in`);
  }
  return rows.map((row) => row.column).join(', ');
}
