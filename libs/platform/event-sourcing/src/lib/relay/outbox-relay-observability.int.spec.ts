// Traces and metrics of the append path and the relay, on real PostgreSQL, with an in-memory
// span exporter standing in for the collector. Kafka is not needed: the publisher records.
import { SpanKind, context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

import {
  eventStoreAppendDuration,
  inSpan,
  metricsRegistry,
  relayLagEvents,
  relayLagSeconds,
  relayPublished,
} from '@gov/platform-observability';

import type { EnvelopeRecord } from '../envelope/envelope';
import { testPostgres } from '../testing/pg-test-support';
import type { TestPostgres } from '../testing/pg-test-support';
import { testEvent, testMetadata, waitFor } from '../testing/test-events';
import { OutboxRelay } from './outbox-relay';
import type { EnvelopePublisher, RelayLogger } from './outbox-relay';

const quiet: RelayLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** Keeps what is published; holds each publish while `held`. */
class RecordingPublisher implements EnvelopePublisher {
  readonly records: EnvelopeRecord[] = [];
  private gate: Promise<void> = Promise.resolve();
  private open: () => void = () => undefined;

  hold(): void {
    this.gate = new Promise((resolve) => {
      this.open = resolve;
    });
  }

  release(): void {
    this.open();
  }

  async publish(_topic: string, messages: readonly EnvelopeRecord[]): Promise<void> {
    await this.gate;
    this.records.push(...messages);
  }
}

const exporter = new InMemorySpanExporter();
let provider: TracerProvider;
let pg: TestPostgres;
const relays: OutboxRelay[] = [];

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  trace.setGlobalTracerProvider(provider);
  pg = await testPostgres('relay_obs');
});

afterEach(async () => {
  await Promise.all(relays.splice(0).map((relay) => relay.stop()));
  exporter.reset();
});

afterAll(async () => {
  await pg.close();
  await provider.shutdown();
  trace.disable();
  context.disable();
});

async function metricValue(
  metric: { get(): Promise<{ values: { labels: object; value: number; metricName?: string }[] }> },
  labels: Record<string, string>,
  metricName?: string,
): Promise<number | undefined> {
  const { values } = await metric.get();
  return values.find(
    (value) =>
      (metricName === undefined || value.metricName === metricName) &&
      Object.entries(labels).every(
        ([key, expected]) => (value.labels as Record<string, unknown>)[key] === expected,
      ),
  )?.value;
}

describe('the append path and the relay, observed', () => {
  it('records the append span’s trace context with the events and publishes it in the trace', async () => {
    const store = await pg.newStore();
    const publisher = new RecordingPublisher();
    const topic = `obs.${store.schema}.v1`;
    const relay = new OutboxRelay({ store, publisher, topic, logger: quiet });
    relays.push(relay);

    const requestTraceId = await inSpan('POST /things', { kind: SpanKind.SERVER }, async (span) => {
      await store.append('thing-1', 0, [testEvent('one'), testEvent('two')], testMetadata);
      return span.spanContext().traceId;
    });
    relay.start();
    await waitFor('both events published', () => publisher.records.length === 2, 10_000);

    const spans = exporter.getFinishedSpans();
    const append = spans.find((span) => span.name === 'event-store append');
    const request = spans.find((span) => span.name === 'POST /things');
    expect(append?.parentSpanContext?.spanId).toBe(request?.spanContext().spanId);
    const expected = `00-${requestTraceId}-${append?.spanContext().spanId ?? ''}-01`;
    const [stored] = await store.readStream('thing-1');
    expect(stored?.traceparent).toBe(expected);
    expect(publisher.records.map((record) => record.headers['traceparent'])).toEqual([
      expected,
      expected,
    ]);

    await waitFor('the publish span', () =>
      exporter.getFinishedSpans().some((span) => span.name === `publish ${topic}`),
    );
    const publish = exporter.getFinishedSpans().find((span) => span.name === `publish ${topic}`);
    expect(publish?.kind).toBe(SpanKind.PRODUCER);
    expect(publish?.spanContext().traceId).toBe(requestTraceId);
    expect(publish?.parentSpanContext?.spanId).toBe(append?.spanContext().spanId);
  });

  it('times appends and reports the relay’s lag and what it published', async () => {
    const store = await pg.newStore();
    const publisher = new RecordingPublisher();
    const topic = `obs.${store.schema}.v1`;
    const relay = new OutboxRelay({ store, publisher, topic, logger: quiet });
    relays.push(relay);
    metricsRegistry.resetMetrics();

    publisher.hold();
    await store.append(
      'thing-2',
      0,
      [testEvent('a'), testEvent('b'), testEvent('c')],
      testMetadata,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    relay.start();

    await waitFor(
      'the relay to see 3 events waiting',
      async () => (await metricValue(relayLagEvents, { topic })) === 3,
      10_000,
    );
    expect(await metricValue(relayLagSeconds, { topic })).toBeGreaterThanOrEqual(0.05);
    expect(
      await metricValue(
        eventStoreAppendDuration,
        { schema: store.schema, outcome: 'ok' },
        'event_store_append_duration_seconds_count',
      ),
    ).toBe(1);

    publisher.release();
    await waitFor('the events to be published', () => relay.publishedPosition === 3n, 10_000);
    await waitFor(
      'the relay to report itself caught up',
      async () => (await metricValue(relayLagEvents, { topic })) === 0,
      10_000,
    );
    expect(await metricValue(relayLagSeconds, { topic })).toBe(0);
    expect(await metricValue(relayPublished, { topic })).toBe(3);
  });
});
