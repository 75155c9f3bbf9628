import { KeyRing } from '@gov/platform-data-protection';
import type { SubjectKeys } from '@gov/platform-data-protection';
import { toBinary } from '@bufbuild/protobuf';
import type { INestApplicationContext } from '@nestjs/common';
import { Pool } from 'pg';

import { RecordChangeSchema } from '@gov/contracts';
import type { RecordChange } from '@gov/contracts';
import type { PositionedEvent, PostgresEventStore } from '@gov/platform-event-sourcing';
import { EventPublisher } from '@gov/platform-messaging';
import { createTestDatabase } from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';
import {
  NO_PERSONAL_DATA,
  businessEventsCodec,
  personEventsCodec,
} from '@gov/registry-application';
import { businessDecider, personDecider } from '@gov/registry-domain';
import type { BusinessState, PersonState } from '@gov/registry-domain';

import {
  appendAll,
  interleavedLog,
  newBusinessNumber,
  newNationalId,
  personAppend,
  personLife,
  acceptedCorrection,
  correctionAppend,
  accessAppend,
  accessed,
  at,
  feedTestKeys,
} from '../testing/feed-fixtures';
import {
  checkpointOf,
  newFeedTopic,
  newStore,
  quiet,
  readFeed,
  settle,
  startMessaging,
  waitFor,
} from '../testing/feed-test-support';
import type { FeedRecord } from '../testing/feed-test-support';
import { RECORD_CHANGE_CONTENT_TYPE } from './feed-topic';
import { businessRecordChange, personRecordChange } from './record-change';
import { RecordChangePublisher } from './record-change-publisher';
import type { RecordChangePublisherOptions } from './record-change-publisher';

const CORRECTION = '3d2c1b0a-5f4e-4b6a-8d7c-0f9e8d7c6b5a';

let database: TestDatabase;
let pool: Pool;
let kafka: INestApplicationContext;
const running: RecordChangePublisher[] = [];

beforeAll(async () => {
  database = await createTestDatabase('feed');
  pool = new Pool({ connectionString: database.url, max: 10 });
  pool.on('error', () => undefined);
  kafka = await startMessaging();
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((publisher) => publisher.stop()));
});

afterAll(async () => {
  await kafka.close();
  await pool.end();
  await database.drop();
});

function feedPublisher(
  options: Partial<RecordChangePublisherOptions> &
    Pick<RecordChangePublisherOptions, 'store' | 'topic'>,
): RecordChangePublisher {
  const created = new RecordChangePublisher({
    publisher: kafka.get(EventPublisher),
    logger: quiet,
    keyStore: feedTestKeys,
    ...options,
  });
  running.push(created);
  return created;
}

/**
 * What the feed must say for each record event of the log, computed independently of the
 * publisher's batching and caching: each record's events folded from version 1 with the
 * deciders, mapped to their change messages.
 */
function expectedChanges(
  log: readonly PositionedEvent[],
  keys: SubjectKeys,
): Map<string, RecordChange> {
  const persons = new Map<string, PersonState>();
  const businesses = new Map<string, BusinessState>();
  const expected = new Map<string, RecordChange>();
  for (const event of log) {
    const at = { version: event.streamVersion, occurredAt: event.occurredAt };
    let change: RecordChange | undefined;
    if (personEventsCodec.eventTypes.includes(event.eventType)) {
      const decoded = personEventsCodec.decode(event, keys);
      const state = personDecider.evolve(
        persons.get(event.streamId) ?? personDecider.initialState,
        decoded,
      );
      persons.set(event.streamId, state);
      change = personRecordChange(decoded, state, at);
    } else if (businessEventsCodec.eventTypes.includes(event.eventType)) {
      const decoded = businessEventsCodec.decode(event, NO_PERSONAL_DATA);
      const state = businessDecider.evolve(
        businesses.get(event.streamId) ?? businessDecider.initialState,
        decoded,
      );
      businesses.set(event.streamId, state);
      change = businessRecordChange(decoded, state, at);
    }
    if (change) expected.set(event.eventId, change);
  }
  return expected;
}

/** Per key, the record versions in the order they were read. */
function versionsByKey(records: readonly FeedRecord[]): Map<string, number[]> {
  const byKey = new Map<string, number[]>();
  for (const { message, change } of records) {
    const key = message.key ?? '';
    byKey.set(key, [...(byKey.get(key) ?? []), Number(change.recordVersion)]);
  }
  return byKey;
}

