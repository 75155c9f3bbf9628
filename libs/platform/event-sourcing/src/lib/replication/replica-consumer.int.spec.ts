// The replica consumer on a real broker and PostgreSQL: a primary store published by its outbox
// relay, rebuilt on a second store from the topic (MirrorMaker 2 in between is covered by the
// infrastructure and embassy tests; what reaches the replica is the same records).
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Pool } from 'pg';

import { ConsoleLogger, Logger } from '@nestjs/common';
import type { INestApplicationContext } from '@nestjs/common';

import { freePort, startPostgres } from '@gov/platform-infra';
import type { PostgresNode } from '@gov/platform-infra';
import { ConsumerGroupFactory, EventPublisher } from '@gov/platform-messaging';
import { readTopicUntilSentinels } from '@gov/platform-messaging-testing';
import { uniqueName } from '@gov/platform-testing';

import { migrate } from '../postgres/migrate';
import { PostgresEventStore } from '../postgres/postgres-event-store';
import { OutboxRelay } from '../relay/outbox-relay';
import type { RelayLogger } from '../relay/outbox-relay';
import { spawnFixture, stopGracefully } from '../testing/fixture-process';
import type { FixtureProcess } from '../testing/fixture-process';
import { newTopic, startMessaging } from '../testing/kafka-test-support';
import { testPostgres } from '../testing/pg-test-support';
import type { TestPostgres } from '../testing/pg-test-support';
import { appendSpread, waitFor } from '../testing/test-events';
import { digestLog } from './log-digest';
import { ReplicaConsumer } from './replica-consumer';
import type { ReplicaDeadLetter } from './replica-consumer';
import type { HaltedStream } from './replica-applier';

let pg: TestPostgres;
let kafka: INestApplicationContext;
const stops: (() => Promise<void>)[] = [];
const children = new Set<ChildProcess>();

const quiet: RelayLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };

beforeAll(async () => {
  pg = await testPostgres('replica_consumer');
  kafka = await startMessaging();
});

