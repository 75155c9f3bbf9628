import type { INestApplicationContext } from '@nestjs/common';

import type { ConsumerGroup, InboundMessage } from './consumer-group';
import { ConsumerGroupFactory } from './consumer-group.factory';
import { DEAD_LETTER_HEADERS, PermanentMessageError, retryThenDeadLetter } from './dead-letter';
import { EventPublisher } from './event-publisher.service';
import { KafkaAdmin } from './kafka-admin.service';
import {
  committedOffsets,
  startMessaging,
  uniqueName,
  waitFor,
} from './testing/kafka-test-support';

describe('dead-letter topic (real broker)', () => {
  let app: INestApplicationContext;
  let publisher: EventPublisher;
  let admin: KafkaAdmin;
  let groups: ConsumerGroupFactory;
  const started: ConsumerGroup[] = [];

  beforeAll(async () => {
    app = await startMessaging();
    publisher = app.get(EventPublisher);
    admin = app.get(KafkaAdmin);
    groups = app.get(ConsumerGroupFactory);
  });

  afterAll(async () => {
    await Promise.all(started.map((group) => group.stop()));
    await app.close();
  });

  it('dead-letters a poison message at once and a failing one after bounded retries, and goes on', async () => {
    const topic = uniqueName('dlq-source');
    const groupId = uniqueName('dlq-group');
    await admin.ensureTopics([{ topic, numPartitions: 1 }]);
    await publisher.publish(
      topic,
      ['ok-1', 'poison', 'ok-2', 'flaky', 'ok-3'].map((value) => ({
        key: value,
        value: Buffer.from(value),
        headers: { 'event-id': `id-${value}` },
      })),
    );

    const handled: string[] = [];
    const attempts = new Map<string, number>();
    const consumer = groups.create({
      groupId,
      topics: [topic],
      fromBeginning: true,
      onError: retryThenDeadLetter({ maxAttempts: 3, baseDelayMs: 10 }),
      handler: (message: InboundMessage) => {
        const value = message.value.toString('utf8');
        attempts.set(value, (attempts.get(value) ?? 0) + 1);
        if (value === 'poison') {
          return Promise.reject(
            new PermanentMessageError('undecodable', 'not a protobuf envelope'),
          );
        }
        if (value === 'flaky') return Promise.reject(new Error('database unavailable'));
        handled.push(value);
        return Promise.resolve();
      },
    });
    started.push(consumer);
    await consumer.start();
    await waitFor('all good messages handled', () => handled.length === 3);

    const deadLetters: InboundMessage[] = [];
    const dlqReader = groups.create({
      groupId: uniqueName('dlq-reader'),
      topics: [`${topic}.dlq`],
      fromBeginning: true,
      handler: (message) => {
        deadLetters.push(message);
        return Promise.resolve();
      },
    });
    started.push(dlqReader);
    await dlqReader.start();
    await waitFor('two dead letters', () => deadLetters.length === 2);

    expect(handled).toEqual(['ok-1', 'ok-2', 'ok-3']);
    expect(attempts.get('poison')).toBe(1);
    expect(attempts.get('flaky')).toBe(3);

    const [poison, flaky] = deadLetters;
    expect(poison?.value.toString('utf8')).toBe('poison');
    expect(poison?.key).toBe('poison');
    expect(poison?.headers).toMatchObject({
      'event-id': 'id-poison',
      [DEAD_LETTER_HEADERS.reason]: 'undecodable',
      [DEAD_LETTER_HEADERS.error]: 'PermanentMessageError: not a protobuf envelope',
      [DEAD_LETTER_HEADERS.sourceTopic]: topic,
      [DEAD_LETTER_HEADERS.sourcePartition]: '0',
      [DEAD_LETTER_HEADERS.sourceOffset]: '1',
      [DEAD_LETTER_HEADERS.consumerGroup]: groupId,
      [DEAD_LETTER_HEADERS.attempts]: '1',
    });
    expect(flaky?.headers).toMatchObject({
      [DEAD_LETTER_HEADERS.reason]: 'retries-exhausted',
      [DEAD_LETTER_HEADERS.error]: 'Error: database unavailable',
      [DEAD_LETTER_HEADERS.sourceOffset]: '3',
      [DEAD_LETTER_HEADERS.attempts]: '3',
    });
    expect(Number.isNaN(Date.parse(flaky?.headers[DEAD_LETTER_HEADERS.failedAt] ?? ''))).toBe(
      false,
    );

    // The group moved past both: nothing is redelivered after a restart.
    await consumer.stop();
    expect((await committedOffsets(groupId, topic)).get(0)).toBe(5);
  });

  it('takes whole batches through a batch handler and isolates a poison message of a failed batch', async () => {
    const topic = uniqueName('batch-source');
    const groupId = uniqueName('batch-group');
    await admin.ensureTopics([{ topic, numPartitions: 1 }]);
    const values = Array.from({ length: 50 }, (_, i) => (i === 30 ? 'poison' : `ok-${String(i)}`));
    await publisher.publish(
      topic,
      values.map((value) => ({ key: 'k', value: Buffer.from(value) })),
    );

    const applied: string[] = [];
    const batchSizes: number[] = [];
    const lags: bigint[] = [];
    const consumer = groups.create({
      groupId,
      topics: [topic],
      fromBeginning: true,
      onError: retryThenDeadLetter({ maxAttempts: 2, baseDelayMs: 10 }),
      // All or nothing, as a transaction would be.
      batchHandler: (messages, info) => {
        lags.push(info.offsetLag);
        const batch = messages.map((m) => m.value.toString('utf8'));
        if (batch.includes('poison'))
          return Promise.reject(new Error('batch has a poison message'));
        batchSizes.push(batch.length);
        applied.push(...batch);
        return Promise.resolve();
      },
      handler: (message) => {
        const value = message.value.toString('utf8');
        if (value === 'poison') {
          return Promise.reject(new PermanentMessageError('undecodable', 'poison'));
        }
        applied.push(value);
        return Promise.resolve();
      },
    });
    started.push(consumer);
    await consumer.start();
    await waitFor('every good message applied', () => applied.length === 49);

    expect(applied).toEqual(values.filter((v) => v !== 'poison'));
    await publisher.publish(topic, [{ key: 'k', value: Buffer.from('late-1') }]);
    await waitFor('a later batch applied', () => applied.includes('late-1'));
    // The fast path took the later batch whole; the failed one went message by message.
    expect(batchSizes.at(-1)).toBe(1);
    // Each batch says how far behind the partition's end it is: the last one, not at all.
    expect(lags.at(-1)).toBe(0n);
    expect(lags.every((lag) => lag >= 0n && lag < 51n)).toBe(true);
    await consumer.stop();
    expect((await committedOffsets(groupId, topic)).get(0)).toBe(51);
  });
});
