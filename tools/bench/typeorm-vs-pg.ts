// TypeORM against hand-written pg, per statement, on one throw-away durable PostgreSQL: the
// figures behind docs/adr/0007-typeorm-for-own-tables.md.
//
//   npx nx run tools:bench-typeorm -- --seconds 5
//
// (a) an event append: the event store's `append` (pg), the same row as one prepared pg INSERT,
//     and the same row through TypeORM (an entity of the events table, query-builder insert);
// (b) a read-model upsert (a correction request, ON CONFLICT DO NOTHING) into a table shaped
//     like the registry's corrections: TypeORM's query builder as `PgCorrectionsReadModel`
//     writes it, and the same statement on pg.
//
// Each side runs closed-loop at concurrency 1 (per-statement cost, not throughput under load),
// one transaction per statement, one after the other on the same pool. Flags:
//   --seconds 5   measured seconds per side
//   --warmup 1    warm-up seconds per side (not measured)
// Not a test: prints figures, ratios and one JSON line.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { Pool } from 'pg';
import { EntitySchema } from 'typeorm';

import {
  PostgresEventStore,
  computeContentHash,
  migrate,
  newEventId,
} from '@gov/platform-event-sourcing';
import { freePort, startPostgres } from '@gov/platform-infra';
import { createOwnDataSource } from '@gov/platform-service';

import { Counter, closedLoop } from './lib/load';
import { round } from './lib/stats';
import type { RunSummary } from './lib/stats';

interface EventRow {
  seq?: string;
  eventId: string;
  streamId: string;
  streamVersion: number;
  eventType: string;
  payloadSchemaVersion: number;
  payload: Buffer;
  occurredAt: Date;
  correlationId: string;
  contentHash: Buffer;
  producer: string;
}

// The events table as a TypeORM entity, for this comparison only: the event store never maps it.
// eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- TypeORM types its plain options object as a class; a literal is its documented use.
const EventEntity = new EntitySchema<EventRow>({
  name: 'BenchEvent',
  tableName: 'events',
  columns: {
    seq: { type: 'bigint', primary: true, generated: 'increment' },
    eventId: { name: 'event_id', type: 'uuid' },
    streamId: { name: 'stream_id', type: 'text' },
    streamVersion: { name: 'stream_version', type: 'bigint' },
    eventType: { name: 'event_type', type: 'text' },
    payloadSchemaVersion: { name: 'payload_schema_version', type: 'integer' },
    payload: { type: 'bytea' },
    occurredAt: { name: 'occurred_at', type: 'timestamptz' },
    correlationId: { name: 'correlation_id', type: 'text' },
    contentHash: { name: 'content_hash', type: 'bytea' },
    producer: { type: 'text' },
  },
});

interface CorrectionRow {
  correctionId: string;
  register: string;
  recordId: string;
  field: string;
  requester: string;
  status: string;
  requestedAt: Date;
  decidedAt: Date | null;
  decidedBy: string | null;
  reason: string | null;
  appliedToRecord: boolean;
  version: number;
}

// A read model shaped like the registry's corrections (tools may not import a service's
// libraries): the same columns, indexes and entity mapping as its `CorrectionEntity`.
// eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- TypeORM types its plain options object as a class; a literal is its documented use.
const CorrectionEntity = new EntitySchema<CorrectionRow>({
  name: 'BenchCorrection',
  tableName: 'corrections',
  columns: {
    correctionId: { name: 'correction_id', type: 'uuid', primary: true },
    register: { type: 'text' },
    recordId: { name: 'record_id', type: 'text' },
    field: { type: 'text' },
    requester: { type: 'text' },
    status: { type: 'text' },
    requestedAt: { name: 'requested_at', type: 'timestamptz' },
    decidedAt: { name: 'decided_at', type: 'timestamptz', nullable: true },
    decidedBy: { name: 'decided_by', type: 'text', nullable: true },
    reason: { type: 'text', nullable: true },
    appliedToRecord: { name: 'applied_to_record', type: 'boolean', default: false },
    version: { type: 'bigint' },
  },
});

