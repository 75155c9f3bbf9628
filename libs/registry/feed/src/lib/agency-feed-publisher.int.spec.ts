import { create, toJson } from '@bufbuild/protobuf';
import type { INestApplicationContext } from '@nestjs/common';
import { Pool } from 'pg';

import { AddressSchema, ChangeKind, RecordChangeSchema } from '@gov/contracts';
import type { PostgresEventStore } from '@gov/platform-event-sourcing';
import { parseLegalBasisCatalogue } from '@gov/platform-legal-bases';
import { EventPublisher } from '@gov/platform-messaging';
import { createTestDatabase } from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';
import { AgencyFeedCuts } from '@gov/registry-application';
import type { PersonEvent } from '@gov/registry-domain';

import {
  appendAll,
  businessAppend,
  businessLife,
  feedTestKeys,
  LUXEMBOURG,
  newBusinessNumber,
  newNationalId,
  personAppend,
  personLife,
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
import { AGENCY_FEEDS_RELAY, AgencyFeedsPublisher } from './agency-feed-publisher';
import type { AgencyFeedsPublisherOptions } from './agency-feed-publisher';

const CORRECTION = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';

let database: TestDatabase;
let pool: Pool;
let kafka: INestApplicationContext;
const running: AgencyFeedsPublisher[] = [];

beforeAll(async () => {
  database = await createTestDatabase('agency_feed');
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

/** A publisher of the feeds of `options.feeds` (one organisation and its topic, say). */
function agencyPublisher(
  options: Partial<AgencyFeedsPublisherOptions> &
    Pick<AgencyFeedsPublisherOptions, 'store' | 'feeds'>,
): AgencyFeedsPublisher {
  const created = new AgencyFeedsPublisher({
    publisher: kafka.get(EventPublisher),
    logger: quiet,
    keyStore: feedTestKeys,
    ...options,
  });
  running.push(created);
  return created;
}

/** A catalogue giving ccss and cae a feed on a basis with these categories each. */
function catalogue(bases: { readonly ccss?: string[]; readonly cae?: string[] }) {
  const organisations = ['ccss', 'cae'].map((id) => ({
    id,
    name: id.toUpperCase(),
    contact: 'dpo@example.lu',
    policyUrl: `https://${id}.example.lu/privacy`,
  }));
  const entries = Object.entries(bases);
  return parseLegalBasisCatalogue({
    organisations,
    legalBases: entries.map(([organisationId, categories]) => ({
      id: `${organisationId}-feed`,
      organisationId,
      provision: 'art. 1',
      categories,
      purposes: ['feed'],
    })),
    feeds: entries.map(([organisationId]) => ({
      organisationId,
      legalBasisId: `${organisationId}-feed`,
    })),
  });
}

const CCSS = [
  'persons.national_id',
  'persons.family_name',
  'persons.address',
  'persons.date_of_death',
];
const CAE = ['persons.national_id', 'persons.address', 'persons.civil_status'];

/** What a subscriber sees of a message: tombstones as such, records as their JSON. */
function seen(record: FeedRecord): unknown {
  if (record.message.headers['content-type'] === undefined) {
    return { key: record.message.key, tombstone: true };
  }
  const json = toJson(RecordChangeSchema, record.change) as Record<string, unknown>;
  const view = json['view'] as { version: number } | undefined;
  return {
    key: record.message.key,
    kind: json['kind'],
    version: Number(record.change.recordVersion),
    view: view?.version,
    changed: json['changedFields'],
    record: json['person'] ?? json['business'],
  };
}

/** Starts the publisher of ccss's and cae's feeds on fresh topics; waits until it reached the head. */
async function publishBoth(store: PostgresEventStore) {
  const topics = { ccss: await newFeedTopic(kafka, 2), cae: await newFeedTopic(kafka, 2) };
  const publisher = agencyPublisher({
    store,
    feeds: [
      { organisationId: 'ccss', topic: topics.ccss },
      { organisationId: 'cae', topic: topics.cae },
    ],
    // Small batches of the log and small produce calls: a re-cut spans several, in order.
    batchSize: 3,
    publishChunkSize: 1,
  });
  publisher.start();
  const head = await settle(store);
  await waitFor('both feeds at the head', () => publisher.publishedPosition === head);
  return { topics, head };
}

const cutsOf = (store: PostgresEventStore) =>
  new AgencyFeedCuts(store, { now: () => new Date('2026-03-02T08:00:00Z') });

describe('AgencyFeedsPublisher', () => {
  it('sends each agency exactly the fields and changes its basis covers, from its first cut on', async () => {
    const store = await newStore(pool);
    const [anna, ben] = [newNationalId('1983-08-12'), newNationalId('1990-01-31')];
    const annaLife = personLife(anna, CORRECTION);
    const benLife = personLife(ben, CORRECTION);
    const business = newBusinessNumber();
    await appendAll(store, [
      personAppend(annaLife[0]!),
      personAppend(benLife[0]!),
      businessAppend(businessLife(business, [anna, ben], CORRECTION)[0]!),
    ]);
    await settle(store);
    await cutsOf(store).record(catalogue({ ccss: CCSS, cae: CAE }));
    await appendAll(store, [
      personAppend(annaLife[2]!), // address: both
      personAppend(annaLife[3]!), // civil status: cae only
      personAppend(benLife[1]!), // name: ccss only
    ]);

    const { topics } = await publishBoth(store);

    const ccss = byKey(await readFeed(kafka, topics.ccss, [anna, ben, business]));
    const cae = byKey(await readFeed(kafka, topics.cae, [anna, ben, business]));
    expect([...ccss.keys()].sort()).toEqual([anna, ben].sort());
    expect([...cae.keys()].sort()).toEqual([anna, ben].sort());
    const ccssRecord = (id: string, familyName: string, address: unknown) => ({
      nationalId: id,
      status: 'PERSON_STATUS_LIVING',
      familyName,
      address,
    });
    const LUXEMBOURG: unknown = expect.objectContaining({ locality: 'Luxembourg' });
    const ESCH: unknown = expect.objectContaining({ locality: 'Esch-sur-Alzette' });
    const recutCcss = ['national_id', 'status', 'family_name', 'address', 'date_of_death'];
    expect(ccss.get(anna)).toEqual([
      {
        key: anna,
        kind: 'CHANGE_KIND_RECUT',
        version: 1,
        view: 1,
        changed: recutCcss,
        record: ccssRecord(anna, 'Schmit', LUXEMBOURG),
      },
      {
        key: anna,
        kind: 'CHANGE_KIND_ADDRESS_CHANGED',
        version: 2,
        view: 1,
        changed: ['address'],
        record: ccssRecord(anna, 'Schmit', ESCH),
      },
    ]);
    expect(ccss.get(ben)).toEqual([
      {
        key: ben,
        kind: 'CHANGE_KIND_RECUT',
        version: 1,
        view: 1,
        changed: recutCcss,
        record: ccssRecord(ben, 'Schmit', LUXEMBOURG),
      },
      {
        key: ben,
        kind: 'CHANGE_KIND_NAME_CHANGED',
        version: 2,
        view: 1,
        changed: ['family_name'],
        record: ccssRecord(ben, 'Schmit-Weber', LUXEMBOURG),
      },
    ]);
    const caeRecord = (id: string, address: unknown, civil: object) => ({
      nationalId: id,
      address,
      civilStatus: 'CIVIL_STATUS_SINGLE',
      ...civil,
    });
    const recutCae = ['national_id', 'address', 'civil_status', 'civil_status_since'];
    expect(cae.get(anna)).toEqual([
      {
        key: anna,
        kind: 'CHANGE_KIND_RECUT',
        version: 1,
        view: 1,
        changed: recutCae,
        record: caeRecord(anna, LUXEMBOURG, {}),
      },
      {
        key: anna,
        kind: 'CHANGE_KIND_ADDRESS_CHANGED',
        version: 2,
        view: 1,
        changed: ['address'],
        record: caeRecord(anna, ESCH, {}),
      },
      {
        key: anna,
        kind: 'CHANGE_KIND_CIVIL_STATUS_CHANGED',
        version: 3,
        view: 1,
        changed: ['civil_status', 'civil_status_since'],
        record: caeRecord(anna, ESCH, {
          civilStatus: 'CIVIL_STATUS_MARRIED',
          civilStatusSince: '2024-05-04',
        }),
      },
    ]);
    // Ben's name change is outside cae's basis: only his re-cut is there.
    expect(cae.get(ben)).toEqual([
      {
        key: ben,
        kind: 'CHANGE_KIND_RECUT',
        version: 1,
        view: 1,
        changed: recutCae,
        record: caeRecord(ben, LUXEMBOURG, {}),
      },
    ]);
  });

  it('re-cuts where the log records a new cut: fields appear and disappear from the new view on, nothing is lost, later changes come after', async () => {
    const store = await newStore(pool);
    const anna = newNationalId('1983-08-12');
    const life = personLife(anna, CORRECTION);
    await appendAll(store, [personAppend(life[0]!)]);
    await settle(store);
    await cutsOf(store).record(catalogue({ cae: CAE }));
    const topic = await newFeedTopic(kafka, 1);
    const first = agencyPublisher({ store, feeds: [{ organisationId: 'cae', topic }] });
    first.start();
    let head = await settle(store);
    await waitFor('the first cut published', () => first.publishedPosition === head);
    await first.stop();

    // The basis now names the family name instead of the address; a name change follows the
    // cut in the same batch of the log.
    const [outcome] = await cutsOf(store).record(
      catalogue({ cae: ['persons.national_id', 'persons.family_name', 'persons.civil_status'] }),
    );
    expect(outcome).toMatchObject({ outcome: 'cut', cut: { data: { version: 2 } } });
    await appendAll(store, [personAppend(life[1]!)], () => new Date('2026-03-02T09:00:00Z'));
    head = await settle(store);
    const second = agencyPublisher({ store, feeds: [{ organisationId: 'cae', topic }] });
    second.start();
    await waitFor('the re-cut published', () => second.publishedPosition === head);

    const records = (await readFeed(kafka, topic, [anna])).map(seen);
    expect(records).toEqual([
      {
        key: anna,
        kind: 'CHANGE_KIND_RECUT',
        version: 1,
        view: 1,
        changed: ['national_id', 'address', 'civil_status', 'civil_status_since'],
        record: {
          nationalId: anna,
          address: toJson(AddressSchema, create(AddressSchema, LUXEMBOURG)),
          civilStatus: 'CIVIL_STATUS_SINGLE',
        },
      },
      {
        key: anna,
        kind: 'CHANGE_KIND_RECUT',
        version: 1,
        view: 2,
        changed: ['national_id', 'family_name', 'civil_status', 'civil_status_since'],
        record: { nationalId: anna, familyName: 'Schmit', civilStatus: 'CIVIL_STATUS_SINGLE' },
      },
      {
        key: anna,
        kind: 'CHANGE_KIND_NAME_CHANGED',
        version: 2,
        view: 2,
        changed: ['family_name'],
        record: {
          nationalId: anna,
          familyName: 'Schmit-Weber',
          civilStatus: 'CIVIL_STATUS_SINGLE',
        },
      },
    ]);
  });

  it('sends a re-cut as it reads the register, holding no more than a produce call’s records', async () => {
    const store = await newStore(pool);
    const people = Array.from({ length: 6 }, (_, i) => newNationalId(`198${String(i)}-02-03`));
    await appendAll(
      store,
      people.map((nid) => personAppend(personLife(nid, CORRECTION)[0]!)),
    );
    await settle(store);
    await cutsOf(store).record(catalogue({ cae: CAE }));
    const head = await settle(store);
    // What happens, in order: each record stream read and each produce call with its size.
    const trace: string[] = [];
    const read = store.readStream.bind(store);
    store.readStream = (...args) => {
      trace.push('read');
      return read(...args);
    };
    const events = kafka.get(EventPublisher);
    const topic = await newFeedTopic(kafka, 1);
    const publisher = agencyPublisher({
      store,
      feeds: [{ organisationId: 'cae', topic }],
      publisher: {
        publish: (to, messages) => {
          trace.push(`publish ${String(messages.length)}`);
          return events.publish(to, messages);
        },
      },
      recutConcurrency: 1,
      publishChunkSize: 2,
    });
    publisher.start();
    await waitFor('the re-cut published', () => publisher.publishedPosition === head);

    const records = await readFeed(kafka, topic, people);
    expect(records.map((r) => [r.message.key, r.change.kind])).toEqual(
      [...people].sort().map((nid) => [nid, ChangeKind.RECUT]),
    );
    const calls = trace.filter((step) => step.startsWith('publish'));
    expect(calls).toEqual(['publish 2', 'publish 2', 'publish 2']);
    // Sent while the register is read, not once it has all been read.
    expect(trace.indexOf('publish 2')).toBeLessThan(trace.lastIndexOf('read'));
  });

  it('sends an erasure’s tombstone to every feed that covers persons, and a tombstone for records a re-cut no longer covers', async () => {
    const store = await newStore(pool);
    const [anna, ben] = [newNationalId('1983-08-12'), newNationalId('1990-01-31')];
    const business = newBusinessNumber();
    await cutsOf(store).record(catalogue({ ccss: CCSS, cae: CAE }));
    const erased: PersonEvent = {
      type: 'PersonErased',
      data: { nationalId: anna, legalGround: 'court decision' },
    };
    await appendAll(store, [
      personAppend(personLife(anna, CORRECTION)[0]!),
      personAppend(personLife(ben, CORRECTION)[0]!),
      businessAppend(businessLife(business, [anna, ben], CORRECTION)[0]!),
      personAppend(erased),
    ]);
    await settle(store);
    // ccss's basis now covers businesses only: Ben's record leaves its feed.
    await cutsOf(store).record(
      catalogue({ ccss: ['businesses.business_number', 'businesses.name'], cae: CAE }),
    );

    const { topics } = await publishBoth(store);

    const ccss = (await readFeed(kafka, topics.ccss, [anna, ben, business])).map(seen);
    const cae = (await readFeed(kafka, topics.cae, [anna, ben, business])).map(seen);
    const summary = (records: unknown[]) =>
      records.map((r) => {
        const { key, kind, view, tombstone } = r as Record<string, unknown>;
        return tombstone === true
          ? `${String(key)} tombstone`
          : `${String(key)} ${String(kind)} v${String(view)}`;
      });
    expect(summary(ccss).sort()).toEqual(
      [
        `${anna} CHANGE_KIND_REGISTERED v1`,
        `${anna} tombstone`,
        `${ben} CHANGE_KIND_REGISTERED v1`,
        `${ben} tombstone`,
        `${business} CHANGE_KIND_RECUT v2`,
      ].sort(),
    );
    expect(summary(cae).sort()).toEqual(
      [
        `${anna} CHANGE_KIND_REGISTERED v1`,
        `${anna} tombstone`,
        `${ben} CHANGE_KIND_REGISTERED v1`,
      ].sort(),
    );
  });

  it('after a crash between the acknowledgement and the checkpoint, publishes the same bytes again, re-cut included', async () => {
    const store = await newStore(pool);
    const anna = newNationalId();
    const life = personLife(anna, CORRECTION);
    await appendAll(store, [personAppend(life[0]!)]);
    await settle(store);
    await cutsOf(store).record(catalogue({ cae: CAE }));
    await appendAll(store, [personAppend(life[2]!)]);
    const head = await settle(store);
    const topic = await newFeedTopic(kafka, 1);
    let hookCalls = 0;
    const crashing = agencyPublisher({
      store,
      feeds: [{ organisationId: 'cae', topic }],
      afterPublish: () => {
        hookCalls += 1;
        throw new Error('crash between acknowledgement and checkpoint (test hook)');
      },
      errorBackoffMs: 60_000,
    });
    crashing.start();
    await waitFor('a published, unchecked batch', () => hookCalls === 1);
    await crashing.stop();
    expect(await checkpointOf(pool, store, AGENCY_FEEDS_RELAY)).toBeUndefined();

    const restarted = agencyPublisher({ store, feeds: [{ organisationId: 'cae', topic }] });
    restarted.start();
    await waitFor('everything published again', () => restarted.publishedPosition === head);

    const records = await readFeed(kafka, topic, [anna]);
    expect(records.map((r) => r.change.kind)).toEqual([
      ChangeKind.RECUT,
      ChangeKind.ADDRESS_CHANGED,
      ChangeKind.RECUT,
      ChangeKind.ADDRESS_CHANGED,
    ]);
    for (const i of [0, 1]) {
      expect(Buffer.compare(records[i]!.message.value, records[i + 2]!.message.value)).toBe(0);
      expect(records[i]!.message.headers).toEqual(records[i + 2]!.message.headers);
    }
  });
});

/** What a subscriber sees of each record's messages, by key, in the order read. */
function byKey(records: readonly FeedRecord[]): Map<string, unknown[]> {
  const out = new Map<string, unknown[]>();
  for (const record of records) {
    const key = record.message.key ?? '';
    out.set(key, [...(out.get(key) ?? []), seen(record)]);
  }
  return out;
}
