import { randomUUID } from 'node:crypto';

import type { INestApplicationContext } from '@nestjs/common';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';

import {
  KeyEncryptionKey,
  PostgresSubjectKeyStore,
  SubjectKeysTable1765000001000,
  decodeKeyRecord,
} from '@gov/platform-data-protection';
import { EventPublisher, KafkaAdmin } from '@gov/platform-messaging';
import { readTopicUntilSentinels, startTestMessaging } from '@gov/platform-messaging-testing';
import { SiteRole } from '@gov/platform-replication';
import { createTestDatabase, uniqueName } from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';

import type { EventSourcedServiceOptions } from '../event-sourced-service.options';
import { KeyRelay, keysTopicOf, keysTopicSpec } from './subject-keys';

let database: TestDatabase;
let pool: Pool;
let messaging: INestApplicationContext;

beforeAll(async () => {
  database = await createTestDatabase('key_relay');
  pool = new Pool({ connectionString: database.url, max: 4 });
  pool.on('error', () => undefined);
  messaging = await startTestMessaging('key-relay');
});

afterAll(async () => {
  await messaging.close();
  await pool.end();
  await database.drop();
});

/** A key store in a schema of its own, migrated as a service's own migrations are. */
async function keyStore(): Promise<PostgresSubjectKeyStore> {
  const schema = `keys_${randomUUID().slice(0, 8)}`;
  await pool.query(`CREATE SCHEMA ${schema}`);
  const dataSource = new DataSource({
    type: 'postgres',
    url: database.url,
    schema,
    migrations: [SubjectKeysTable1765000001000],
    migrationsTableName: 'typeorm_migrations',
  });
  await dataSource.initialize();
  try {
    await dataSource.runMigrations();
  } finally {
    await dataSource.destroy();
  }
  return new PostgresSubjectKeyStore(pool, schema, KeyEncryptionKey.generate());
}

/** A relay whose own loop is not started: the test drives it. */
async function relayOf(
  store: PostgresSubjectKeyStore,
): Promise<{ relay: KeyRelay; topic: string }> {
  const eventsTopic = `${uniqueName('svc').replace(/_/g, '-')}.events.v1`;
  const topic = keysTopicOf(eventsTopic);
  // One partition: the sentinel that ends a read-back follows every record.
  await messaging.get(KafkaAdmin).ensureTopics([{ ...keysTopicSpec(topic), numPartitions: 1 }]);
  const options = { config: { eventsTopic } } as unknown as EventSourcedServiceOptions;
  const relay = new KeyRelay(
    store,
    messaging.get(EventPublisher),
    messaging.get(KafkaAdmin),
    new SiteRole('primary'),
    options,
  );
  return { relay, topic };
}

describe('KeyRelay before the events relay', () => {
  it('writes the keys of a batch of sealed events to the keys topic before they go out', async () => {
    const store = await keyStore();
    const { relay, topic } = await relayOf(store);
    const anna = await store.keyFor('1983081246785');
    const ben = await store.keyFor('1990013112345');

    // A batch sealed under Anna's key only: her key (and Ben's, made before it) goes out first.
    await relay.relayedBefore([{ dataSubjectKeyId: anna.keyId }, { dataSubjectKeyId: null }]);

    await expect(store.awaitsRelay(topic, [anna.keyId, ben.keyId])).resolves.toBe(false);
    const written = await readTopicUntilSentinels(messaging, topic, ['end'], (message) =>
      decodeKeyRecord(message.key, message.value),
    );
    expect(written.map(({ value }) => [value.keyId, value.subjectId])).toEqual([
      [anna.keyId, '1983081246785'],
      [ben.keyId, '1990013112345'],
    ]);
  });

  it('looks no further for a batch without sealed events, or whose keys are out already', async () => {
    const store = await keyStore();
    const { relay, topic } = await relayOf(store);
    const anna = await store.keyFor('1983081246785');

    await relay.relayedBefore([{ dataSubjectKeyId: null }]);
    await expect(store.awaitsRelay(topic, [anna.keyId])).resolves.toBe(true);

    await relay.relayedBefore([{ dataSubjectKeyId: anna.keyId }]);
    await store.destroy('1983081246785', new Date());
    // Her destruction is a change of a key the batch does not name: not awaited by it.
    await relay.relayedBefore([{ dataSubjectKeyId: randomUUID() }]);
    await expect(store.awaitsRelay(topic, [anna.keyId])).resolves.toBe(true);
  });
});
