// Loads a synthetic log into an event store's `events` table with COPY ... FROM STDIN (text
// format): rows generated in this process and streamed, already positioned, as the log of a
// store that lived long.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import type { Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

import type { HistoryRow } from './synthetic-register';

/** The columns COPY fills; the others keep their defaults (`seq`, `transaction_id`) or NULL. */
export const COPY_COLUMNS = [
  'event_id',
  'stream_id',
  'stream_version',
  'event_type',
  'payload_schema_version',
  'payload',
  'occurred_at',
  'recorded_at',
  'correlation_id',
  'content_hash',
  'previous_hash',
  'producer',
  'actor_kind',
  'actor_id',
  'actor_organisation_id',
  'global_position',
] as const;

/** What every loaded row shares. */
export interface CopyMetadata {
  readonly producer: string;
  readonly actor: { readonly kind: string; readonly id: string; readonly organisationId: string };
}

/** Rows per COPY statement (one transaction each): bounds what a failure loses. */
const ROWS_PER_COPY = 1_000_000;
/** Lines per chunk handed to the stream. */
const LINES_PER_CHUNK = 500;

/** One line of COPY's text format (tab-separated, `\N` for NULL, bytea as escaped hex). */
export function copyLine(row: HistoryRow, meta: CopyMetadata): string {
  return `${[
    row.eventId,
    text(row.streamId),
    String(row.streamVersion),
    text(row.event.eventType),
    String(row.event.payloadSchemaVersion),
    bytea(row.event.payload),
    row.event.occurredAt.toISOString(),
    row.recordedAt.toISOString(),
    text(row.correlationId),
    bytea(row.contentHash),
    row.previousHash === null ? '\\N' : bytea(row.previousHash),
    text(meta.producer),
    text(meta.actor.kind),
    text(meta.actor.id),
    text(meta.actor.organisationId),
    String(row.globalPosition),
  ].join('\t')}\n`;
}

/** What a load did. */
export interface LoadResult {
  readonly rows: number;
  readonly seconds: number;
  /** The log head after the load (the highest position loaded). */
  readonly head: number;
}

/**
 * COPYs `rows` (in position order, positions from 1) into `schema`.events and moves the log
 * head to the last position: the store continues after them as after its own history.
 * `progress` is called after each COPY statement.
 */
export async function copyLoad(
  pool: Pool,
  schema: string,
  rows: Iterable<HistoryRow>,
  meta: CopyMetadata,
  progress: (loaded: number) => void = () => undefined,
): Promise<LoadResult> {
  const started = performance.now();
  const iterator = rows[Symbol.iterator]();
  let loaded = 0;
  let head = 0;
  const state = { done: false };
  const sql = `COPY "${schema}".events (${COPY_COLUMNS.join(', ')}) FROM STDIN`;
  while (!state.done) {
    const client = await pool.connect();
    try {
      let inStatement = 0;
      const chunks = function* (): Generator<string> {
        while (inStatement < ROWS_PER_COPY) {
          let chunk = '';
          for (let k = 0; k < LINES_PER_CHUNK && inStatement < ROWS_PER_COPY; k += 1) {
            const next = iterator.next();
            if (next.done === true) {
              state.done = true;
              break;
            }
            chunk += copyLine(next.value, meta);
            head = next.value.globalPosition;
            inStatement += 1;
          }
          if (chunk.length > 0) yield chunk;
          if (state.done) return;
        }
      };
      await pipeline(Readable.from(chunks()), client.query(copyFrom(sql)));
      loaded += inStatement;
    } finally {
      client.release();
    }
    progress(loaded);
  }
  await pool.query(`UPDATE "${schema}".log_head SET position = $1`, [head]);
  return { rows: loaded, seconds: (performance.now() - started) / 1000, head };
}

/** A text value escaped for COPY's text format. */
function text(value: string): string {
  return /[\\\t\n\r]/.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c] ?? c) : value;
}

const ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
};

/** A bytea in hex form, its backslash escaped for the text format. */
function bytea(value: Uint8Array): string {
  return `\\\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
}
