/**
 * Kafka helpers for the int and e2e specs of libraries built on `@gov/platform-messaging`:
 * a messaging context on the run's broker, fresh topics, and an exact read-back of a topic.
 * (The messaging library's own specs cannot use this: it depends on messaging.)
 */
import { Logger } from '@nestjs/common';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

import {
  ConsumerGroupFactory,
  EventPublisher,
  KafkaAdmin,
  MessagingModule,
} from '@gov/platform-messaging';
import type { InboundMessage, TopicSpec } from '@gov/platform-messaging';
import { testInfra, uniqueName, waitFor } from '@gov/platform-testing';

/** Header of the end-of-read sentinel records (see {@link readTopicUntilSentinels}). */
const SENTINEL_HEADER = 'test-sentinel';

/** A Nest application context with only the messaging module, on the run's brokers. */
export function startTestMessaging(clientPrefix = 'test'): Promise<INestApplicationContext> {
  Logger.overrideLogger(['error']);
  return NestFactory.createApplicationContext(
    MessagingModule.forRoot({
      clientId: uniqueName(clientPrefix),
      brokers: testInfra().kafkaBrokers,
      sasl: testInfra().kafkaSasl,
      logLevel: 'error',
    }),
  );
}

/** Creates a topic of the test's own (`<prefix>-<random>`) and returns its name. */
export async function newTestTopic(
  app: INestApplicationContext,
  prefix: string,
  spec: Omit<TopicSpec, 'topic'> = { numPartitions: 3 },
): Promise<string> {
  const topic = uniqueName(prefix).replace(/_/g, '-');
  await app.get(KafkaAdmin).ensureTopics([{ ...spec, topic }]);
  return topic;
}

/** A record read back, with its value decoded. */
export interface ReadBack<T> {
  readonly message: InboundMessage;
  readonly value: T;
}

/**
 * Reads every record of `topic` whose key is one of `keys`, in partition order, decoding each
 * value with `decode`. Exact, without waiting for silence: it first publishes a sentinel per
 * key; records of a key keep their order on its partition, so once every key's sentinel
 * arrived, everything published before it for that key has arrived too. Call it when nothing
 * publishes to the topic any more; include a key to prove nothing was published for it.
 */
export async function readTopicUntilSentinels<T>(
  app: INestApplicationContext,
  topic: string,
  keys: Iterable<string>,
  decode: (message: InboundMessage) => T,
): Promise<ReadBack<T>[]> {
  const pending = new Set(keys);
  await app.get(EventPublisher).publish(
    topic,
    [...pending].map((key) => ({
      key,
      value: Buffer.from('sentinel'),
      headers: { [SENTINEL_HEADER]: '1' },
    })),
  );
  const records: ReadBack<T>[] = [];
  const group = app.get(ConsumerGroupFactory).create({
    groupId: uniqueName('topic-reader'),
    topics: [topic],
    fromBeginning: true,
    handler: (message) => {
      if (message.headers[SENTINEL_HEADER] === '1') {
        pending.delete(message.key ?? '');
      } else {
        records.push({ message, value: decode(message) });
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
