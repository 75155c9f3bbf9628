// The sequencer: gives committed events their dense global positions.
//
// Why after commit, and why only below the snapshot's xmin: a bigserial position taken at insert
// time becomes visible in commit order, not in number order, so a reader that read up to 42 can
// later see 41 appear and skip it forever. Here positions are handed out by one transaction at a
// time (the log_head row lock), in (transaction_id, seq) order, and only to events whose
// inserting transaction is older than every transaction still running (transaction_id <
// pg_snapshot_xmin(pg_current_snapshot())). Such transactions are finished: their events are all
// visible, and no event of them can turn up later. So a position, once assigned, never has an
// unpositioned event before it, positions are gapless, and a transaction's events stay together.
//
// Trade-off: the xmin horizon is cluster-wide. A long-running writing transaction anywhere on
// the server (another schema or database too) holds back positioning, hence relaying, until it
// ends; nothing is lost or reordered, only delayed. Keep write transactions short.
import type { ClientBase } from 'pg';

/** What one sequencer run did. */
export interface SequencerRun {
  /** How many events received a position. */
  readonly assigned: number;
  /** The highest position assigned so far (the log head) after the run. */
  readonly head: bigint;
}

/** SQL of the sequencer for one schema (quoted). */
export function sequencerSql(schema: string): { run: (limit: number) => string; pending: string } {
  return {
    // One round trip, four statements in one transaction (the simple query protocol: no
    // parameters, so the limit is written in; it is an integer this module checked). Each
    // statement takes its own snapshot (READ COMMITTED), so the assigning statement's snapshot
    // is taken after the lock is granted: it sees every position the previous holder assigned,
    // and numbers the batch after the head it reads itself.
    run: (limit) => `
      BEGIN;
      SELECT position FROM ${schema}.log_head FOR UPDATE;
      WITH batch AS (
        SELECT seq, transaction_id FROM ${schema}.events
        WHERE global_position IS NULL
          AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY transaction_id, seq
        LIMIT ${limit}
      ), numbered AS (
        SELECT seq, (SELECT position FROM ${schema}.log_head)
                    + row_number() OVER (ORDER BY transaction_id, seq) AS position
        FROM batch
      ), positioned AS (
        UPDATE ${schema}.events e SET global_position = numbered.position
        FROM numbered WHERE e.seq = numbered.seq
        RETURNING numbered.position
      )
      UPDATE ${schema}.log_head SET position = (SELECT max(position) FROM positioned)
      WHERE EXISTS (SELECT 1 FROM positioned)
      RETURNING position;
      COMMIT`,
    // Read-only, needs no transaction id: lets an idle poll skip the locking transaction.
    pending: `
      SELECT (SELECT position FROM ${schema}.log_head) AS head,
             EXISTS (SELECT 1 FROM ${schema}.events
                     WHERE global_position IS NULL
                       AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())) AS pending`,
  };
}

/** Options of {@link runSequencer}. */
export interface SequencerOptions {
  /**
   * The caller knows that events are waiting (an append in this process woke it): skip the
   * read-only check that lets an idle poll avoid the locking transaction (one round trip less).
   */
  readonly pending?: boolean;
}

/**
 * Runs the sequencer once on `client` (which must not be in a transaction): positions up to
 * `limit` events of finished transactions. Safe to run concurrently from several sessions; they
 * take turns on the log head's row lock.
 */
export async function runSequencer(
  client: ClientBase,
  schema: string,
  limit: number,
  options: SequencerOptions = {},
): Promise<SequencerRun> {
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new RangeError(`the sequencer's limit must be a positive integer, got ${limit}`);
  }
  const sql = sequencerSql(schema);
  if (options.pending !== true) {
    const check = await client.query<{ head: string; pending: boolean }>(sql.pending);
    const before = check.rows[0];
    if (!before) {
      throw new Error(`log_head of ${schema} is empty: the migration's row is missing`);
    }
    if (!before.pending) {
      return { assigned: 0, head: BigInt(before.head) };
    }
  }
  let results: { rows: { position?: string }[] }[];
  try {
    // A multi-statement query answers with one result per statement.
    results = (await client.query(sql.run(limit))) as unknown as typeof results;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  const locked = results[1]?.rows[0]?.position;
  if (locked === undefined) {
    throw new Error(`log_head of ${schema} is empty: the migration's row is missing`);
  }
  const head = BigInt(locked);
  const moved = results[2]?.rows[0]?.position;
  const newHead = moved === undefined ? head : BigInt(moved);
  return { assigned: Number(newHead - head), head: newHead };
}
