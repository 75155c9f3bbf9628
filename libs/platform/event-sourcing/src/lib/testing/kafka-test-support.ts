// Kafka helpers for this library's int specs, on the messaging library's public API. Not
// exported from the library.
import type { INestApplicationContext } from '@nestjs/common';

import type { InboundMessage } from '@gov/platform-messaging';
import {
  newTestTopic,
  readTopicUntilSentinels,
  startTestMessaging,
} from '@gov/platform-messaging-testing';

import { computeContentHash } from '../event-store/content-hash';
import { decodeEventEnvelope } from '../envelope/envelope';
import type { PositionedEvent } from '../event-store/event-store';

/** A Nest application context with only the messaging module, on the test brokers. */
export function startMessaging(): Promise<INestApplicationContext> {
  return startTestMessaging('es-test');
}

/** Creates a fresh topic with `partitions` partitions and returns its name. */
export function newTopic(app: INestApplicationContext, partitions = 3): Promise<string> {
  return newTestTopic(app, 'es-events', { numPartitions: partitions });
}

/** A record read back from the topic, with its envelope decoded. */
export interface ReadRecord {
  readonly message: InboundMessage;
  readonly event: PositionedEvent;
}

/** Reads every record of `topic` whose key is one of `keys`, envelopes decoded (exact). */
export async function readTopicFully(
  app: INestApplicationContext,
  topic: string,
  keys: Iterable<string>,
): Promise<ReadRecord[]> {
  const records = await readTopicUntilSentinels(app, topic, keys, (message) =>
    decodeEventEnvelope(message.value),
  );
  return records.map(({ message, value }) => ({ message, event: value }));
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
