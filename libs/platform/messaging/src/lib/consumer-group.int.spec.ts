import type { INestApplicationContext } from '@nestjs/common';

import type {
  ConsumerGroup,
  ConsumerGroupOptions,
  HandlerFailure,
  InboundMessage,
} from './consumer-group';
import { ConsumerGroupFactory } from './consumer-group.factory';
import { EventPublisher } from './event-publisher.service';
import type { OutboundMessage } from './event-publisher.service';
import { KafkaAdmin } from './kafka-admin.service';
import { MessagingModule } from './messaging.module';
import {
  committedOffsets,
  createTestContext,
  deferred,
  groupState,
  startMessaging,
  testBrokers,
  testSasl,
  uniqueName,
  waitFor,
} from './testing/kafka-test-support';

/** What a test message carries: its key and its position among the messages of that key. */
interface Sample {
  readonly key: string;
  readonly seq: number;
}

/** `count` messages spread round-robin over `keys` keys, numbered per key from `firstSeq`. */
function samples(count: number, keys: number, firstSeq = 0): Sample[] {
  return Array.from({ length: count }, (_, i) => ({
    key: `key-${String(i % keys)}`,
    seq: firstSeq + Math.floor(i / keys),
  }));
}

function encode(sample: Sample): OutboundMessage {
  return { key: sample.key, value: Buffer.from(JSON.stringify(sample)) };
}

function decode(message: InboundMessage): Sample & { partition: number; offset: number } {
  const sample = JSON.parse(message.value.toString('utf8')) as Sample;
  expect(message.key).toBe(sample.key);
  return { ...sample, partition: message.partition, offset: Number(message.offset) };
}

const id = (sample: Sample): string => `${sample.key}#${String(sample.seq)}`;

/** Publishes in chunks, one after the other, as an outbox relay would. */
async function publishAll(publisher: EventPublisher, topic: string, all: Sample[]): Promise<void> {
  for (let i = 0; i < all.length; i += 100) {
    await publisher.publish(topic, all.slice(i, i + 100).map(encode));
  }
}

/** Sequence numbers per key, in arrival order. */
function seqsByKey(received: readonly Sample[]): Map<string, number[]> {
  const byKey = new Map<string, number[]>();
  for (const { key, seq } of received) {
    byKey.set(key, [...(byKey.get(key) ?? []), seq]);
  }
  return byKey;
}