afterEach(async () => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

afterAll(async () => {
  await kafka.close();
  await pg.close();
});

/** Appends `count` events over `streams` streams, one to three per append. */
function appendEvents(store: PostgresEventStore, streams: number, count: number): Promise<void> {
  const names = Array.from({ length: streams }, (_, i) => `stream-${i}`);
  return appendSpread(store, names, count, 3);
}

/** Publishes the primary's log to a new topic; `drained()` waits until all of it is there. */
async function publishing(
  primary: PostgresEventStore,
): Promise<{ topic: string; drained: () => Promise<void> }> {
  const topic = await newTopic(kafka, 3);
  const relay = new OutboxRelay({
    store: primary,
    topic,
    publisher: kafka.get(EventPublisher),
    logger: quiet,
  });
  stops.push(() => relay.stop());
  relay.start();
  const drained = () =>
    waitFor('the relay to publish the log', async () => {
      await primary.sequence();
      const head = await primary.headPosition();
      const { rows } = await pg.pool.query<{ position: string }>(
        `SELECT position FROM "${primary.schema}".relay_checkpoints WHERE name = $1`,
        [topic],
      );
      return head > 0n && rows[0]?.position === head.toString();
    });
  await drained();
  return { topic, drained };
}

function replicaOf(
  replica: PostgresEventStore,
  topic: string,
  deadLetters: ReplicaDeadLetter[] = [],
): ReplicaConsumer {
  const consumer = new ReplicaConsumer({
    store: replica,
    groups: kafka.get(ConsumerGroupFactory),
    topics: [topic],
    groupId: uniqueName('replica'),
    retry: { maxAttempts: 2, baseDelayMs: 10 },
    events: { deadLettered: (record) => deadLetters.push(record) },
  });
  stops.push(() => consumer.stop());
  return consumer;
}

describe('ReplicaConsumer', () => {
  it('rebuilds an identical log from the topic, dead-letters a poison record and goes on', async () => {
    const primary = await pg.newStore('registry');
    await appendEvents(primary, 20, 600);
    const { topic, drained } = await publishing(primary);
    // A record that is not an envelope, in the middle of the topic, then more events.
    await kafka
      .get(EventPublisher)
      .publish(topic, [{ key: 'stream-3', value: Buffer.from('not an envelope') }]);
    await appendEvents(primary, 20, 200);
    await drained();

    const replica = await pg.newStore('registry');
    const deadLetters: ReplicaDeadLetter[] = [];
    const consumer = replicaOf(replica, topic, deadLetters);
    await consumer.start();
    await waitFor(
      'the replica to reach the head',
      async () => (await replica.headPosition()) === 800n,
      60_000,
    );

    expect(await digestLog(replica, 800n)).toEqual(await digestLog(primary, 800n));
    expect(deadLetters).toEqual([expect.objectContaining({ topic, reason: 'undecodable' })]);
    const status = await consumer.status();
    expect(status).toMatchObject({ head: 800n, highestStored: 800n, halted: [], running: true });
    expect(status.deadLetters).toHaveLength(1);
    const dlq = await readTopicUntilSentinels(kafka, `${topic}.dlq`, ['stream-3'], (m) =>
      m.value.toString('utf8'),
    );
    expect(dlq.map((r) => r.value)).toEqual(['not an envelope']);
  });

  it('resumes after a SIGKILL in the middle of a replay, losing nothing and applying nothing twice', async () => {
    const primary = await pg.newStore('registry');
    await appendEvents(primary, 50, 6_000);
    const { topic } = await publishing(primary);
    const replica = await pg.newStore('registry');
    const group = uniqueName('replica');

    const victim = startReplica(replica, topic, group);
    await waitFor('a first applied batch', () => victim.batches.length > 0, 60_000);
    victim.child.kill('SIGKILL');
    expect(await victim.exited).toBe('SIGKILL');
    const before = await replica.headPosition();
    expect(before).toBeLessThan(6_000n);

    const second = startReplica(replica, topic, group);
    await waitFor(
      'the replica to reach the head',
      async () => (await replica.headPosition()) === 6_000n,
      60_000,
    );
    expect(await stopGracefully(second)).toBe(0);

    const { rows } = await pg.pool.query<{ n: string; ids: string }>(
      `SELECT count(*) AS n, count(DISTINCT event_id) AS ids FROM "${replica.schema}".events`,
    );
    expect(rows[0]).toEqual({ n: '6000', ids: '6000' });
    expect(await digestLog(replica, 6_000n)).toEqual(await digestLog(primary, 6_000n));
  }, 120_000);
});

describe('ReplicaConsumer while its PostgreSQL is down', () => {
  it('waits for the database and resumes: nothing dead-lettered, lost or applied twice', async () => {
    const primary = await pg.newStore('registry');
    await appendEvents(primary, 50, 2_000);
    const { topic, drained } = await publishing(primary);

    // The replica's own server, which this test can stop (the run's shared one cannot be).
    const dir = mkdtempSync(join(tmpdir(), 'replica-outage-'));
    chmodSync(dir, 0o755);
    const port = await freePort();
    let server: PostgresNode = await startPostgres({ dir, port, durable: false });
    const pool = new Pool({ connectionString: server.url(), max: 8 });
    pool.on('error', () => undefined);
    stops.push(async () => {
      await pool.end();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    const schema = uniqueName('es');
    await migrate(pool, { schema });
    const replica = new PostgresEventStore({ pool, schema, producer: 'registry' });

    // What the consumer group says about the outage, to check it says it once.
    const warnings: string[] = [];
    const notes: string[] = [];
    Logger.overrideLogger(
      new (class extends ConsoleLogger {
        override warn(message: unknown): void {
          warnings.push(String(message));
        }
        override log(message: unknown): void {
          notes.push(String(message));
        }
        override error(): void {
          // The broker's own complaints while topics settle; not what this test is about.
        }
      })(),
    );
    stops.push(() => {
      Logger.overrideLogger(new ConsoleLogger());
      return Promise.resolve();
    });
    const deadLetters: ReplicaDeadLetter[] = [];
    const halted: HaltedStream[] = [];
    let batches = 0;
    let duplicates = 0;
    const consumer = new ReplicaConsumer({
      store: replica,
      groups: kafka.get(ConsumerGroupFactory),
      topics: [topic],
      groupId: uniqueName('replica'),
      // Small fetches: many batches, so the outage falls in the middle of the replay.
      maxBytesPerPartition: 16 * 1024,
      events: {
        applied: (result) => {
          batches += 1;
          duplicates += result.duplicates;
        },
        halted: (stream) => halted.push(stream),
        deadLettered: (record) => deadLetters.push(record),
      },
    });
    stops.push(() => consumer.stop());
    await consumer.start();
    await waitFor('a first applied batch', () => batches > 0, 60_000);

    await server.stop();
    // Published while the replica's database is down: the consumer fetches them meanwhile.
    await appendEvents(primary, 50, 2_000);
    await drained();
    // Down for longer than the 5 attempts (100 ms doubling: 1.5 s) after which a failure that
    // is not an outage would be dead-lettered: seven retries of each partition's batch here.
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    expect(await replica.headPosition().catch(() => 'unavailable')).toBe('unavailable');
    server = await startPostgres({ dir, port, durable: false });

    // A dead letter leaves a gap in the log: the head would never get there.
    await waitFor(
      'the replica to reach the head (or to dead-letter)',
      async () => deadLetters.length > 0 || (await replica.headPosition()) === 4_000n,
      90_000,
    );
    expect(deadLetters).toEqual([]);
    expect(halted).toEqual([]);
    // The outage is said when it starts and when it ends, not once per retry (three partitions
    // retried for 12 s). Twice at most: a batch that committed as the server went down can end
    // the first outage an instant before the next one starts.
    const started = warnings.filter((w) => /dependency of the handler is unavailable/.test(w));
    const ended = notes.filter((n) => /Dependency available again/.test(n));
    expect(started.length).toBeGreaterThanOrEqual(1);
    expect(started.length).toBeLessThanOrEqual(2);
    expect(ended).toHaveLength(started.length);
    expect(warnings.filter((w) => /failed; handling it message by message/.test(w))).toEqual([]);
    const status = await consumer.status();
    expect(status).toMatchObject({ head: 4_000n, highestStored: 4_000n, halted: [] });
    // Never counted twice. A batch whose commit reached the server as it went down is stored
    // but not confirmed to the consumer: it is redelivered and then seen as duplicates, so
    // what the count lacks was seen again (the rows below show each event stored once).
    expect(status.appliedSinceStart).toBeLessThanOrEqual(4_000);
    expect(status.appliedSinceStart + duplicates).toBeGreaterThanOrEqual(4_000);
    // The replay's own window: from the first stored batch's arrival to the last one's storing.
    const window = status.replayWindow;
    if (window === null) throw new Error('no replay window after 4,000 events stored');
    expect(window.to.getTime()).toBeGreaterThan(window.from.getTime());
    const { rows } = await pool.query<{ n: string; ids: string }>(
      `SELECT count(*) AS n, count(DISTINCT event_id) AS ids FROM "${schema}".events`,
    );
    expect(rows[0]).toEqual({ n: '4000', ids: '4000' });
    expect(await digestLog(replica, 4_000n)).toEqual(await digestLog(primary, 4_000n));
    const dlq = await readTopicUntilSentinels(kafka, `${topic}.dlq`, ['end'], (m) =>
      m.value.toString('utf8'),
    );
    expect(dlq).toEqual([]);
  }, 240_000);
});

interface ReplicaProcess extends FixtureProcess {
  readonly batches: { applied: number; duplicates: number }[];
}

function startReplica(store: PostgresEventStore, topic: string, group: string): ReplicaProcess {
  const batches: { applied: number; duplicates: number }[] = [];
  const fixture = spawnFixture(
    join(__dirname, 'fixtures/replica-process.fixture.ts'),
    {
      DATABASE_URL: pg.database.url,
      ES_SCHEMA: store.schema,
      REPLICA_TOPIC: topic,
      REPLICA_GROUP: group,
    },
    (message) => {
      const { applied, duplicates } = message as { applied?: number; duplicates?: number };
      if (applied !== undefined) batches.push({ applied, duplicates: duplicates ?? 0 });
    },
    children,
  );
  return { ...fixture, batches };
}
