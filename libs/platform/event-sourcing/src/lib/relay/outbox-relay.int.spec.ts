import type { INestApplicationContext } from '@nestjs/common';

import { EventPublisher } from '@gov/platform-messaging';

import type { EnvelopeRecord } from '../envelope/envelope';
import type { PostgresEventStore } from '../postgres/postgres-event-store';
import {
  checkRelayedRecords,
  newTopic,
  readTopicFully,
  startMessaging,
} from '../testing/kafka-test-support';
import { testPostgres } from '../testing/pg-test-support';
import type { TestPostgres } from '../testing/pg-test-support';
import { payloadText, testEvent, testMetadata, waitFor } from '../testing/test-events';
import { OutboxRelay } from './outbox-relay';
import type { EnvelopePublisher, OutboxRelayOptions, RelayLogger } from './outbox-relay';

let pg: TestPostgres;
let kafka: INestApplicationContext;
let publisher: EventPublisher;
const relays: OutboxRelay[] = [];

const quiet: RelayLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };

beforeAll(async () => {
  pg = await testPostgres('relay');
  kafka = await startMessaging();
  publisher = kafka.get(EventPublisher);
});

afterEach(async () => {
  await Promise.all(relays.splice(0).map((relay) => relay.stop()));
});

afterAll(async () => {
  await kafka.close();
  await pg.close();
});

function relay(options: Partial<OutboxRelayOptions> & Pick<OutboxRelayOptions, 'store' | 'topic'>) {
  const created = new OutboxRelay({ publisher, logger: quiet, ...options });
  relays.push(created);
  return created;
}

async function checkpointOf(store: PostgresEventStore, name: string): Promise<bigint> {
  const { rows } = await pg.pool.query<{ position: string }>(
    `SELECT position FROM "${store.schema}".relay_checkpoints WHERE name = $1`,
    [name],
  );
  return BigInt(rows[0]?.position ?? '0');
}

/** A publisher that holds each publish until released, and can be told to fail. */
class GatedPublisher implements EnvelopePublisher {
  calls = 0;
  failures = 0;
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

  async publish(topic: string, messages: readonly EnvelopeRecord[]): Promise<void> {
    this.calls += 1;
    await this.gate;
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error('broker unavailable (simulated)');
    }
    await publisher.publish(topic, messages);
  }
}

