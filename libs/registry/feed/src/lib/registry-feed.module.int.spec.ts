import { SUBJECT_KEY_STORE } from '@gov/platform-data-protection';
import { Global, Logger, Module } from '@nestjs/common';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Pool } from 'pg';

import { EventSourcingModule, PostgresEventStore } from '@gov/platform-event-sourcing';
import { MessagingModule } from '@gov/platform-messaging';
import { createTestDatabase, testInfra, uniqueName } from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';

import {
  appendAll,
  feedTestKeys,
  newNationalId,
  personAppend,
  personLife,
} from '../testing/feed-fixtures';
import { readFeed, startMessaging, waitFor } from '../testing/feed-test-support';
import { RegistryFeedModule, RegistryFeedService } from './registry-feed.module';

let database: TestDatabase;
let pool: Pool;
let reader: INestApplicationContext;

beforeAll(async () => {
  database = await createTestDatabase('feed_module');
  pool = new Pool({ connectionString: database.url, max: 10 });
  pool.on('error', () => undefined);
  reader = await startMessaging();
});

afterAll(async () => {
  await reader.close();
  await pool.end();
  await database.drop();
});

/** The service kit's key store, as the feed finds it in the registry (global). */
@Global()
@Module({
  providers: [{ provide: SUBJECT_KEY_STORE, useValue: feedTestKeys }],
  exports: [SUBJECT_KEY_STORE],
})
class KeysModule {}

describe('RegistryFeedModule', () => {
  it('creates the feed topic, publishes the changes of the application’s store, and stops with it', async () => {
    const topic = uniqueName('registry-changes').replace(/_/g, '-');
    // The registry's root module, reduced to what the feed needs.
    @Module({
      imports: [
        EventSourcingModule.forRoot({
          pool,
          schema: uniqueName('registry'),
          producer: 'registry',
          migrateOnStart: true,
        }),
        MessagingModule.forRoot({
          clientId: uniqueName('registry'),
          brokers: testInfra().kafkaBrokers,
          sasl: testInfra().kafkaSasl,
          logLevel: 'error',
        }),
        RegistryFeedModule.forRoot({ topic, numPartitions: 2 }),
        KeysModule,
      ],
    })
    class RegistryLikeModule {}
    Logger.overrideLogger(['error']);
    const app = await NestFactory.createApplicationContext(RegistryLikeModule);
    const feed = app.get(RegistryFeedService).publisher;
    const anna = newNationalId();
    try {
      await waitFor('leadership', () => feed.role === 'leader');

      // Appends through the application's store wake the publisher at once.
      await appendAll(
        app.get(PostgresEventStore),
        personLife(anna, 'x').slice(0, 3).map(personAppend),
      );

      await waitFor('publication', () => feed.publishedPosition === 3n);
    } finally {
      await app.close();
    }
    expect(feed.role).toBe('stopped');
    const records = await readFeed(reader, topic, [anna]);
    expect(records.map((r) => [r.message.key, r.change.recordVersion])).toEqual([
      [anna, 1n],
      [anna, 2n],
      [anna, 3n],
    ]);
  });
});