describe('RecordChangePublisher', () => {
  it('publishes one RecordChange per record event, with the record after it, in version order per key; nothing for corrections or reads', async () => {
    const store = await newStore(pool);
    const topic = await newFeedTopic(kafka);
    const [anna, ben, business] = [
      newNationalId('1983-08-12'),
      newNationalId('1990-01-31'),
      newBusinessNumber(),
    ];
    await appendAll(store, interleavedLog(anna, ben, business, CORRECTION));
    // Small batches: several checkpoints, and streams that continue from an earlier batch.
    const publisher = feedPublisher({ store, topic, batchSize: 4 });

    publisher.start();
    const head = await settle(store);
    await waitFor('everything published', () => publisher.publishedPosition === head);

    const log = await store.readAll(1n, 1_000);
    const streams = [...new Set(log.map((e) => e.streamId))];
    expect(streams.filter((s) => /^(correction|access)-/.test(s))).toHaveLength(3);
    const records = await readFeed(kafka, topic, streams);

    const expected = expectedChanges(
      log,
      await KeyRing.forReading(
        feedTestKeys,
        log.flatMap((event) => (event.dataSubjectKeyId === null ? [] : [event.dataSubjectKeyId])),
      ),
    );
    expect(records).toHaveLength(6 + 3 + 5);
    expect(records).toHaveLength(expected.size);
    expect(versionsByKey(records)).toEqual(
      new Map<string, number[]>([
        [anna, [1, 2, 3, 4, 5, 6]],
        [ben, [1, 2, 3]],
        [business, [1, 2, 3, 4, 5]],
      ]),
    );
    const byId = new Map(log.map((e) => [e.eventId, e]));
    for (const { message, change } of records) {
      const eventId = message.headers['event-id'] ?? '';
      const source = byId.get(eventId);
      expect(message.headers['content-type']).toBe(RECORD_CHANGE_CONTENT_TYPE);
      expect([message.key, source?.streamId, Number(change.recordVersion)]).toEqual([
        change.recordId,
        change.recordId,
        source?.streamVersion,
      ]);
      expect(change).toEqual(expected.get(eventId));
    }

    // The last word on each record is its complete current state.
    const last = records.filter((r) => r.message.key === anna).at(-1)?.change.record;
    expect(last?.case === 'person' && last.value).toMatchObject({
      nationalId: anna,
      familyName: 'Schmit-Weber',
      placeOfBirth: { locality: 'Diekirch', country: 'LU' },
      dateOfDeath: '2026-02-01',
      civilStatusSince: '2024-05-04',
    });
    expect(await checkpointOf(pool, store, topic)).toBe(head);
    expect(publisher.publishedCount).toBe(14);
  });

  it('after a stop between the acknowledgement and the checkpoint, a restarted publisher publishes the same changes again, which subscribers skip by record_version', async () => {
    const store = await newStore(pool);
    const topic = await newFeedTopic(kafka);
    const anna = newNationalId();
    await appendAll(store, [
      ...personLife(anna, CORRECTION).slice(0, 3).map(personAppend),
      ...acceptedCorrection(anna, CORRECTION).map(correctionAppend),
      accessAppend(accessed(anna, at(9))),
    ]);
    const head = await settle(store);
    let hookCalls = 0;
    const crashing = feedPublisher({
      store,
      topic,
      // The process "dies" right after the acknowledgement: it never checkpoints, and would
      // only try again after a minute.
      afterPublish: () => {
        hookCalls += 1;
        throw new Error('crash between acknowledgement and checkpoint (test hook)');
      },
      errorBackoffMs: 60_000,
    });

    crashing.start();
    await waitFor('a published, unchecked batch', () => hookCalls === 1);
    await crashing.stop();
    expect(await checkpointOf(pool, store, topic)).toBeUndefined();

    const restarted = feedPublisher({ store, topic });
    restarted.start();
    await waitFor('everything published again', () => restarted.publishedPosition === head);

    const streams = [...new Set((await store.readAll(1n, 100)).map((e) => e.streamId))];
    const records = await readFeed(kafka, topic, streams);
    expect(versionsByKey(records)).toEqual(new Map([[anna, [1, 2, 3, 1, 2, 3]]]));
    const firstRun = records.slice(0, 3);
    const secondRun = records.slice(3);
    secondRun.forEach((record, i) => {
      expect(Buffer.compare(record.message.value, firstRun[i]!.message.value)).toBe(0);
      expect(record.message.headers).toEqual(firstRun[i]!.message.headers);
    });
    // A subscriber that keeps the version it applied per record ends with versions 1, 2, 3.
    const applied = new Map<string, bigint>();
    const appliedChanges: RecordChange[] = [];
    for (const { change } of records) {
      if ((applied.get(change.recordId) ?? 0n) >= change.recordVersion) continue;
      applied.set(change.recordId, change.recordVersion);
      appliedChanges.push(change);
    }
    expect(appliedChanges.map((c) => c.recordVersion)).toEqual([1n, 2n, 3n]);
    expect(await checkpointOf(pool, store, topic)).toBe(head);
    expect(toBinary(RecordChangeSchema, appliedChanges[2]!)).toEqual(
      new Uint8Array(secondRun[2]!.message.value),
    );
  });

  it('publishes right after an append in its process, without waiting for its poll', async () => {
    const store = await newStore(pool);
    const topic = await newFeedTopic(kafka, 1);
    const publisher = feedPublisher({ store, topic, idlePollMs: 600_000 });
    publisher.start();
    await waitFor('leadership', () => publisher.role === 'leader');

    await appendAll(store, personLife(newNationalId(), CORRECTION).slice(0, 1).map(personAppend));

    await waitFor('the change to be published', () => publisher.publishedPosition === 1n, 10_000);
  });

  it('lets one instance publish while another stands by, and hands over on stop', async () => {
    const store = await newStore(pool);
    const topic = await newFeedTopic(kafka, 1);
    const anna = newNationalId();
    const life = personLife(anna, CORRECTION).map(personAppend);
    const first = feedPublisher({ store, topic, standbyPollMs: 20 });
    const second = feedPublisher({ store, topic, standbyPollMs: 20 });
    first.start();
    await waitFor('a leader', () => first.role === 'leader');
    second.start();
    await appendAll(store, life.slice(0, 2));
    await waitFor('publication', () => first.publishedPosition === 2n);
    expect(second.role).toBe('standby');

    await first.stop();
    await waitFor('the standby to lead', () => second.role === 'leader');
    await appendAll(store, life.slice(2, 3));
    await waitFor('publication by the new leader', () => second.publishedPosition === 3n);

    const records = await readFeed(kafka, topic, [anna]);
    expect(versionsByKey(records)).toEqual(new Map([[anna, [1, 2, 3]]]));
  });

  it('keeps retrying a failed publish from its checkpoint and loses nothing', async () => {
    const store: PostgresEventStore = await newStore(pool);
    const topic = await newFeedTopic(kafka, 1);
    const anna = newNationalId();
    let failures = 2;
    const real = kafka.get(EventPublisher);
    const publisher = feedPublisher({
      store,
      topic,
      errorBackoffMs: 5,
      publisher: {
        publish: (t, messages) => {
          if (failures > 0) {
            failures -= 1;
            return Promise.reject(new Error('broker unavailable (simulated)'));
          }
          return real.publish(t, messages);
        },
      },
    });
    await appendAll(store, personLife(anna, CORRECTION).slice(0, 2).map(personAppend));

    publisher.start();
    await waitFor('publication', () => publisher.publishedPosition === 2n);

    expect(failures).toBe(0);
    const records = await readFeed(kafka, topic, [anna]);
    expect(versionsByKey(records)).toEqual(new Map([[anna, [1, 2]]]));
  });

  it('excludes instances by the change feed’s own lock, as earlier versions of it did, and logs as the change feed', async () => {
    const store = await newStore(pool);
    const topic = await newFeedTopic(kafka, 1);
    // An instance of an earlier version holding the lock (named as it named it).
    const earlier = await pool.connect();
    const lock = `gov.registry.change-feed:${store.schema}:${topic}`;
    await earlier.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [lock]);
    const logged: string[] = [];
    const publisher = feedPublisher({
      store,
      topic,
      standbyPollMs: 20,
      logger: {
        log: (message) => logged.push(message),
        warn: () => undefined,
        error: () => undefined,
      },
    });
    try {
      publisher.start();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(publisher.role).toBe('standby');
    } finally {
      await earlier.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [lock]);
      earlier.release();
    }
    await waitFor('leadership once the lock is released', () => publisher.role === 'leader');
    expect(publisher.topicName).toBe(topic);
    expect(logged).toEqual([
      `change feed ${topic}: leading, publishing to ${topic} from position 1`,
    ]);
  });
});