describe('OutboxRelay', () => {
  it('publishes every event in log order, keyed by stream, as decodable chained envelopes', async () => {
    const store = await pg.newStore('registry');
    const topic = await newTopic(kafka);
    const streams = Array.from({ length: 25 }, (_, i) => `person-${i}`);
    const writes = async (w: number) => {
      for (let i = 0; i < 20; i += 1) {
        const stream = streams[(w * 11 + i * 3) % streams.length]!;
        await store.append(
          stream,
          'any',
          Array.from({ length: 1 + (i % 3) }, (_, k) => testEvent(`${w}-${i}-${k}`)),
          testMetadata,
        );
      }
    };
    const running = relay({ store, topic, batchSize: 50 });
    running.start();

    await Promise.all([0, 1, 2, 3, 4].map(writes));
    await store.sequence();
    const head = await store.headPosition();
    await waitFor('the relay to publish everything', () => running.publishedPosition === head);

    const records = await readTopicFully(kafka, topic, streams);
    const { unique, duplicates } = checkRelayedRecords(records);
    expect(duplicates).toBe(0);
    expect(unique).toHaveLength(Number(head));
    const log = await store.readAll(1n, 10_000);
    expect(new Set(unique.map((e) => e.eventId))).toEqual(new Set(log.map((e) => e.eventId)));
    const byId = new Map(log.map((e) => [e.eventId, e]));
    for (const event of unique) {
      expect(event).toEqual(byId.get(event.eventId));
    }
    expect(await checkpointOf(store, topic)).toBe(head);
  });

  it('publishes right after an append in its process, without waiting for its poll', async () => {
    const store = await pg.newStore();
    const topic = await newTopic(kafka);
    // An idle poll this long would time the test out: only the store's notification can work.
    const running = relay({ store, topic, idlePollMs: 600_000 });
    running.start();
    await waitFor('leadership', () => running.role === 'leader');

    await store.append('s', 0, [testEvent('now')], testMetadata);

    await waitFor('the event to be published', () => running.publishedPosition === 1n, 10_000);
  });

  it('lets one instance relay while another stands by, and hands over on stop', async () => {
    const store = await pg.newStore();
    const topic = await newTopic(kafka);
    const first = relay({ store, topic, standbyPollMs: 20 });
    const second = relay({ store, topic, standbyPollMs: 20 });
    first.start();
    await waitFor('a leader', () => first.role === 'leader');
    second.start();
    await store.append('s', 0, [testEvent('1'), testEvent('2')], testMetadata);
    await waitFor('publication', () => first.publishedPosition === 2n);
    expect(second.role).toBe('standby');

    await first.stop();
    await waitFor('the standby to lead', () => second.role === 'leader');
    await store.append('s', 2, [testEvent('3')], testMetadata);
    await waitFor('publication by the new leader', () => second.publishedPosition === 3n);

    const { unique, duplicates } = checkRelayedRecords(await readTopicFully(kafka, topic, ['s']));
    expect(unique.map(payloadText)).toEqual(['1', '2', '3']);
    expect(duplicates).toBe(0);
  });

  it('survives losing its database session: it resigns, leads again and goes on', async () => {
    const store = await pg.newStore();
    const topic = await newTopic(kafka);
    const running = relay({ store, topic, errorBackoffMs: 5 });
    running.start();
    await store.append('s', 0, [testEvent('before')], testMetadata);
    await waitFor('publication', () => running.publishedPosition === 1n);

    // The server ends the leader's session, as a failover or an operator would.
    const { rows } = await pg.pool.query<{ ended: boolean }>(
      `SELECT pg_terminate_backend(pid) AS ended FROM pg_locks
       WHERE locktype = 'advisory' AND granted AND database =
             (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    expect(rows).toEqual([{ ended: true }]);
    await store.append('s', 1, [testEvent('after')], testMetadata);

    await waitFor('publication after the reconnect', () => running.publishedPosition === 2n);
    expect(running.role).toBe('leader');
    const { unique, duplicates } = checkRelayedRecords(await readTopicFully(kafka, topic, ['s']));
    expect(unique.map(payloadText)).toEqual(['before', 'after']);
    expect(duplicates).toBe(0);
  });

  it('finishes the batch in flight when stopped, checkpoint included', async () => {
    const store = await pg.newStore();
    const topic = await newTopic(kafka);
    const gated = new GatedPublisher();
    const running = relay({ store, topic, publisher: gated });
    gated.hold();
    running.start();
    await store.append('s', 0, [testEvent('a'), testEvent('b')], testMetadata);
    await waitFor('a publish in flight', () => gated.calls === 1);

    const stopped = running.stop();
    gated.release();
    await stopped;

    expect(running.role).toBe('stopped');
    expect(await checkpointOf(store, topic)).toBe(2n);
    const { unique } = checkRelayedRecords(await readTopicFully(kafka, topic, ['s']));
    expect(unique.map(payloadText)).toEqual(['a', 'b']);
  });

  it('retries a failed publish from its checkpoint and loses nothing', async () => {
    const store = await pg.newStore();
    const topic = await newTopic(kafka);
    const gated = new GatedPublisher();
    gated.failures = 2;
    const running = relay({ store, topic, publisher: gated, errorBackoffMs: 5 });
    await store.append('s', 0, [testEvent('a'), testEvent('b')], testMetadata);
    running.start();

    await waitFor('publication after the failures', () => running.publishedPosition === 2n);

    expect(gated.calls).toBe(3);
    const { unique, duplicates } = checkRelayedRecords(await readTopicFully(kafka, topic, ['s']));
    expect(unique.map(payloadText)).toEqual(['a', 'b']);
    expect(duplicates).toBe(0);
  });
});
