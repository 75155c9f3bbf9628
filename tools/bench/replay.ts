// `npm run bench:replay` (nx run tools:bench-replay): the BRIEF's rebuild target, measured at the library level.
//
//   Rebuild by replay: at least 100,000 events/s into the embassy's stores, and at least 0.8
//   times the raw ingest ceiling of the same rows into the same tables, measured in the same run.
//
// Starts a throw-away site (Kafka, durable PostgreSQL), writes N events into a primary store
// (bulk, one stream each), publishes them with the outbox relay to a topic of 6 partitions, then
// (1) reads the topic with a consumer group that does nothing (the raw consume rate), (2)
// rebuilds an empty store from it with the ReplicaConsumer, as the embassy does, timed from the
// group's join to the last batch stored, with the CPU of this process, PostgreSQL and Kafka
// over it, and (3) writes the same rows (the primary's, every column the replica writes) into
// empty scratch stores by COPY and multi-row INSERT, in transactions of the replay's mean batch,
// from 1 and from 3 sessions (the replica's partitions consumed side by side): the raw ingest
// ceiling, the best of those. Prints the figures, their ratios and one JSON line. Flags:
//   --events 200000   events in the log
//   --sessions 1,3    sessions of the ceiling's runs
//   --profile         also profile the replay: writes reports/bench/replay-<time>.cpuprofile,
//                     prints where the replayer's CPU went by part (consume, decode, hash
//                     checks, insert, bookkeeping) and the statements' wall time by kind
import 'reflect-metadata';

import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Pool } from 'pg';

import {
  OutboxRelay,
  PostgresEventStore,
  ReplicaConsumer,
  digestLog,
  migrate,
} from '@gov/platform-event-sourcing';
import { freePort, startSite } from '@gov/platform-infra';
import {
  ConsumerGroupFactory,
  EventPublisher,
  KafkaAdmin,
  MessagingModule,
} from '@gov/platform-messaging';

import { cpuMsPerOperation, cpuShare, sampleCpu } from './lib/cpu';
import { CpuProfile, breakDown } from './lib/cpu-profile';
import type { ProfileBreakdown } from './lib/cpu-profile';
import { INGEST_METHODS, RawIngest } from './lib/raw-ingest';
import type { IngestRun } from './lib/raw-ingest';
import { rawConsumeRate } from './lib/raw-consume';
import { timeStatements } from './lib/statement-timer';

