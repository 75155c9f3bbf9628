import { Logger, Module } from '@nestjs/common';
import type { DynamicModule, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

import { MessagingModule } from '@gov/platform-messaging';
import { testInfra, uniqueName } from '@gov/platform-testing';

import { SchemaNotMigratedError } from '../event-store/event-store-errors';
import type { EventStore } from '../event-store/event-store';
import { PostgresEventStore } from '../postgres/postgres-event-store';
import { checkRelayedRecords, readTopicFully, startMessaging } from '../testing/kafka-test-support';
import { testPostgres } from '../testing/pg-test-support';
import type { TestPostgres } from '../testing/pg-test-support';
import { payloadText, testEvent, testMetadata, waitFor } from '../testing/test-events';
import { EventSourcingModule } from './event-sourcing.module';
import { EVENT_STORE } from './event-sourcing.options';
import { OutboxRelayModule, OutboxRelayService } from './outbox-relay.module';

let pg: TestPostgres;

beforeAll(async () => {
  pg = await testPostgres('nest');
  Logger.overrideLogger(['error']);
});

afterAll(async () => {
  await pg.close();
});

function start(...imports: DynamicModule[]): Promise<INestApplicationContext> {
  @Module({ imports })
  class TestAppModule {}
  return NestFactory.createApplicationContext(TestAppModule);
}

describe('EventSourcingModule', () => {
  it('refuses to start on a schema that is not migrated', async () => {
    const schema = uniqueName('svc');

    await expect(
      start(EventSourcingModule.forRoot({ pool: pg.pool, schema, producer: 'registry' })),
    ).rejects.toBeInstanceOf(SchemaNotMigratedError);
  });

  it('migrates at start when told to, and provides the store as the port', async () => {
    const schema = uniqueName('svc');
    const app = await start(
      EventSourcingModule.forRootAsync({
        useFactory: () =>
          Promise.resolve({ pool: pg.pool, schema, producer: 'registry', migrateOnStart: true }),
      }),
    );
    try {
      const store = app.get<EventStore>(EVENT_STORE);
      expect(store).toBe(app.get(PostgresEventStore));
      await store.append('s', 0, [testEvent('a')], testMetadata);
      expect((await store.readStream('s')).map((e) => e.producer)).toEqual(['registry']);
    } finally {
      await app.close();
    }
  });
});

describe('OutboxRelayModule', () => {
  it('creates its topic, relays while the application runs and stops with it', async () => {
    const schema = uniqueName('svc');
    const topic = uniqueName('registry-events').replace(/_/g, '-');
    const app = await start(
      MessagingModule.forRoot({
        clientId: uniqueName('nest-relay'),
        brokers: testInfra().kafkaBrokers,
        sasl: testInfra().kafkaSasl,
        logLevel: 'error',
      }),
      EventSourcingModule.forRoot({
        pool: pg.pool,
        schema,
        producer: 'registry',
        migrateOnStart: true,
      }),
      OutboxRelayModule.forRoot({
        topic,
        ensureTopic: { numPartitions: 2, configs: { 'retention.ms': '-1' } },
      }),
    );
    const { relay } = app.get(OutboxRelayService);
    try {
      await app.get(PostgresEventStore).append('s', 0, [testEvent('x')], testMetadata);
      await waitFor('publication', () => relay.publishedPosition === 1n);
    } finally {
      await app.close();
    }
    expect(relay.role).toBe('stopped');

    const kafka = await startMessaging();
    try {
      const { unique } = checkRelayedRecords(await readTopicFully(kafka, topic, ['s']));
      expect(unique.map(payloadText)).toEqual(['x']);
    } finally {
      await kafka.close();
    }
  });
});
