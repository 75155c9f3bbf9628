// What a consumer group reports to traces and metrics, on a real broker, with an in-memory span
// exporter standing in for the collector.
import type { INestApplicationContext } from '@nestjs/common';
import { SpanKind, context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

import {
  consumerDeadLetters,
  consumerHandled,
  consumerLag,
  consumerRetries,
} from '@gov/platform-observability';

import type { ConsumerGroup, InboundMessage } from './consumer-group';
import { ConsumerGroupFactory } from './consumer-group.factory';
import { PermanentMessageError, retryThenDeadLetter } from './dead-letter';
import { EventPublisher } from './event-publisher.service';
import { KafkaAdmin } from './kafka-admin.service';
import { startMessaging, uniqueName, waitFor } from './testing/kafka-test-support';

const PRODUCER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PRODUCER_SPAN = '00f067aa0ba902b7';

async function valueOf(
  metric: { get(): Promise<{ values: { labels: object; value: number }[] }> },
  labels: Record<string, string>,
): Promise<number | undefined> {
  const { values } = await metric.get();
  return values.find((value) =>
    Object.entries(labels).every(
      ([key, expected]) => (value.labels as Record<string, unknown>)[key] === expected,
    ),
  )?.value;
}

describe('consumer groups, observed (real broker)', () => {
  const exporter = new InMemorySpanExporter();
  let provider: TracerProvider;
  let app: INestApplicationContext;
  let publisher: EventPublisher;
  let admin: KafkaAdmin;
  let groups: ConsumerGroupFactory;
  const started: ConsumerGroup[] = [];

  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    trace.setGlobalTracerProvider(provider);
    app = await startMessaging();
    publisher = app.get(EventPublisher);
    admin = app.get(KafkaAdmin);
    groups = app.get(ConsumerGroupFactory);
  });

  afterAll(async () => {
    await Promise.all(started.map((group) => group.stop()));
    await app.close();
    await provider.shutdown();
    trace.disable();
    context.disable();
  });

  it('handles each message in a consumer span under its producer, and counts retries and dead letters', async () => {
    const topic = uniqueName('obs-source');
    const groupId = uniqueName('obs-group');
    await admin.ensureTopics([{ topic, numPartitions: 1 }]);
    await publisher.publish(
      topic,
      ['ok-1', 'poison', 'flaky', 'ok-2'].map((value) => ({
        key: value,
        value: Buffer.from(value),
        headers: { traceparent: `00-${PRODUCER_TRACE}-${PRODUCER_SPAN}-01` },
      })),
    );

    const handled: { value: string; traceId: string | undefined }[] = [];
    let flaky = 0;
    const consumer = groups.create({
      groupId,
      topics: [topic],
      fromBeginning: true,
      onError: retryThenDeadLetter({ maxAttempts: 5, baseDelayMs: 10 }),
      handler: (message: InboundMessage) => {
        const value = message.value.toString('utf8');
        if (value === 'poison') {
          return Promise.reject(new PermanentMessageError('undecodable', 'not an envelope'));
        }
        if (value === 'flaky' && (flaky += 1) <= 2) {
          return Promise.reject(new Error('database unavailable'));
        }
        handled.push({ value, traceId: trace.getActiveSpan()?.spanContext().traceId });
        return Promise.resolve();
      },
    });
    started.push(consumer);
    await consumer.start();
    await waitFor('the good messages handled', () => handled.length === 3, 30_000);

    // The handler ran inside the consumer span, in the producer's trace.
    expect(handled).toEqual([
      { value: 'ok-1', traceId: PRODUCER_TRACE },
      { value: 'flaky', traceId: PRODUCER_TRACE },
      { value: 'ok-2', traceId: PRODUCER_TRACE },
    ]);
    const processing = exporter
      .getFinishedSpans()
      .filter((span) => span.name === `process ${topic}`);
    expect(processing.length).toBeGreaterThanOrEqual(4);
    for (const span of processing) {
      expect(span.kind).toBe(SpanKind.CONSUMER);
      expect(span.parentSpanContext?.spanId).toBe(PRODUCER_SPAN);
    }

    expect(await valueOf(consumerRetries, { group: groupId, topic })).toBe(2);
    expect(await valueOf(consumerDeadLetters, { group: groupId, topic })).toBe(1);
    expect(await valueOf(consumerHandled, { group: groupId, topic })).toBe(3);
    expect(await valueOf(consumerLag, { group: groupId, topic, partition: '0' })).toBe(0);
  });
});
