import { performance } from 'node:perf_hooks';

import type { Pool, PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

import {
  COPY_COLUMNS,
  encodeCopyRows,
  migrate,
  toRecordedEvent,
} from '@gov/platform-event-sourcing';
import type { EventColumns, PositionedEvent } from '@gov/platform-event-sourcing';

import { cpuMsPerOperation } from './cpu';
import type { CpuSample } from './cpu';

/** A row of `events` as a replica stores it: every column it writes, as `pg` reads them. */
type IngestRow = EventColumns & { global_position: string };

/** The replica's columns, in the order its binary COPY writes them (the library's list). */
const COLUMNS: readonly (keyof IngestRow)[] = COPY_COLUMNS;

const TYPES = [
  'uuid',
  'text',
  'bigint',
  'text',
  'integer',
  'bytea',
  'timestamptz',
  'timestamptz',
  'text',
  'text',
  'text',
  'text',
  'bytea',
  'bytea',
  'text',
  'text',
  'text',
  'text',
  'text',
  'bigint',
] as const;

/** How the raw baseline writes the rows. */
export type IngestMethod = 'copy-binary' | 'copy-text' | 'insert-values' | 'insert-unnest';

export const INGEST_METHODS: readonly IngestMethod[] = [
  'copy-binary',
  'copy-text',
  'insert-values',
  'insert-unnest',
];

/** One measured way of writing the rows. */
export interface IngestRun {
  readonly method: IngestMethod;
  /** Sessions writing side by side, each taking the next transaction's rows from one queue. */
  readonly sessions: number;
  /** Rows per transaction. */
  readonly batch: number;
  /** Rows per statement (the whole batch for COPY). */
  readonly chunk: number;
  readonly rowsPerSecond: number;
  /** CPU microseconds per row over the timed part, by process (`driver`: the bench). */
  readonly cpuMicrosPerRow: Readonly<Record<string, number>>;
}

/** PostgreSQL's limit of bind parameters per statement. */
const MAX_PARAMETERS = 65_535;
/** Rows per `INSERT ... SELECT FROM unnest(...)`: the chunk the replica applier used for it. */
export const UNNEST_CHUNK = 5_000;

/**
 * The raw ingest ceiling of a replica's rows: the very rows a replica stores (every column,
 * `global_position` included, read back from the primary's log), written into an empty `events`
 * table of the same layout (a scratch schema made by the store's own `migrate`) with nothing
 * else: no decoding, no hash checks, no head, no Kafka. Each run writes every row once, in
 * transactions of `batch` rows, and is timed from the first `BEGIN` to the last `COMMIT`.
 */
export class RawIngest {
  private runs = 0;

  private constructor(
    private readonly pool: Pool,
    private readonly rows: readonly IngestRow[],
  ) {}

  /** Reads the rows of `sourceSchema`.events, in log order. */
  static async load(pool: Pool, sourceSchema: string): Promise<RawIngest> {
    const { rows } = await pool.query<IngestRow>(
      `SELECT ${COLUMNS.join(', ')} FROM "${sourceSchema}".events
       WHERE global_position IS NOT NULL ORDER BY global_position`,
    );
    return new RawIngest(pool, rows);
  }

  get size(): number {
    return this.rows.length;
  }

  /** Writes every row with `method` into a fresh scratch schema, dropped afterwards. */
  async run(
    method: IngestMethod,
    batch: number,
    sessions: number,
    sampleCpu: () => CpuSample,
  ): Promise<IngestRun> {
    this.runs += 1;
    const schema = `ceiling_${String(this.runs)}`;
    await migrate(this.pool, { schema });
    const table = `"${schema}".events`;
    const chunk =
      method === 'insert-values'
        ? Math.min(batch, Math.floor(MAX_PARAMETERS / COLUMNS.length))
        : method === 'insert-unnest'
          ? Math.min(batch, UNNEST_CHUNK)
          : batch;
    const batches: (readonly IngestRow[])[] = [];
    for (let i = 0; i < this.rows.length; i += batch) {
      batches.push(this.rows.slice(i, i + batch));
    }
    // Statements are built before the clock starts: the ceiling is the server's, not the
    // bench's string building. (The replica builds its own inside its measured time.)
    const prepared = batches.map((rows) => prepare(method, table, rows, chunk));
    const clients: PoolClient[] = await Promise.all(
      Array.from({ length: sessions }, () => this.pool.connect()),
    );
    try {
      let next = 0;
      const cpuBefore = sampleCpu();
      const started = performance.now();
      await Promise.all(
        clients.map(async (client) => {
          for (let i = next++; i < prepared.length; i = next++) {
            await client.query('BEGIN');
            for (const statement of prepared[i] ?? []) await statement(client);
            await client.query('COMMIT');
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      const cpu = cpuMsPerOperation(cpuBefore, sampleCpu(), this.rows.length);
      const { rows } = await this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
      if (Number(rows[0]?.n) !== this.rows.length) {
        throw new Error(`${method}: ${rows[0]?.n ?? '?'} rows stored of ${this.rows.length}`);
      }
      return {
        method,
        sessions,
        batch,
        chunk,
        rowsPerSecond: Math.round(this.rows.length / seconds),
        cpuMicrosPerRow: Object.fromEntries(
          Object.entries(cpu).map(([name, ms]) => [name, Math.round(ms * 10_000) / 10]),
        ),
      };
    } finally {
      for (const client of clients) client.release();
      await this.pool.query(`DROP SCHEMA "${schema}" CASCADE`);
    }
  }
}

type Statement = (client: PoolClient) => Promise<unknown>;

function prepare(
  method: IngestMethod,
  table: string,
  rows: readonly IngestRow[],
  chunk: number,
): Statement[] {
  switch (method) {
    case 'copy-binary': {
      const data = copyBinary(rows);
      return [
        (client) =>
          copy(client, `COPY ${table} (${COLUMNS.join(', ')}) FROM STDIN (FORMAT binary)`, data),
      ];
    }
    case 'copy-text': {
      const data = Buffer.from(rows.map(copyTextLine).join(''), 'utf8');
      return [(client) => copy(client, `COPY ${table} (${COLUMNS.join(', ')}) FROM STDIN`, data)];
    }
    case 'insert-values':
      return chunks(rows, chunk).map((part) => {
        const values: unknown[] = [];
        const tuples = part.map((row) => {
          const start = values.length;
          values.push(...COLUMNS.map((column) => row[column]));
          return `(${COLUMNS.map((_, i) => `$${String(start + i + 1)}`).join(', ')})`;
        });
        const text = `INSERT INTO ${table} (${COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`;
        return (client) => client.query(text, values);
      });
    case 'insert-unnest':
      return chunks(rows, chunk).map((part) => {
        const text = `INSERT INTO ${table} (${COLUMNS.join(', ')}) SELECT * FROM unnest(${TYPES.map((type, i) => `$${String(i + 1)}::${type}[]`).join(', ')})`;
        const values = COLUMNS.map((column) =>
          part.map((row) =>
            row[column] instanceof Date ? row[column].toISOString() : row[column],
          ),
        );
        return (client) => client.query(text, values);
      });
    default: {
      const unknown: never = method;
      throw new Error(`unknown method ${String(unknown)}`);
    }
  }
}

function chunks<T>(items: readonly T[], size: number): (readonly T[])[] {
  const out: (readonly T[])[] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function copy(client: PoolClient, sql: string, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = client.query(copyFrom(sql));
    stream.on('error', reject);
    stream.on('finish', resolve);
    stream.end(data);
  });
}

/**
 * The rows in binary COPY format, encoded by the replica's own encoder (outside the timed part:
 * the ceiling measures what the server takes, as for the other methods).
 */
function copyBinary(rows: readonly IngestRow[]): Buffer {
  return encodeCopyRows(rows.map(toEvent));
}

/** A stored row as the event the replica would have decoded from its envelope. */
function toEvent(row: IngestRow): PositionedEvent {
  return toRecordedEvent(row) as PositionedEvent;
}

/** A row in COPY's text format: tab-separated, `\N` for NULL, bytea as `\\x` hex. */
function copyTextLine(row: IngestRow): string {
  return `${COLUMNS.map((column) => {
    const value = row[column];
    if (value === null) return '\\N';
    if (value instanceof Date) return value.toISOString();
    if (Buffer.isBuffer(value)) return `\\\\x${value.toString('hex')}`;
    return String(value).replace(
      /[\\\t\n\r]/g,
      (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c] ?? c,
    );
  }).join('\t')}\n`;
}
