// `npm run bench:replay` (nx run tools:bench-replay): the BRIEF's rebuild target, measured at the library level.
//
//   Rebuild by replay: at least 100,000 events/s into the embassy's stores, i.e. close to the
//   raw consume rate of the Kafka client measured in the same run.
//
// Starts a throw-away site (Kafka, durable PostgreSQL), writes N events into a primary store
// (bulk, several streams), publishes them with the outbox relay to a topic of 6 partitions,
// then (1) reads the topic with a consumer group that does nothing (the raw consume rate), and
// (2) rebuilds an empty store from it with the ReplicaConsumer, as the embassy does. Prints
// both rates, their ratio, where the replica's time went, and one JSON line. Flags:
//   --events 200000   events in the log
import 'reflect-metadata';

import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
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

import { rawConsumeRate } from './lib/raw-consume';

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

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { events: { type: 'string', default: '200000' } } });
  const total = Number(values.events);
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
    let replayFirst = 0;
    let replayLast = 0;
    const consumer = new ReplicaConsumer({
      store: replica,
      groups,
      topics: [topic],
      groupId: 'replica',
      events: {
        applied: (result) => {
          if (replayFirst === 0) replayFirst = performance.now();
          applied += result.applied;
          batches += 1;
          replayLast = performance.now();
        },
      },
    });
    await consumer.start();
    await until(async () => (await replica.headPosition()) >= BigInt(total), 900_000);
    await consumer.stop();
    const replayRate = (applied / (replayLast - replayFirst)) * 1000;
    const same =
      (await digestLog(replica, BigInt(total))).digest ===
      (await digestLog(primary, BigInt(total))).digest;
    const figures = {
      bench: 'replay',
      events: total,
      rawConsumeEventsPerSecond: Math.round(rawRate),
      replayEventsPerSecond: Math.round(replayRate),
      ratio: Math.round((replayRate / rawRate) * 100) / 100,
      batches,
      meanBatch: Math.round(applied / batches),
      identical: same,
    };
    process.stdout.write(
      `\nreplay ${figures.replayEventsPerSecond} events/s vs raw consume ${figures.rawConsumeEventsPerSecond} events/s: ratio ${figures.ratio} (${batches} batches, ${figures.meanBatch} events each); digests ${same ? 'identical' : 'DIFFERENT'}\n${JSON.stringify(figures)}\n`,
    );
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