const log = (message: string): void => {
  process.stderr.write(`[bench:replay] ${message}\n`);
};

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The replayer's parts, by the frames of its CPU profile (the nearest claimed frame wins). */
const PROFILE_CATEGORIES = [
  { name: 'hash', frame: /content-hash\.ts#|#sameBytes$|#checkNext$/ },
  { name: 'decode', frame: /envelope\.ts#|envelope-consumer\.ts#|@bufbuild\/protobuf/ },
  { name: 'insert', frame: /copy-rows\.ts#|replica-applier\.ts#insert$|pg-copy-streams/ },
  {
    name: 'bookkeeping',
    frame:
      /replica-applier\.ts#|replica-consumer\.ts#|replay-backlog\.ts#|prom-client|platform-observability|observability\/src/,
  },
  { name: 'pg-client', frame: /node_modules\/pg(-protocol|-pool|-types)?\// },
  { name: 'consume', frame: /kafkajs|messaging\/src|@opentelemetry/ },
];

/** The replica applier's statements, by their SQL. */
const STATEMENT_KINDS = [
  { name: 'insert', sql: /^\s*(COPY|INSERT INTO \S+\.events)\b/ },
  { name: 'transaction', sql: /^\s*(BEGIN|COMMIT|ROLLBACK)\b/ },
  { name: 'head', sql: /log_head|global_position = \$1 \+ 1/ },
  { name: 'checks', sql: /halted_streams|\.events/ },
];

function pad(value: number): string {
  return String(value).padStart(8);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '200000' },
      sessions: { type: 'string', default: '1,3' },
      profile: { type: 'boolean', default: false },
    },
  });
  const total = Number(values.events);
  const sessionLevels = values.sessions.split(',').map(Number);
  const dir = mkdtempSync(join(tmpdir(), 'backbone-replay-'));
  chmodSync(dir, 0o755);
  const site = await startSite({
    name: 'replay',
    dir,
    ports: {
      kafka: await freePort(),
      kafkaController: await freePort(),
      postgres: await freePort(),
    },
    ownerPid: process.pid,
    durable: true,
  });
  Logger.overrideLogger(['error']);
  const app = await NestFactory.createApplicationContext(
    MessagingModule.forRoot({
      clientId: 'bench-replay',
      brokers: [site.kafka.bootstrap],
      sasl: site.kafka.sasl(),
      logLevel: 'error',
    }),
  );
  const pool = new Pool({ connectionString: site.postgres.url(), max: 8 });
  // Sessions still open when the site stops at the end are terminated by the server.
  pool.on('error', () => undefined);
  try {
    await migrate(pool, { schema: 'primary_log' });
    await migrate(pool, { schema: 'replica_log' });
    const primary = new PostgresEventStore({ pool, schema: 'primary_log', producer: 'registry' });
    const replica = new PostgresEventStore({ pool, schema: 'replica_log', producer: 'registry' });

    log(`writing ${total} events`);
    const payload = new Uint8Array(120).fill(7);
    for (let written = 0; written < total;) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const streams = Array.from({ length: Math.min(2_000, total - written) }, (_, i) => ({
          streamId: String(9_000_000_000_000 + written + i),
          events: [
            {
              eventType: 'gov.registry.v1.PersonRegistered',
              payloadSchemaVersion: 1,
              payload,
              occurredAt: new Date(),
            },
          ],
        }));
        await primary.startStreams(client, streams, {
          correlationId: 'bench',
          actor: { kind: 'registrar', id: 'clerk' },
        });
        await client.query('COMMIT');
        written += streams.length;
      } finally {
        client.release();
      }
    }
    while ((await primary.sequence(50_000)).assigned > 0) {
      // position everything
    }
    const topic = 'registry.events.v1';
    await app.get(KafkaAdmin).ensureTopics([{ topic, numPartitions: 6 }]);
    log('publishing with the outbox relay');
    const relay = new OutboxRelay({
      store: primary,
      topic,
      publisher: app.get(EventPublisher),
      logger: quiet,
      batchSize: 5_000,
    });
    relay.start();
    await until(async () => {
      const { rows } = await pool.query<{ position: string }>(
        `SELECT position FROM primary_log.relay_checkpoints WHERE name = $1`,
        [topic],
      );
      return rows[0]?.position === String(total);
    }, 600_000);
    await relay.stop();

    log('raw consume');
    const groups = app.get(ConsumerGroupFactory);
    const rawRate = await rawConsumeRate(groups, topic, total, 600_000);
    log(`raw consume: ${rawRate} events/s`);

    log('replay into an empty store');
    let applied = 0;
    let batches = 0;
    let replayLast = 0;
    const consumer = new ReplicaConsumer({
      store: replica,
      groups,
      topics: [topic],
      groupId: 'replica',
      events: {
        applied: (result) => {
          applied += result.applied;
          batches += 1;
          replayLast = performance.now();
        },
      },
    });
    const parts = { postgres: site.postgres.pid, kafka: site.kafka.pid };
    const profile = values.profile ? new CpuProfile() : undefined;
    const statements = values.profile ? timeStatements(STATEMENT_KINDS) : undefined;
    await profile?.start();
    const cpuBefore = sampleCpu(process.pid, parts);
    await consumer.start();
    const replayFirst = performance.now();
    await until(async () => (await replica.headPosition()) >= BigInt(total), 900_000);
    const cpuAfter = sampleCpu(process.pid, parts);
    let breakdown: ProfileBreakdown | undefined;
    let profileFile: string | undefined;
    if (profile) {
      mkdirSync('reports/bench', { recursive: true });
      profileFile = `reports/bench/replay-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`;
      breakdown = breakDown(await profile.stop(profileFile), PROFILE_CATEGORIES);
    }
    statements?.restore();
    await consumer.stop();
    const replayRate = (applied / (replayLast - replayFirst)) * 1000;
    const cpuPerEvent = cpuMsPerOperation(cpuBefore, cpuAfter, applied);
    const share = cpuShare(cpuBefore, cpuAfter);
    const same =
      (await digestLog(replica, BigInt(total))).digest ===
      (await digestLog(primary, BigInt(total))).digest;

    const meanBatch = Math.round(applied / batches);
    log(`raw ingest ceiling: ${total} rows, transactions of ${meanBatch} rows`);
    const ingest = await RawIngest.load(pool, 'primary_log');
    const runs: IngestRun[] = [];
    for (const sessions of sessionLevels) {
      for (const method of INGEST_METHODS) {
        const run = await ingest.run(method, meanBatch, sessions, () =>
          sampleCpu(process.pid, parts),
        );
        log(`${method} x${sessions}: ${run.rowsPerSecond} rows/s`);
        runs.push(run);
      }
    }
    const best = runs.reduce((a, b) => (b.rowsPerSecond > a.rowsPerSecond ? b : a));
    const round2 = (x: number): number => Math.round(x * 100) / 100;
    const perEvent = (ms: number): number => Math.round((ms * 1000 * 100) / applied) / 100;
    const figures = {
      bench: 'replay',
      events: total,
      replayEventsPerSecond: Math.round(replayRate),
      rawConsumeEventsPerSecond: Math.round(rawRate),
      consumeRatio: round2(replayRate / rawRate),
      ceilingRowsPerSecond: best.rowsPerSecond,
      ceilingMethod: `${best.method} x${best.sessions}`,
      ceilingRatio: round2(replayRate / best.rowsPerSecond),
      ceiling: Object.fromEntries(
        runs.map((run) => [`${run.method} x${run.sessions}`, run.rowsPerSecond]),
      ),
      ceilingCpuMicrosPerRow: Object.fromEntries(
        Object.entries(best.cpuMicrosPerRow).map(([name, us]) => [
          name === 'driver' ? 'bench' : name,
          us,
        ]),
      ),
      ceilingBatch: meanBatch,
      batches,
      meanBatch,
      cpuMicrosPerEvent: Object.fromEntries(
        Object.entries(cpuPerEvent).map(([name, ms]) => [
          name === 'driver' ? 'replayer' : name,
          Math.round(ms * 10_000) / 10,
        ]),
      ),
      cpuBusyPct: Math.round(share.busyPct),
      cpuOthersPct: Math.round(share.othersPct),
      ...(breakdown
        ? {
            profile: profileFile,
            replayerMicrosPerEvent: Object.fromEntries(
              Object.entries(breakdown.ms).map(([name, ms]) => [name, perEvent(ms)]),
            ),
            statementsMicrosPerEvent: Object.fromEntries(
              Object.entries(statements?.times ?? {}).map(([name, t]) => [name, perEvent(t.ms)]),
            ),
          }
        : {}),
      targets: {
        ceilingRatio08: replayRate >= 0.8 * best.rowsPerSecond,
        eventsPerSecond100k: replayRate >= 100_000,
      },
      identical: same,
    };
    const out: string[] = [
      '',
      `Replay of ${total} events (6 partitions) into an empty store, ${batches} batches of ${meanBatch} events on average`,
      `  replay        ${pad(figures.replayEventsPerSecond)} events/s   digests ${same ? 'identical' : 'DIFFERENT'}`,
      `  raw consume   ${pad(figures.rawConsumeEventsPerSecond)} events/s   replay/consume ${figures.consumeRatio}`,
      `  raw ingest ceiling (same rows, same table layout, transactions of ${meanBatch} rows):`,
      ...runs.map(
        (run) =>
          `    ${`${run.method} x${run.sessions}`.padEnd(18)} ${pad(run.rowsPerSecond)} rows/s  (${run.chunk} rows per statement; CPU per row: bench ${String(run.cpuMicrosPerRow['driver'] ?? 0)} µs, postgres ${String(run.cpuMicrosPerRow['postgres'] ?? 0)} µs)`,
      ),
      `  replay/ceiling ${figures.ceilingRatio} (ceiling ${best.rowsPerSecond} rows/s by ${figures.ceilingMethod}; target >= 0.8: ${figures.targets.ceilingRatio08 ? 'met' : 'NOT met'}); 100,000 events/s: ${figures.targets.eventsPerSecond100k ? 'met' : 'NOT met'}`,
      `  CPU per event during the replay: ${Object.entries(figures.cpuMicrosPerEvent)
        .map(([name, us]) => `${name} ${us.toFixed(1)} µs`)
        .join(', ')}; machine busy ${figures.cpuBusyPct}% (others ${figures.cpuOthersPct}%)`,
    ];
    if (breakdown) {
      out.push(
        `  replayer's JavaScript thread per event (${profileFile}):`,
        `    ${Object.entries(breakdown.ms)
          .sort((a, b) => b[1] - a[1])
          .map(([name, ms]) => `${name} ${perEvent(ms).toFixed(2)} µs`)
          .join(', ')}`,
        `  statements' wall time per event, summed over sessions: ${Object.entries(
          statements?.times ?? {},
        )
          .map(([name, t]) => `${name} ${perEvent(t.ms).toFixed(2)} µs (${t.count})`)
          .join(', ')}`,
        '  top self time:',
        ...breakdown.top.map(
          (entry) =>
            `    ${entry.ms.toFixed(0).padStart(6)} ms  ${entry.category.padEnd(12)} ${entry.fn}`,
        ),
      );
    }
    process.stdout.write(`${out.join('\n')}\n${JSON.stringify(figures)}\n`);
  } finally {
    await app.close();
    await pool.end();
    await site.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