describe('consumer groups over a real broker', () => {
  let app: INestApplicationContext;
  let publisher: EventPublisher;
  let admin: KafkaAdmin;
  let groups: ConsumerGroupFactory;
  const started: ConsumerGroup[] = [];

  beforeAll(async () => {
    // The asynchronous variant, as services configure it from their configuration provider.
    app = await createTestContext(
      MessagingModule.forRootAsync({
        useFactory: async () => {
          await Promise.resolve();
          return {
            clientId: uniqueName('consumer-group-spec'),
            brokers: testBrokers(),
            sasl: testSasl(),
          };
        },
      }),
    );
    publisher = app.get(EventPublisher);
    admin = app.get(KafkaAdmin);
    groups = app.get(ConsumerGroupFactory);
  });

  afterAll(async () => {
    await app.close();
  });

  afterEach(async () => {
    await Promise.all(started.splice(0).map((group) => group.stop()));
  });

  async function start(options: ConsumerGroupOptions): Promise<ConsumerGroup> {
    const group = groups.create(options);
    started.push(group);
    await group.start();
    return group;
  }

  it('delivers every message once, in publish order per key', async () => {
    const topic = uniqueName('order');
    await admin.ensureTopics([{ topic, numPartitions: 3 }]);
    const produced = samples(2_000, 25);
    const received: ReturnType<typeof decode>[] = [];
    await start({
      groupId: uniqueName('order'),
      topics: [topic],
      fromBeginning: true,
      handler: async (message) => {
        received.push(decode(message));
        await Promise.resolve();
      },
    });

    await publishAll(publisher, topic, produced);
    await waitFor('all messages consumed', () => received.length >= produced.length);

    expect(new Set(received.map(id)).size).toBe(received.length);
    expect(received).toHaveLength(produced.length);
    expect(seqsByKey(received)).toEqual(seqsByKey(produced));
    // A key always lands on one partition, and the keys do use all three.
    const partitionsOfKey = new Map<string, Set<number>>();
    for (const { key, partition } of received) {
      partitionsOfKey.set(key, (partitionsOfKey.get(key) ?? new Set()).add(partition));
    }
    expect([...partitionsOfKey.values()].every((partitions) => partitions.size === 1)).toBe(true);
    expect(new Set(received.map(({ partition }) => partition))).toEqual(new Set([0, 1, 2]));
  });

  it('resumes after a graceful stop mid-stream without losing or repeating messages', async () => {
    const topic = uniqueName('resume');
    const groupId = uniqueName('resume');
    await admin.ensureTopics([{ topic, numPartitions: 3 }]);
    const firstWave = samples(600, 10);
    const secondWave = samples(400, 10, 60);
    await publishAll(publisher, topic, firstWave);

    // Consumer 1 handles 200 messages; the 200th is still in its handler when stop() is called.
    const processed1: ReturnType<typeof decode>[] = [];
    const reached = deferred();
    const release = deferred();
    const consumer1 = await start({
      groupId,
      topics: [topic],
      fromBeginning: true,
      handler: async (message) => {
        processed1.push(decode(message));
        if (processed1.length === 200) {
          reached.resolve();
          await release.promise;
        }
      },
    });
    await reached.promise;
    const stopping = consumer1.stop();
    release.resolve();
    await stopping;

    expect(processed1).toHaveLength(200);
    // Everything consumer 1 handled is committed, and nothing more: per partition the committed
    // offset is the number of messages it handled there (offsets start at 0).
    const committed = await committedOffsets(groupId, topic);
    for (const partition of [0, 1, 2]) {
      const handledThere = processed1.filter((m) => m.partition === partition);
      expect(committed.get(partition) ?? 0).toBe(handledThere.length);
      expect(handledThere.map((m) => m.offset)).toEqual(handledThere.map((_, i) => i));
    }

    await publishAll(publisher, topic, secondWave);
    const processed2: ReturnType<typeof decode>[] = [];
    await start({
      groupId,
      topics: [topic],
      fromBeginning: true,
      handler: async (message) => {
        processed2.push(decode(message));
        await Promise.resolve();
      },
    });
    const all = [...firstWave, ...secondWave];
    await waitFor(
      'the rest of the stream consumed',
      () => processed1.length + processed2.length >= all.length,
    );

    const seenByBoth = processed2.filter((m) => processed1.some((n) => id(n) === id(m)));
    expect(seenByBoth).toEqual([]);
    expect(processed2.every((m) => m.offset >= (committed.get(m.partition) ?? 0))).toBe(true);
    const union = [...processed1, ...processed2];
    expect(new Set(union.map(id))).toEqual(new Set(all.map(id)));
    expect(union).toHaveLength(all.length);
    expect(seqsByKey(union)).toEqual(seqsByKey(all));
  });

  it('does not commit a message whose handler failed: it is delivered again after a restart', async () => {
    const topic = uniqueName('failure');
    const groupId = uniqueName('failure');
    await admin.ensureTopics([{ topic, numPartitions: 1 }]);
    const [first, failing, third] = samples(3, 1);
    await publishAll(publisher, topic, [first!, failing!, third!]);

    const handled1: Sample[] = [];
    const failures: HandlerFailure[] = [];
    const consumer1 = await start({
      groupId,
      topics: [topic],
      fromBeginning: true,
      handler: async (message) => {
        const sample = decode(message);
        if (sample.seq === failing!.seq) {
          throw new Error('the database is down');
        }
        handled1.push(sample);
        await Promise.resolve();
      },
      onError: (failure) => {
        failures.push(failure);
        return { action: 'pause-partition' };
      },
    });
    await waitFor('the handler failed', () => failures.length > 0);
    await consumer1.stop();

    expect(handled1.map(id)).toEqual([id(first!)]);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ attempt: 1, message: { offset: '1' } });
    expect((failures[0]?.error as Error).message).toBe('the database is down');
    expect((await committedOffsets(groupId, topic)).get(0)).toBe(1);

    const handled2: Sample[] = [];
    await start({
      groupId,
      topics: [topic],
      fromBeginning: true,
      handler: async (message) => {
        handled2.push(decode(message));
        await Promise.resolve();
      },
    });
    await waitFor('the failed message and its successor delivered', () => handled2.length >= 2);

    expect(handled2.map(id)).toEqual([id(failing!), id(third!)]);
  });

  it('retries a failed message in place, before any later message of its partition', async () => {
    const topic = uniqueName('retry');
    await admin.ensureTopics([{ topic, numPartitions: 1 }]);
    const [first, flaky, third] = samples(3, 1);
    await publishAll(publisher, topic, [first!, flaky!, third!]);

    const deliveries: Sample[] = [];
    const attempts: number[] = [];
    await start({
      groupId: uniqueName('retry'),
      topics: [topic],
      fromBeginning: true,
      handler: async (message) => {
        const sample = decode(message);
        deliveries.push(sample);
        if (
          sample.seq === flaky!.seq &&
          deliveries.filter((d) => d.seq === flaky!.seq).length < 3
        ) {
          throw new Error('transient');
        }
        await Promise.resolve();
      },
      onError: ({ attempt }) => {
        attempts.push(attempt);
        return { action: 'retry', afterMs: 50 };
      },
    });
    await waitFor('the last message handled', () => deliveries.some((d) => d.seq === third!.seq));

    expect(deliveries.map(id)).toEqual([first, flaky, flaky, flaky, third].map((s) => id(s!)));
    expect(attempts).toEqual([1, 2]);
  });

  it('hands the handler the key, bytes, headers and timestamp as published', async () => {
    const topic = uniqueName('roundtrip');
    await admin.ensureTopics([{ topic, numPartitions: 2 }]);
    const received: InboundMessage[] = [];
    await start({
      groupId: uniqueName('roundtrip'),
      topics: [topic],
      fromBeginning: true,
      handler: async (message) => {
        received.push(message);
        await Promise.resolve();
      },
    });
    const before = Date.now();
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    await publisher.publish(topic, [
      {
        key: 'person-42',
        value: bytes.subarray(1),
        headers: { 'content-type': 'application/x-protobuf' },
      },
    ]);
    const after = Date.now();
    await waitFor('the message consumed', () => received.length > 0);

    const [message] = received;
    expect(message).toMatchObject({
      topic,
      offset: '0',
      key: 'person-42',
      headers: { 'content-type': 'application/x-protobuf' },
    });
    expect([...message!.value]).toEqual([1, 2, 250, 255]);
    expect(message!.timestamp.getTime()).toBeGreaterThanOrEqual(before);
    expect(message!.timestamp.getTime()).toBeLessThanOrEqual(after);
  });

  it('stops its consumer groups when the application closes', async () => {
    const topic = uniqueName('shutdown');
    const groupId = uniqueName('shutdown');
    const own = await startMessaging();
    await own.get(KafkaAdmin).ensureTopics([{ topic, numPartitions: 1 }]);
    await own.get(EventPublisher).publish(topic, samples(5, 1).map(encode));
    const handled: Sample[] = [];
    await own
      .get(ConsumerGroupFactory)
      .create({
        groupId,
        topics: [topic],
        fromBeginning: true,
        handler: async (message) => {
          handled.push(decode(message));
          await Promise.resolve();
        },
      })
      .start();
    await waitFor('all handled', () => handled.length === 5);

    expect(await groupState(groupId)).toBe('Stable');

    await own.close();

    expect(await groupState(groupId)).toBe('Empty');
    expect((await committedOffsets(groupId, topic)).get(0)).toBe(5);
  });
});
