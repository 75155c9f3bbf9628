// Kafka helpers for this library's int specs, on the messaging library's public API. Not
// exported from the library.
import { Logger } from '@nestjs/common';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

import {
  ConsumerGroupFactory,
  EventPublisher,
  KafkaAdmin,
  MessagingModule,
} from '@gov/platform-messaging';
import type { InboundMessage } from '@gov/platform-messaging';
import { testInfra, uniqueName } from '@gov/platform-testing';

import { computeContentHash } from '../event-store/content-hash';
import { decodeEventEnvelope } from '../envelope/envelope';
import type { PositionedEvent } from '../event-store/event-store';
import { waitFor } from './test-events';

/** Header that marks the end-of-test sentinel records (see {@link readTopicFully}). */
const SENTINEL_HEADER = 'test-sentinel';

/** A Nest application context with only the messaging module, on the test brokers. */
export function startMessaging(): Promise<INestApplicationContext> {
  Logger.overrideLogger(['error']);
  return NestFactory.createApplicationContext(
    MessagingModule.forRoot({
      clientId: uniqueName('es-test'),
      brokers: testInfra().kafkaBrokers,
      logLevel: 'error',
    }),
  );
}

/** Creates a fresh topic with `partitions` partitions and returns its name. */
export async function newTopic(app: INestApplicationContext, partitions = 3): Promise<string> {
  const topic = uniqueName('es-events').replace(/_/g, '-');
  await app.get(KafkaAdmin).ensureTopics([{ topic, numPartitions: partitions }]);
  return topic;
}

/** A record read back from the topic, with its envelope decoded. */
export interface ReadRecord {
  readonly message: InboundMessage;
  readonly event: PositionedEvent;
}

/**
 * Reads every record of `topic` whose key is one of `keys`, in partition order. Exact, without
 * waiting for silence: it first publishes a sentinel per key; records of a key keep their order
 * on its partition, so once every key's sentinel arrived, everything published before it for
 * that key has arrived too. Call it when nothing publishes to the topic any more.
 */
export async function readTopicFully(
  app: INestApplicationContext,
  topic: string,
  keys: Iterable<string>,
): Promise<ReadRecord[]> {
  const pending = new Set(keys);
  await app.get(EventPublisher).publish(
    topic,
    [...pending].map((key) => ({
      key,
      value: new Uint8Array(0),
      headers: { [SENTINEL_HEADER]: '1' },
    })),
  );
  const records: ReadRecord[] = [];
  const group = app.get(ConsumerGroupFactory).create({
    groupId: uniqueName('es-reader'),
    topics: [topic],
    fromBeginning: true,
    handler: (message) => {
      if (message.headers[SENTINEL_HEADER] === '1') {
        pending.delete(message.key ?? '');
      } else {
        records.push({ message, event: decodeEventEnvelope(message.value) });
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

/**
 * Checks what the relay guarantees for the records of one topic and returns the first
 * occurrences in arrival order: every record's key is its stream and its headers match the
 * envelope; per stream, versions first appear as 1, 2, 3, ... and every repeat is a byte-identical
 * duplicate of an earlier record (at-least-once); content hashes match and chain.
 */
export function checkRelayedRecords(records: readonly ReadRecord[]): {
  readonly unique: PositionedEvent[];
  readonly duplicates: number;
} {
  const firstBytes = new Map<string, Buffer>();
  const versionByStream = new Map<string, PositionedEvent>();
  const unique: PositionedEvent[] = [];
  let duplicates = 0;
  for (const { message, event } of records) {
    expect(message.key).toBe(event.streamId);
    expect(message.headers['event-id']).toBe(event.eventId);
    expect(message.headers['event-type']).toBe(event.eventType);
    expect(message.headers['content-type']).toBe(
      'application/x-protobuf; proto=gov.platform.v1.EventEnvelope',
    );
    const earlier = firstBytes.get(event.eventId);
    if (earlier) {
      duplicates += 1;
      expect(Buffer.compare(earlier, message.value)).toBe(0);
      continue;
    }
    firstBytes.set(event.eventId, message.value);
    const previous = versionByStream.get(event.streamId);
    expect([event.streamId, event.streamVersion]).toEqual([
      event.streamId,
      (previous?.streamVersion ?? 0) + 1,
    ]);
    expect(event.contentHash).toEqual(
      computeContentHash(event.streamId, event.streamVersion, event.eventType, event.payload),
    );
    expect(event.previousHash).toEqual(previous?.contentHash ?? null);
    versionByStream.set(event.streamId, event);
    unique.push(event);
  }
  return { unique, duplicates };
}
