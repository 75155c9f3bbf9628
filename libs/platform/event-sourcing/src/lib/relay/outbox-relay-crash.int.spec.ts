// The relay under SIGKILL: run it in a child process, kill it at random points while it
// publishes (and once exactly between a broker acknowledgement and the checkpoint), restart it,
// and prove that every event reaches Kafka, in order per stream, duplicated at most in the
// at-least-once way (same event id, same bytes).
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';

import type { INestApplicationContext } from '@nestjs/common';

import type { PostgresEventStore } from '../postgres/postgres-event-store';
import {
  checkRelayedRecords,
  newTopic,
  readTopicFully,
  startMessaging,
} from '../testing/kafka-test-support';
import { spawnFixture, stopGracefully } from '../testing/fixture-process';
import type { FixtureProcess } from '../testing/fixture-process';
import { testPostgres } from '../testing/pg-test-support';
import type { TestPostgres } from '../testing/pg-test-support';
import { appendSpread, waitFor } from '../testing/test-events';

let pg: TestPostgres;
let kafka: INestApplicationContext;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  pg = await testPostgres('relay_crash');
  kafka = await startMessaging();
});

afterEach(() => {
  for (const child of children) {
    child.kill('SIGKILL');
  }
  children.clear();
});

afterAll(async () => {
  await kafka.close();
  await pg.close();
});

/** A relay process and what it printed. */
interface RelayProcess extends FixtureProcess {
  /** Batches it reported published (after the broker's acknowledgement). */
  readonly published: [bigint, bigint][];
}

function startRelay(
  store: PostgresEventStore,
  topic: string,
  env: Record<string, string> = {},
): RelayProcess {
  const published: [bigint, bigint][] = [];
  const fixture = spawnFixture(
    join(__dirname, 'fixtures/relay-process.fixture.ts'),
    {
      DATABASE_URL: pg.database.url,
      ES_SCHEMA: store.schema,
      RELAY_TOPIC: topic,
      RELAY_BATCH_SIZE: '25',
      ...env,
    },
    (message) => {
      const batch = message['published'] as [string, string] | undefined;
      if (batch) published.push([BigInt(batch[0]), BigInt(batch[1])]);
    },
    children,
  );
  return { ...fixture, published };
}

async function checkpointOf(store: PostgresEventStore, topic: string): Promise<bigint> {
  const { rows } = await pg.pool.query<{ position: string }>(
    `SELECT position FROM "${store.schema}".relay_checkpoints WHERE name = $1`,
    [topic],
  );
  return BigInt(rows[0]?.position ?? '0');
}

/** Appends `count` events spread over `streams`, a few per append. */
function appendEvents(store: PostgresEventStore, streams: string[], count: number): Promise<void> {
  return appendSpread(store, streams, count, 4);
}

/** Runs a relay until it has published up to the log head, then stops it with SIGTERM. */
async function relayToTheEnd(store: PostgresEventStore, topic: string): Promise<void> {
  await store.sequence(1_000_000);
  const head = await store.headPosition();
  const final = startRelay(store, topic);
  await waitFor(
    'the last relay to reach the head',
    async () => (await checkpointOf(store, topic)) === head,
    60_000,
  );
  // The head may already be checkpointed by a victim: stop only once its handler is installed.
  expect(await stopGracefully(final)).toBe(0);
}

describe('the outbox relay killed with SIGKILL', () => {
  it('republishes the batch acknowledged before a kill that came before its checkpoint', async () => {
    const store = await pg.newStore();
    const topic = await newTopic(kafka);
    const streams = ['a', 'b', 'c'];
    await appendEvents(store, streams, 60);

    const killed = startRelay(store, topic, { RELAY_KILL_AFTER_PUBLISH: '1' });
    expect(await killed.exited).toBe('SIGKILL');
    expect(killed.published).toEqual([[1n, 25n]]);
    expect(await checkpointOf(store, topic)).toBe(0n);

    await relayToTheEnd(store, topic);

    const records = await readTopicFully(kafka, topic, streams);
    const { unique, duplicates } = checkRelayedRecords(records);
    expect(unique).toHaveLength(60);
    // Exactly the batch published before the kill came twice.
    expect(duplicates).toBe(25);
    const counts = new Map<bigint, number>();
    for (const { event } of records) {
      counts.set(event.globalPosition, (counts.get(event.globalPosition) ?? 0) + 1);
    }
    for (const [position, count] of counts) {
      expect([position, count]).toEqual([position, position <= 25n ? 2 : 1]);
    }
  });

  it('loses nothing and keeps each stream in order when killed at random points while publishing', async () => {
    const store = await pg.newStore();
    const topic = await newTopic(kafka);
    const streams = Array.from({ length: 30 }, (_, i) => `stream-${i}`);

    for (let round = 0; round < 5; round += 1) {
      // Each relay finds a backlog, and more events keep arriving while it runs.
      await appendEvents(store, streams, 300);
      const victim = startRelay(store, topic);
      const writing = appendEvents(store, streams, 120);
      await waitFor('a published batch', () => victim.published.length > 0, 60_000);
      // The kill point is random on purpose; nothing below depends on where it fell.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 100));
      victim.child.kill('SIGKILL');
      expect(await victim.exited).toBe('SIGKILL');
      await writing;
    }
    await relayToTheEnd(store, topic);

    const records = await readTopicFully(kafka, topic, streams);
    const { unique } = checkRelayedRecords(records);
    const stored = await store.readAll(1n, 10_000);
    expect(unique).toHaveLength(2_100);
    expect(new Set(unique.map((e) => e.eventId))).toEqual(new Set(stored.map((e) => e.eventId)));
  }, 300_000);
});
