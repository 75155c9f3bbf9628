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
export function sequencerSql(schema: string): { lock: string; assign: string; pending: string } {
  return {
    lock: `SELECT position FROM ${schema}.log_head FOR UPDATE`,
    // One statement: pick the batch, number it after the head, update the events, move the head.
    assign: `
      WITH batch AS (
        SELECT seq, transaction_id FROM ${schema}.events
        WHERE global_position IS NULL
          AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY transaction_id, seq
        LIMIT $2
      ), numbered AS (
        SELECT seq, $1::bigint + row_number() OVER (ORDER BY transaction_id, seq) AS position
        FROM batch
      ), positioned AS (
        UPDATE ${schema}.events e SET global_position = numbered.position
        FROM numbered WHERE e.seq = numbered.seq
        RETURNING numbered.position
      )
      UPDATE ${schema}.log_head SET position = (SELECT max(position) FROM positioned)
      WHERE EXISTS (SELECT 1 FROM positioned)
      RETURNING position`,
    // Read-only, needs no transaction id: lets an idle poll skip the locking transaction.
    pending: `
      SELECT (SELECT position FROM ${schema}.log_head) AS head,
             EXISTS (SELECT 1 FROM ${schema}.events
                     WHERE global_position IS NULL
                       AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())) AS pending`,
  };
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
): Promise<SequencerRun> {
  const sql = sequencerSql(schema);
  const check = await client.query<{ head: string; pending: boolean }>(sql.pending);
  const before = check.rows[0];
  if (!before) {
    throw new Error(`log_head of ${schema} is empty: the migration's row is missing`);
  }
  if (!before.pending) {
    return { assigned: 0, head: BigInt(before.head) };
  }
  await client.query('BEGIN');
  try {
    // A statement of its own: the next statement's snapshot is taken after the lock is granted,
    // so it sees every position the previous holder assigned.
    const locked = await client.query<{ position: string }>(sql.lock);
    const head = BigInt(locked.rows[0]?.position ?? '0');
    const moved = await client.query<{ position: string }>(sql.assign, [head.toString(), limit]);
    await client.query('COMMIT');
    const newHead = moved.rows[0] ? BigInt(moved.rows[0].position) : head;
    return { assigned: Number(newHead - head), head: newHead };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
