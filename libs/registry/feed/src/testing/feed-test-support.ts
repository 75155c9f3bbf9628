// Kafka and PostgreSQL helpers for this library's int specs, on the platform's public APIs. Not
// exported from the library.
import { fromBinary } from '@bufbuild/protobuf';
import type { INestApplicationContext } from '@nestjs/common';
import type { Pool } from 'pg';

import { RecordChangeSchema } from '@gov/contracts';
import type { RecordChange } from '@gov/contracts';
import { PostgresEventStore, migrate } from '@gov/platform-event-sourcing';
import type { RelayLogger } from '@gov/platform-event-sourcing';
import { KafkaAdmin } from '@gov/platform-messaging';
import type { InboundMessage } from '@gov/platform-messaging';
import { readTopicUntilSentinels, startTestMessaging } from '@gov/platform-messaging-testing';
import { uniqueName, waitFor } from '@gov/platform-testing';

import { registryChangesTopicSpec } from '../lib/feed-topic';

/** A logger that keeps quiet (failures the tests provoke on purpose would be noise). */
export const quiet: RelayLogger = {
  log: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** A Nest application context with only the messaging module, on the test brokers. */
export function startMessaging(): Promise<INestApplicationContext> {
  return startTestMessaging('feed-test');
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

export { waitFor };

/** A record of the feed as a subscriber reads it. */
export interface FeedRecord {
  readonly message: InboundMessage;
  readonly change: RecordChange;
}

/**
 * Reads every record of `topic` whose key is one of `keys`, decoding each value as a subscriber
 * does (`fromBinary(RecordChangeSchema, …)`); exact (see `readTopicUntilSentinels`). Include a
 * key to prove that nothing was published for it.
 */
export async function readFeed(
  app: INestApplicationContext,
  topic: string,
  keys: Iterable<string>,
): Promise<FeedRecord[]> {
  const records = await readTopicUntilSentinels(app, topic, keys, (message) =>
    fromBinary(RecordChangeSchema, message.value),
  );
  return records.map(({ message, value }) => ({ message, change: value }));
}
