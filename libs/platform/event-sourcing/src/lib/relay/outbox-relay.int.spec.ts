import type { INestApplicationContext } from '@nestjs/common';

import { EventPublisher } from '@gov/platform-messaging';

import { toEnvelopeRecord } from '../envelope/envelope';
import type { EnvelopeRecord } from '../envelope/envelope';
import type { PositionedEvent } from '../event-store/event-store';
import { PostgresEventStore } from '../postgres/postgres-event-store';
import {
  checkRelayedRecords,
  newTopic,
  readTopicFully,
  startMessaging,
} from '../testing/kafka-test-support';
import { testPostgres } from '../testing/pg-test-support';
import type { TestPostgres } from '../testing/pg-test-support';
import {
  TEST_EVENT_TYPE,
  payloadText,
  testEvent,
  testMetadata,
  waitFor,
} from '../testing/test-events';
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

/** The process ids of the sessions holding an advisory lock in the test database. */
async function advisoryLockHolders(): Promise<number[]> {
  const { rows } = await pg.pool.query<{ pid: number }>(
    `SELECT pid FROM pg_locks
     WHERE locktype = 'advisory' AND granted AND database =
           (SELECT oid FROM pg_database WHERE datname = current_database())`,
  );
  return rows.map((row) => row.pid);
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

  it('holds while told to (a replica catching up), then goes on from its checkpoint', async () => {
    const store = await pg.newStore();
    const topic = await newTopic(kafka);
    let hold = true;
    const running = relay({ store, topic, idlePollMs: 10, holdWhile: () => hold });
    running.start();
    await store.append('s', 0, [testEvent('one'), testEvent('two')], testMetadata);
    await store.sequence();

    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(running.publishedPosition).toBe(0n);
    expect(await checkpointOf(store, topic)).toBe(0n);

    hold = false;
    await waitFor(
      'the held events to be published',
      () => running.publishedPosition === 2n,
      10_000,
    );
    expect(await checkpointOf(store, topic)).toBe(2n);
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

  it('publishes what its mapping makes of each batch: read upcast if asked, nothing for some batches, a failed mapping retried on the same session', async () => {
    const store = await pg.newStore();
    const encoder = new TextEncoder();
    // The same log, read through an upcaster that upper-cases the test payloads.
    const upcasting = new PostgresEventStore({
      pool: pg.pool,
      schema: store.schema,
      producer: 'test-service',
      upcasters: [
        {
          eventType: TEST_EVENT_TYPE,
          fromVersion: 1,
          upcast: (event) => ({
            ...event,
            payloadSchemaVersion: 2,
            payload: encoder.encode(payloadText(event).toUpperCase()),
          }),
        },
      ],
    });
    const topic = await newTopic(kafka);
    const warnings: string[] = [];
    const errors: string[] = [];
    const acknowledged: string[][] = [];
    let failNext = false;
    const mapped = new OutboxRelay<PositionedEvent, EnvelopeRecord>({
      store: upcasting,
      publisher,
      topic,
      errorBackoffMs: 5,
      label: 'test mapping',
      logger: {
        log: () => undefined,
        warn: (message) => warnings.push(message),
        error: (message) => errors.push(message),
      },
      mapping: {
        upcast: true,
        select: (events, warn) => {
          if (failNext) {
            failNext = false;
            throw new Error('cannot map (simulated)');
          }
          for (const event of events.filter((e) => e.streamId !== 'keep')) {
            warn(`left out ${event.streamId}@${event.streamVersion}`);
          }
          return events.filter((event) => event.streamId === 'keep');
        },
        toRecord: toEnvelopeRecord,
      },
      afterPublish: (items) => {
        acknowledged.push(items.map(payloadText));
      },
    });
    relays.push(mapped);
    mapped.start();
    await store.append('keep', 0, [testEvent('a'), testEvent('b')], testMetadata);
    await waitFor('the mapped batch', () => mapped.publishedPosition === 2n);
    const leaderSession = await advisoryLockHolders();
    expect(leaderSession).toHaveLength(1);

    failNext = true;
    await store.append('skip', 0, [testEvent('x'), testEvent('y')], testMetadata);
    await waitFor('the checkpoint past a batch of nothing', () => mapped.publishedPosition === 4n);

    expect(errors).toEqual([
      `test mapping ${topic}: iteration failed (1 in a row); retrying from position 3`,
    ]);
    expect(warnings).toEqual([
      `test mapping ${topic}: left out skip@1`,
      `test mapping ${topic}: left out skip@2`,
    ]);
    expect(await advisoryLockHolders()).toEqual(leaderSession);
    expect(mapped.role).toBe('leader');
    expect(acknowledged).toEqual([['A', 'B'], []]);
    expect(mapped.publishedCount).toBe(2);
    expect(mapped.topicName).toBe(topic);
    expect(await checkpointOf(store, topic)).toBe(4n);
    const records = await readTopicFully(kafka, topic, ['keep', 'skip']);
    expect(
      records.map(({ event }) => [event.streamId, event.payloadSchemaVersion, payloadText(event)]),
    ).toEqual([
      ['keep', 2, 'A'],
      ['keep', 2, 'B'],
    ]);
  });

  it('counts the events it published', async () => {
    const store = await pg.newStore();
    const topic = await newTopic(kafka);
    const running = relay({ store, topic });
    running.start();
    await store.append('s', 0, [testEvent('a'), testEvent('b'), testEvent('c')], testMetadata);
    await waitFor('publication', () => running.publishedPosition === 3n);
    expect(running.publishedCount).toBe(3);
    expect(running.topicName).toBe(topic);
  });

  it('takes its leader lock in its namespace: a relay of the same name in another one leads beside it', async () => {
    const store = await pg.newStore();
    const topic = await newTopic(kafka);
    const first = relay({ store, topic, standbyPollMs: 20 });
    const same = relay({ store, topic, standbyPollMs: 20 });
    const other = relay({ store, topic, standbyPollMs: 20, lockNamespace: 'test.other-relay' });
    first.start();
    await waitFor('a leader', () => first.role === 'leader');
    same.start();
    other.start();

    await waitFor('the other namespace to lead', () => other.role === 'leader');
    expect(same.role).toBe('standby');
    expect(await advisoryLockHolders()).toHaveLength(2);
  });
});
