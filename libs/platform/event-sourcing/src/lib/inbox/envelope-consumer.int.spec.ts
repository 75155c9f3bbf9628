import type { INestApplicationContext } from '@nestjs/common';

import { ConsumerGroupFactory, DEAD_LETTER_HEADERS, EventPublisher } from '@gov/platform-messaging';
import type { ConsumerGroup, InboundMessage } from '@gov/platform-messaging';
import { uniqueName } from '@gov/platform-testing';

import { toEnvelopeRecord } from '../envelope/envelope';
import type { PostgresEventStore } from '../postgres/postgres-event-store';
import { newTopic, startMessaging } from '../testing/kafka-test-support';
import { settle, testPostgres } from '../testing/pg-test-support';
import type { TestPostgres } from '../testing/pg-test-support';
import { payloadText, testEvent, testMetadata, waitFor } from '../testing/test-events';
import { createEnvelopeConsumer } from './envelope-consumer';
import { Inbox } from './inbox';

describe('envelope consumer (real Kafka and PostgreSQL)', () => {
  let app: INestApplicationContext;
  let pg: TestPostgres;
  let store: PostgresEventStore;
  const groups: ConsumerGroup[] = [];

  beforeAll(async () => {
    app = await startMessaging();
    pg = await testPostgres('envelope_consumer');
    store = await pg.newStore();
    await pg.pool.query(
      `CREATE TABLE ${store.schema}.applied (event_id uuid PRIMARY KEY, text text NOT NULL)`,
    );
  });

  afterAll(async () => {
    await Promise.all(groups.map((group) => group.stop()));
    await app.close();
    await pg.close();
  });

  it('applies each event once despite redelivery and dead-letters what breaks the contract', async () => {
    const topic = await newTopic(app);
    for (let i = 0; i < 12; i += 1) {
      await store.append(
        `stream-${String(i % 4)}`,
        'any',
        [testEvent(`event ${String(i)}`)],
        testMetadata,
      );
    }
    await settle(store);
    const events = await store.readAll(1n, 100);
    const records = events.map(toEnvelopeRecord);
    const publisher = app.get(EventPublisher);
    await publisher.publish(topic, records);
    // A relay that crashed between publishing and checkpointing publishes again.
    await publisher.publish(topic, records.slice(0, 5));
    const first = records[0];
    if (!first) throw new Error('no records');
    await publisher.publish(topic, [
      { key: 'garbage', value: Buffer.from('{"not":"protobuf"}'), headers: { 'event-id': 'x' } },
      {
        ...first,
        headers: { ...first.headers, 'event-id': '00000000-0000-4000-8000-000000000000' },
      },
    ]);

    const factory = app.get(ConsumerGroupFactory);
    const consumer = createEnvelopeConsumer(factory, {
      groupId: uniqueName('envelope-consumer'),
      topics: [topic],
      inbox: new Inbox({ pool: pg.pool, schema: store.schema, consumer: 'test.applied' }),
      retry: { maxAttempts: 2, baseDelayMs: 10 },
      handle: async ({ event, client }) => {
        // A primary key violation here would mean an event applied twice.
        await client.query(`INSERT INTO ${store.schema}.applied (event_id, text) VALUES ($1, $2)`, [
          event.eventId,
          payloadText(event),
        ]);
      },
    });
    groups.push(consumer);
    await consumer.start();

    const deadLetters: InboundMessage[] = [];
    const dlqReader = factory.create({
      groupId: uniqueName('dlq-reader'),
      topics: [`${topic}.dlq`],
      fromBeginning: true,
      handler: (message) => {
        deadLetters.push(message);
        return Promise.resolve();
      },
    });
    groups.push(dlqReader);
    await dlqReader.start();

    const count = async (): Promise<number> =>
      Number(
        (await pg.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${store.schema}.applied`))
          .rows[0]?.n,
      );
    await waitFor(
      '12 events applied and 2 dead letters',
      async () => (await count()) === 12 && deadLetters.length === 2,
    );

    const { rows } = await pg.pool.query<{ text: string }>(
      `SELECT text FROM ${store.schema}.applied ORDER BY text`,
    );
    expect(rows.map((row) => row.text)).toEqual(events.map(payloadText).sort());
    expect(deadLetters.map((m) => m.headers[DEAD_LETTER_HEADERS.reason]).sort()).toEqual([
      'invalid',
      'undecodable',
    ]);
    expect(deadLetters.every((m) => m.headers[DEAD_LETTER_HEADERS.attempts] === '1')).toBe(true);
    const inboxRows = await pg.pool.query(
      `SELECT 1 FROM ${store.schema}.inbox WHERE consumer = 'test.applied'`,
    );
    expect(inboxRows.rowCount).toBe(12);
  });
});
