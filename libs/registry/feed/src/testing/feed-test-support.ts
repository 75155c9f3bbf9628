// Kafka and PostgreSQL helpers for this library's int specs, on the platform's public APIs. Not
// exported from the library.
import { fromBinary } from '@bufbuild/protobuf';
import { Logger } from '@nestjs/common';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Pool } from 'pg';

import { RecordChangeSchema } from '@gov/contracts';
import type { RecordChange } from '@gov/contracts';
import { PostgresEventStore, migrate } from '@gov/platform-event-sourcing';
import type { RelayLogger } from '@gov/platform-event-sourcing';
import {
  ConsumerGroupFactory,
  EventPublisher,
  KafkaAdmin,
  MessagingModule,
} from '@gov/platform-messaging';
import type { InboundMessage } from '@gov/platform-messaging';
import { testInfra, uniqueName } from '@gov/platform-testing';

import { registryChangesTopicSpec } from '../lib/feed-topic';

/** Header of the end-of-read sentinel records (see {@link readFeed}). */
const SENTINEL_HEADER = 'test-sentinel';

/** A logger that keeps quiet (failures the tests provoke on purpose would be noise). */
export const quiet: RelayLogger = {
  log: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** A Nest application context with only the messaging module, on the test brokers. */
export function startMessaging(): Promise<INestApplicationContext> {
  Logger.overrideLogger(['error']);
  return NestFactory.createApplicationContext(
    MessagingModule.forRoot({
      clientId: uniqueName('feed-test'),
      brokers: testInfra().kafkaBrokers,
      logLevel: 'error',
    }),
  );
}

/** A fresh feed topic (compacted as the real one), with `partitions` partitions. */
export async function newFeedTopic(app: INestApplicationContext, partitions = 3): Promise<string> {
  const topic = uniqueName('registry-changes').replace(/_/g, '-');
  await app.get(KafkaAdmin).ensureTopics([registryChangesTopicSpec(topic, partitions)]);
  return topic;
}

/** A migrated event store schema of its own, as the registry's. */
export async function newStore(pool: Pool): Promise<PostgresEventStore> {
  const schema = uniqueName('registry');
  await migrate(pool, { schema });
  return new PostgresEventStore({ pool, schema, producer: 'registry' });
}

/** Runs the sequencer until everything committed is positioned; the log's head. */
export async function settle(store: PostgresEventStore): Promise<bigint> {
  while ((await store.sequence()).assigned > 0) {
    // keep going
  }
  return store.headPosition();
}

/** The checkpoint row `name` of the store's `relay_checkpoints`; `undefined` if none. */
export async function checkpointOf(
  pool: Pool,
  store: PostgresEventStore,
  name: string,
): Promise<bigint | undefined> {
  const { rows } = await pool.query<{ position: string }>(
    `SELECT position FROM "${store.schema}".relay_checkpoints WHERE name = $1`,
    [name],
  );
  return rows[0] === undefined ? undefined : BigInt(rows[0].position);
}

/** Polls `condition` until it holds; fails with `description` after `timeoutMs`. */
export async function waitFor(
  description: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${String(timeoutMs)} ms waiting for: ${description}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A record of the feed as a subscriber reads it. */
export interface FeedRecord {
  readonly message: InboundMessage;
  readonly change: RecordChange;
}

/**
 * Reads every record of `topic` whose key is one of `keys`, in partition order, decoding each
 * value as a subscriber does (`fromBinary(RecordChangeSchema, …)`). Exact, without waiting for
 * silence: it first publishes a sentinel per key; records of a key keep their order on its
 * partition, so once every key's sentinel arrived, everything published before it has too.
 * Call it when nothing publishes to the topic any more. To prove that nothing was published
 * for some key, include it in `keys`.
 */
export async function readFeed(
  app: INestApplicationContext,
  topic: string,
  keys: Iterable<string>,
): Promise<FeedRecord[]> {
  const pending = new Set(keys);
  await app.get(EventPublisher).publish(
    topic,
    [...pending].map((key) => ({
      key,
      value: Buffer.from('sentinel'),
      headers: { [SENTINEL_HEADER]: '1' },
    })),
  );
  const records: FeedRecord[] = [];
  const group = app.get(ConsumerGroupFactory).create({
    groupId: uniqueName('feed-reader'),
    topics: [topic],
    fromBeginning: true,
    handler: (message) => {
      if (message.headers[SENTINEL_HEADER] === '1') {
        pending.delete(message.key ?? '');
      } else {
        records.push({ message, change: fromBinary(RecordChangeSchema, message.value) });
      }
      return Promise.resolve();
    },
  });
  await group.start();
  try {
    await waitFor('a sentinel for every key', () => pending.size === 0, 60_000);
  } finally {
    await group.stop();
  }
  return records;
}