const CORRECTIONS_DDL = `
CREATE TABLE corrections (
  correction_id    uuid        PRIMARY KEY,
  register         text        NOT NULL,
  record_id        text        NOT NULL,
  field            text        NOT NULL,
  requester        text        NOT NULL,
  status           text        NOT NULL CHECK (status IN ('REQUESTED', 'ACCEPTED', 'REJECTED')),
  requested_at     timestamptz NOT NULL,
  decided_at       timestamptz,
  decided_by       text,
  reason           text,
  applied_to_record boolean    NOT NULL DEFAULT false,
  version          bigint      NOT NULL CHECK (version >= 1)
);
CREATE INDEX corrections_requester_idx ON corrections (requester, requested_at DESC);
CREATE INDEX corrections_register_idx ON corrections (register, status, requested_at DESC);
CREATE INDEX corrections_pending_idx ON corrections (decided_at, correction_id)
  WHERE status = 'ACCEPTED' AND NOT applied_to_record;
`;

const EVENT_STORE_SCHEMA = 'bench';
const APPLICATION_SCHEMA = 'bench_app';
const EVENT_TYPE = 'gov.registry.v1.PersonRegistered';
const PAYLOAD = Buffer.alloc(300, 7);

function options(): { seconds: number; warmup: number } {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '1' },
    },
  });
  const seconds = Number(values.seconds);
  const warmup = Number(values.warmup);
  if (!(seconds > 0) || !(warmup >= 0)) {
    throw new Error('--seconds must be positive and --warmup not negative');
  }
  return { seconds, warmup };
}

function eventRow(streamId: string): EventRow {
  return {
    eventId: newEventId(),
    streamId,
    streamVersion: 1,
    eventType: EVENT_TYPE,
    payloadSchemaVersion: 1,
    payload: PAYLOAD,
    occurredAt: new Date(),
    correlationId: randomUUID(),
    contentHash: Buffer.from(computeContentHash(streamId, 1, EVENT_TYPE, PAYLOAD)),
    producer: 'bench',
  };
}

async function measure(
  label: string,
  opts: { seconds: number; warmup: number },
  operation: (index: number) => Promise<void>,
): Promise<RunSummary> {
  const counter = new Counter();
  if (opts.warmup > 0) await closedLoop(1, opts.warmup * 1000, operation, counter);
  const run = await closedLoop(1, opts.seconds * 1000, operation, counter);
  if (run.summary.errors > 0) {
    throw new Error(`${label}: ${run.summary.errors} failures, e.g. ${run.failures.join('; ')}`);
  }
  const meanUs = (1e6 * run.summary.seconds) / run.summary.ok;
  process.stdout.write(
    `${label.padEnd(44)} ${String(round(run.summary.perSecond, 0)).padStart(7)}/s  ` +
      `mean ${round(meanUs, 0)} µs  p50 ${round(run.summary.p50, 3)} ms  ` +
      `p99 ${round(run.summary.p99, 3)} ms\n`,
  );
  return run.summary;
}

