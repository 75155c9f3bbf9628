import type { Pool } from 'pg';

import { computeContentHash, migrate, newEventId } from '@gov/platform-event-sourcing';

/** A row of the registry's `events` table, as the baseline copies it (minus its identity). */
interface SampleRow {
  event_type: string;
  payload_schema_version: number;
  payload: Buffer;
  correlation_id: string;
  causation_id: string | null;
  traceparent: string | null;
  tracestate: string | null;
  data_subject_key_id: string | null;
  producer: string;
  actor_kind: string | null;
  actor_id: string | null;
  actor_organisation_id: string | null;
}

/** What the baseline writes, compared with what the registry wrote. */
export interface RawShape {
  readonly sampledRows: number;
  readonly meanPayloadBytes: number;
}

/**
 * The raw baseline: plain INSERTs of the registry's own events into a scratch copy of its
 * event table, one event per transaction (autocommit), on a `pg` pool.
 *
 * The scratch schema is created by the event store's own migrations, so the table has exactly
 * the registry's columns, defaults, constraints and indexes. Each row copies a row the registry
 * wrote during the same run (payload bytes, metadata, actor), with a fresh event id, a stream of
 * its own at version 1, and its content hash computed in the client as the registry does. What
 * the baseline leaves out is precisely the command path's own work: HTTP, authentication,
 * idempotency keys, number allocation, the decider, the guarded append, sequencing and relay.
 */
export class RawInserts {
  private constructor(
    private readonly pool: Pool,
    private readonly table: string,
    private readonly samples: readonly SampleRow[],
  ) {}

  /**
   * Creates the scratch schema `scratchSchema` and samples up to 1 000 of the latest rows of
   * `sourceSchema`.events (the registry's).
   */
  static async prepare(
    pool: Pool,
    sourceSchema: string,
    scratchSchema: string,
  ): Promise<RawInserts> {
    await migrate(pool, { schema: scratchSchema });
    const { rows } = await pool.query<SampleRow>(
      `SELECT event_type, payload_schema_version, payload, correlation_id, causation_id,
              traceparent, tracestate, data_subject_key_id, producer, actor_kind, actor_id,
              actor_organisation_id
       FROM "${sourceSchema}".events ORDER BY seq DESC LIMIT 1000`,
    );
    if (rows.length === 0) throw new Error(`no events in ${sourceSchema}.events to copy`);
    return new RawInserts(pool, `"${scratchSchema}".events`, rows);
  }

  /** The shape of the rows the baseline copies. */
  shape(): RawShape {
    const bytes = this.samples.reduce((sum, row) => sum + row.payload.length, 0);
    return { sampledRows: this.samples.length, meanPayloadBytes: bytes / this.samples.length };
  }

  /** Inserts event number `index` in a transaction of its own (a statement prepared once). */
  readonly insert = async (index: number): Promise<void> => {
    await this.pool.query({
      name: 'bench_raw_insert',
      text: `INSERT INTO ${this.table} (${RAW_COLUMNS}) VALUES ${rowPlaceholders(0)}`,
      values: this.rowValues(index),
    });
  };

  /**
   * Inserts `size` events (numbers `index * size` on) in one multi-row INSERT, one transaction:
   * the baseline of a bulk command that writes `size` events at once.
   */
  batch(size: number): (index: number) => Promise<void> {
    if (size === 1) return this.insert;
    return async (index) => {
      const values: unknown[] = [];
      const rows: string[] = [];
      for (let k = 0; k < size; k += 1) {
        rows.push(rowPlaceholders(values.length));
        values.push(...this.rowValues(index * size + k));
      }
      await this.pool.query(
        `INSERT INTO ${this.table} (${RAW_COLUMNS}) VALUES ${rows.join(', ')}`,
        values,
      );
    };
  }

  /**
   * The parameters of event number `n`: a copy of a sampled row with a fresh event id, a
   * 13-digit stream id like a national identification number (one stream per event, version 1)
   * and its content hash computed in the client, as the registry does.
   */
  private rowValues(n: number): unknown[] {
    const row = this.samples[n % this.samples.length];
    if (row === undefined) throw new RangeError('no sample rows');
    const streamId = String(9_000_000_000_000 + n);
    return [
      newEventId(),
      streamId,
      row.event_type,
      row.payload_schema_version,
      row.payload,
      new Date(),
      row.correlation_id,
      row.causation_id,
      row.traceparent,
      row.tracestate,
      computeContentHash(streamId, 1, row.event_type, row.payload),
      row.data_subject_key_id,
      row.producer,
      row.actor_kind,
      row.actor_id,
      row.actor_organisation_id,
    ];
  }
}

const RAW_COLUMNS = `event_id, stream_id, stream_version, event_type, payload_schema_version,
  payload, occurred_at, correlation_id, causation_id, traceparent, tracestate, content_hash,
  previous_hash, data_subject_key_id, producer, actor_kind, actor_id, actor_organisation_id`;

/** `($1, $2, 1, ...)` for the row whose 16 parameters start after `offset` parameters. */
function rowPlaceholders(offset: number): string {
  const p = (i: number) => `$${offset + i}`;
  return `(${p(1)}, ${p(2)}, 1, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, ${p(7)}, ${p(8)}, ${p(9)}, ${p(10)}, ${p(11)}, NULL, ${p(12)}, ${p(13)}, ${p(14)}, ${p(15)}, ${p(16)})`;
}