async function main(): Promise<void> {
  const opts = options();
  const dir = mkdtempSync(join(tmpdir(), 'bench-typeorm-'));
  const postgres = await startPostgres({
    dir,
    port: await freePort(),
    ownerPid: process.pid,
    durable: true,
  });
  const pool = new Pool({ connectionString: postgres.url(), max: 4 });
  pool.on('error', () => undefined);
  try {
    await migrate(pool, { schema: EVENT_STORE_SCHEMA });
    await migrate(pool, {
      schema: APPLICATION_SCHEMA,
      migrations: [{ version: 1, name: 'corrections', sql: CORRECTIONS_DDL }],
    });
    const registry = await createOwnDataSource(pool, {
      schema: APPLICATION_SCHEMA,
      entities: [CorrectionEntity],
      migrations: [],
    });
    const events = await createOwnDataSource(pool, {
      schema: EVENT_STORE_SCHEMA,
      entities: [EventEntity],
      migrations: [],
    });
    const store = new PostgresEventStore({ pool, schema: EVENT_STORE_SCHEMA, producer: 'bench' });
    const table = `"${EVENT_STORE_SCHEMA}".events`;
    process.stdout.write(
      `durable PostgreSQL (fsync, synchronous_commit on); concurrency 1; ` +
        `${opts.warmup} s warm-up + ${opts.seconds} s per side\n\n(a) one event, one transaction\n`,
    );

    const append = await measure('event store append (pg)', opts, async (i) => {
      await store.append(
        `a${i}`,
        0,
        [
          {
            eventType: EVENT_TYPE,
            payloadSchemaVersion: 1,
            payload: PAYLOAD,
            occurredAt: new Date(),
          },
        ],
        { correlationId: randomUUID() },
      );
    });
    const pgInsert = await measure('same row, prepared pg INSERT', opts, async (i) => {
      const row = eventRow(`p${i}`);
      await pool.query({
        name: 'bench_event_insert',
        text: `INSERT INTO ${table} (event_id, stream_id, stream_version, event_type,
                 payload_schema_version, payload, occurred_at, correlation_id, content_hash,
                 producer) VALUES ($1, $2, 1, $3, 1, $4, $5, $6, $7, $8)`,
        values: [
          row.eventId,
          row.streamId,
          row.eventType,
          row.payload,
          row.occurredAt,
          row.correlationId,
          row.contentHash,
          row.producer,
        ],
      });
    });
    const repo = events.getRepository(EventEntity);
    const ormInsert = await measure('same row, TypeORM insert', opts, async (i) => {
      await repo
        .createQueryBuilder()
        .insert()
        .values(eventRow(`t${i}`))
        .execute();
    });

    process.stdout.write('\n(b) read-model upsert (a correction request)\n');
    const corrections = registry.getRepository(CorrectionEntity);
    const summary = (i: number) => ({
      correctionId: randomUUID(),
      register: 'persons' as const,
      recordId: String(1_000_000_000_000 + i),
      field: 'givenNames',
      requester: `citizen-${i % 100}`,
      status: 'REQUESTED' as const,
      requestedAt: new Date(),
      decidedAt: null,
      decidedBy: null,
      reason: null,
      appliedToRecord: false,
      version: 1,
    });
    const ormUpsert = await measure('corrections upsert, TypeORM', opts, async (i) => {
      // What PgCorrectionsReadModel.recordRequested does.
      await corrections.createQueryBuilder().insert().values(summary(i)).orIgnore().execute();
    });
    const pgUpsert = await measure('corrections upsert, prepared pg', opts, async (i) => {
      const s = summary(i);
      await pool.query({
        name: 'bench_correction_upsert',
        text: `INSERT INTO "${APPLICATION_SCHEMA}".corrections (correction_id, register, record_id,
                 field, requester, status, requested_at, decided_at, decided_by, reason,
                 applied_to_record, version)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
               ON CONFLICT (correction_id) DO NOTHING`,
        values: [
          s.correctionId,
          s.register,
          s.recordId,
          s.field,
          s.requester,
          s.status,
          s.requestedAt,
          s.decidedAt,
          s.decidedBy,
          s.reason,
          s.appliedToRecord,
          s.version,
        ],
      });
    });

    const mean = (r: RunSummary) => r.seconds / r.ok;
    const ratios = {
      typeormInsertOverPgInsert: round(mean(ormInsert) / mean(pgInsert), 2),
      typeormInsertOverStoreAppend: round(mean(ormInsert) / mean(append), 2),
      typeormUpsertOverPgUpsert: round(mean(ormUpsert) / mean(pgUpsert), 2),
    };
    process.stdout.write(
      `\nper-statement time, TypeORM / pg: insert ${ratios.typeormInsertOverPgInsert}, ` +
        `upsert ${ratios.typeormUpsertOverPgUpsert} ` +
        `(TypeORM insert / event store append: ${ratios.typeormInsertOverStoreAppend})\n`,
    );
    const perSecond = (r: RunSummary) => round(r.perSecond, 0);
    process.stdout.write(
      `${JSON.stringify({
        bench: 'typeorm-vs-pg',
        seconds: opts.seconds,
        perSecond: {
          storeAppend: perSecond(append),
          pgInsert: perSecond(pgInsert),
          typeormInsert: perSecond(ormInsert),
          typeormUpsert: perSecond(ormUpsert),
          pgUpsert: perSecond(pgUpsert),
        },
        ratios,
      })}\n`,
    );
    await events.destroy();
    await registry.destroy();
  } finally {
    await pool.end();
    await postgres.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
