import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { create, toBinary } from '@bufbuild/protobuf';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { INestApplicationContext } from '@nestjs/common';
import { Pool } from 'pg';
import type { DataSource } from 'typeorm';

import {
  AUDIT_SCHEMAS,
  AuditLog,
  TreeHeadSigner,
  auditTreeProjection,
  decodeAccessRecorded,
  feedDeliveryEntryId,
  feedTopicOf,
  verifyExport,
} from '@gov/audit-application';
import { ChangeKind, RecordChangeSchema, Register } from '@gov/contracts';
import type { RecordChange } from '@gov/contracts';
import { PostgresEventStore, ProjectionRunner } from '@gov/platform-event-sourcing';
import { DEFAULT_LEGAL_BASES_FILE, loadLegalBasisCatalogue } from '@gov/platform-legal-bases';
import {
  ConsumerGroupFactory,
  DEAD_LETTER_HEADERS,
  EventPublisher,
  KafkaAdmin,
} from '@gov/platform-messaging';
import type { OutboundMessage } from '@gov/platform-messaging';
import { readTopicUntilSentinels, startTestMessaging } from '@gov/platform-messaging-testing';
import { SiteRole } from '@gov/platform-replication';
import { createOwnDataSource, migrateService, ownTablesOf } from '@gov/platform-service';
import { createTestDatabase, uniqueName, waitFor } from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';

import { AgencyFeedsConsumer } from './agency-feeds.consumer';

// The consumer of the agencies' feeds over real Kafka and PostgreSQL, with the shipped
// catalogue's two feeds (ccss on ccss-affiliation, cae on cae-family-benefits): the records two
// organisations received on their own topics become their entries, exactly once, in the
// person's log with proofs that verify; what breaks the feed's contract goes to the dead-letter
// topic and adds nothing; the consumer holds while the site is not writable.
const ANNA = '1983081246785';
const LUC = '1990020312345';
const CCSS_VIEW = {
  organisationId: 'ccss',
  legalBasisId: 'ccss-affiliation',
  version: 1,
  categories: [
    'persons.address',
    'persons.birth_date',
    'persons.date_of_death',
    'persons.family_name',
    'persons.given_names',
    'persons.national_id',
    'persons.sex',
  ],
};
const CAE_VIEW = {
  organisationId: 'cae',
  legalBasisId: 'cae-family-benefits',
  version: 1,
  categories: [
    'persons.address',
    'persons.birth_date',
    'persons.civil_status',
    'persons.family_name',
    'persons.given_names',
    'persons.national_id',
  ],
};

// Two feeds beyond the shipped catalogue's, on bases it gives their organisations: records of
// other registers that name persons.
const POLICE_VIEW = {
  organisationId: 'police',
  legalBasisId: 'police-vehicle-identification',
  version: 1,
  categories: ['vehicles.owner', 'vehicles.registration_number', 'vehicles.status'],
};
const ACD_VIEW = {
  organisationId: 'acd',
  legalBasisId: 'acd-business-tax',
  version: 1,
  categories: ['businesses.business_number', 'businesses.managers', 'businesses.name'],
};

type ChangeInit = Exclude<MessageInitShape<typeof RecordChangeSchema>, RecordChange>;

/** A record of an agency feed, as the registry publishes it. */
function change(init: ChangeInit, eventId: string = randomUUID()): OutboundMessage {
  const message = create(RecordChangeSchema, {
    recordId: ANNA,
    register: Register.PERSONS,
    kind: ChangeKind.ADDRESS_CHANGED,
    changedFields: ['address'],
    record: { case: 'person', value: { nationalId: init.recordId ?? ANNA } },
    ...init,
  });
  return {
    key: message.recordId,
    value: toBinary(RecordChangeSchema, message),
    headers: { 'event-id': eventId },
  };
}

describe('the consumer of the agencies feeds over Kafka and PostgreSQL', () => {
  let database: TestDatabase;
  let pool: Pool;
  let dataSource: DataSource;
  let store: PostgresEventStore;
  let kafka: INestApplicationContext;
  let keys: string;
  let site: SiteRole;
  let consumer: AgencyFeedsConsumer;
  const template = `${uniqueName('audit-feeds').replace(/_/g, '-')}.{organisation}.v1`;
  const ccssTopic = feedTopicOf('ccss', template);
  const caeTopic = feedTopicOf('cae', template);
  const policeTopic = feedTopicOf('police', template);
  const acdTopic = feedTopicOf('acd', template);

  const publish = (topic: string, messages: OutboundMessage[]) =>
    kafka.get(EventPublisher).publish(topic, messages);

  const entryIds = async (): Promise<string[]> => {
    const { rows } = await pool.query<{ event_id: string }>(
      "SELECT event_id FROM audit.events WHERE event_type = 'gov.audit.v1.AccessRecorded' ORDER BY event_id",
    );
    return rows.map((row) => row.event_id);
  };
  const recorded = async (entryId: string) => (await entryIds()).includes(entryId);

  beforeAll(async () => {
    database = await createTestDatabase('audit_feeds');
    pool = new Pool({ connectionString: database.url, max: 4 });
    pool.on('error', () => undefined);
    await migrateService(pool, AUDIT_SCHEMAS);
    dataSource = await createOwnDataSource(pool, ownTablesOf(AUDIT_SCHEMAS));
    store = new PostgresEventStore({ pool, schema: 'audit', producer: 'audit' });
    keys = mkdtempSync(join(tmpdir(), 'audit-feeds-int-'));
    kafka = await startTestMessaging('audit-feeds');
    // One partition each: the records of a topic are handled in the order published, so the
    // last one's entry says that everything before it was handled.
    await kafka.get(KafkaAdmin).ensureTopics([
      { topic: ccssTopic, numPartitions: 1 },
      { topic: caeTopic, numPartitions: 1 },
      { topic: policeTopic, numPartitions: 1 },
      { topic: acdTopic, numPartitions: 1 },
    ]);
    const catalogue = loadLegalBasisCatalogue(DEFAULT_LEGAL_BASES_FILE);
    site = new SiteRole('primary');
    consumer = new AgencyFeedsConsumer(kafka.get(ConsumerGroupFactory), store, site, {
      feeds: [...catalogue.feeds.map((feed) => feed.organisationId), 'police', 'acd'].map(
        (organisationId) => ({ organisationId, topic: feedTopicOf(organisationId, template) }),
      ),
      groupId: uniqueName('audit.agency-feeds'),
      catalogue,
      joinRetryMs: 200,
    });
    consumer.onApplicationBootstrap();
  });

  afterAll(async () => {
    await consumer.onModuleDestroy();
    await kafka.close();
    await dataSource.destroy();
    await pool.end();
    await database.drop();
    rmSync(keys, { recursive: true, force: true });
  });

  it("records each organisation's deliveries once, in the person's log with proofs", async () => {
    const publishedFrom = Date.now();
    const address = change({ recordVersion: 4n, view: CCSS_VIEW });
    await publish(ccssTopic, [
      address,
      // At least once: the same message again, and re-published under another event id.
      address,
      change({ recordVersion: 4n, view: CCSS_VIEW }),
      // An erasure: recorded by the registry's own events, not here.
      { key: ANNA, value: null, headers: { 'event-id': randomUUID() } },
      change({
        recordId: LUC,
        recordVersion: 1n,
        kind: ChangeKind.REGISTERED,
        changedFields: ['national_id', 'given_names', 'address'],
        view: CCSS_VIEW,
      }),
    ]);
    await publish(caeTopic, [
      change({ recordVersion: 4n, view: CAE_VIEW }),
      change({
        recordVersion: 5n,
        kind: ChangeKind.CIVIL_STATUS_CHANGED,
        changedFields: ['civil_status', 'civil_status_since'],
        view: CAE_VIEW,
      }),
      // A business is no person's record.
      change({
        recordId: 'B123456',
        register: Register.BUSINESSES,
        recordVersion: 2n,
        record: { case: 'business', value: { businessNumber: 'B123456' } },
        view: CAE_VIEW,
      }),
      // The last one: its entry says the topic was handled up to here.
      change({ recordVersion: 6n, view: CAE_VIEW }),
    ]);
    const ids = {
      ccss: feedDeliveryEntryId('ccss', ANNA, 1, 4n),
      luc: feedDeliveryEntryId('ccss', LUC, 1, 1n),
      cae: feedDeliveryEntryId('cae', ANNA, 1, 4n),
      civil: feedDeliveryEntryId('cae', ANNA, 1, 5n),
      last: feedDeliveryEntryId('cae', ANNA, 1, 6n),
    };
    await waitFor(
      'the last record of each feed recorded',
      async () => (await recorded(ids.luc)) && (await recorded(ids.last)),
      60_000,
    );
    expect(await entryIds()).toEqual(Object.values(ids).sort());

    await new ProjectionRunner({
      pool,
      schema: 'audit',
      store: {
        readAll: (from, limit) => store.readAll(from, limit),
        sequence: () => store.sequence(),
      },
      projection: auditTreeProjection(),
      batchSize: 100,
    }).catchUp();
    const log = new AuditLog(
      pool,
      dataSource,
      await TreeHeadSigner.fromFile(join(keys, 'sth.jwk'), true),
    );
    await log.publish({ onlyIfGrown: false });

    // The person's own view, as the portal's "who accessed my data" reads it.
    const mine = await log.accessLog(ANNA, 'subject', { limit: 10 });
    const byEntry = new Map(mine.entries.map((entry) => [entry.leaf.entryId, entry.leaf]));
    expect([...byEntry.keys()].sort()).toEqual([ids.ccss, ids.cae, ids.civil, ids.last].sort());
    expect(byEntry.get(ids.ccss)).toMatchObject({
      organisationId: 'ccss',
      capacity: 'feed-recipient',
      fields: ['persons.address'],
      purpose: 'change-feed',
      legalBasisId: 'ccss-affiliation',
      legalBasis: 'Code de la sécurité sociale, art. 413 (affiliation des assurés)',
      sourceService: 'registry',
      sourceEventType: 'gov.registry.v1.RecordChange',
      sourceEventId: address.headers?.['event-id'],
      sealedUntil: null,
    });
    expect(byEntry.get(ids.civil)).toMatchObject({
      organisationId: 'cae',
      fields: ['persons.civil_status'],
      legalBasisId: 'cae-family-benefits',
    });
    // When the registry published it (the record's timestamp), not when audit recorded it.
    const accessedAt = Date.parse(byEntry.get(ids.ccss)?.accessedAt ?? '');
    expect(accessedAt).toBeGreaterThanOrEqual(publishedFrom - 1_000);
    expect(accessedAt).toBeLessThanOrEqual(Date.now());
    const luc = await log.accessLog(LUC, 'subject', { limit: 10 });
    expect(luc.entries.map((entry) => entry.leaf.fields)).toEqual([CCSS_VIEW.categories]);

    const exported = await log.export({
      kind: 'subject',
      subjectNationalId: ANNA,
      reader: 'subject',
    });
    const jwks = (await TreeHeadSigner.fromFile(join(keys, 'sth.jwk'), false)).jwks();
    const verified = await verifyExport(JSON.parse(JSON.stringify(exported)), { jwks });
    expect(verified.findings).toEqual([]);
    expect(exported.entries).toHaveLength(4);
  });

  it("records a vehicle's delivery in its owner's log, and a business's in each manager's", async () => {
    const vehicle = (owner: ChangeInit['record'], recordVersion: bigint) =>
      change({
        recordId: 'AB1234',
        register: Register.VEHICLES,
        recordVersion,
        kind: ChangeKind.OWNERSHIP_TRANSFERRED,
        changedFields: ['owner'],
        view: POLICE_VIEW,
        record: owner,
      });
    const before = await entryIds();
    await publish(policeTopic, [
      vehicle(
        {
          case: 'vehicle',
          value: {
            registrationNumber: 'AB1234',
            owner: { kind: { case: 'businessNumber', value: 'B123456' } },
          },
        },
        2n,
      ),
      vehicle(
        {
          case: 'vehicle',
          value: {
            registrationNumber: 'AB1234',
            owner: { kind: { case: 'nationalId', value: LUC } },
          },
        },
        3n,
      ),
    ]);
    await publish(acdTopic, [
      change({
        recordId: 'B123456',
        register: Register.BUSINESSES,
        recordVersion: 2n,
        kind: ChangeKind.MANAGERS_CHANGED,
        changedFields: ['managers'],
        view: ACD_VIEW,
        record: {
          case: 'business',
          value: {
            businessNumber: 'B123456',
            managers: [{ nationalId: ANNA }, { nationalId: LUC }],
          },
        },
      }),
    ]);
    const ids = {
      owner: feedDeliveryEntryId('police', 'AB1234', 1, 3n, LUC),
      anna: feedDeliveryEntryId('acd', 'B123456', 1, 2n, ANNA),
      luc: feedDeliveryEntryId('acd', 'B123456', 1, 2n, LUC),
    };
    await waitFor(
      'the vehicle and the business recorded',
      async () => (await recorded(ids.owner)) && (await recorded(ids.luc)),
      60_000,
    );
    // The vehicle owned by a business names nobody: no entry of it.
    expect((await entryIds()).filter((id) => !before.includes(id))).toEqual(
      Object.values(ids).sort(),
    );
    const rows = await pool.query<{ entry: string; payload: Uint8Array }>(
      `SELECT event_id AS entry, payload FROM audit.events WHERE event_id = ANY($1::uuid[])`,
      [Object.values(ids)],
    );
    const leaves = rows.rows.map((row) =>
      decodeAccessRecorded({ eventType: 'gov.audit.v1.AccessRecorded', payload: row.payload }),
    );
    expect(
      leaves
        .map((leaf) => [
          leaf.subjectNationalId,
          leaf.organisationId,
          leaf.fields,
          leaf.legalBasisId,
        ])
        .sort(),
    ).toEqual(
      [
        [LUC, 'police', ['vehicles.owner'], 'police-vehicle-identification'],
        [ANNA, 'acd', ['businesses.managers'], 'acd-business-tax'],
        [LUC, 'acd', ['businesses.managers'], 'acd-business-tax'],
      ].sort(),
    );
  });

  it('dead-letters what breaks the contract and appends nothing for it', async () => {
    const before = await entryIds();
    const last = change({ recordVersion: 20n, view: CCSS_VIEW });
    await publish(ccssTopic, [
      { key: ANNA, value: Buffer.from([0xff, 0xff, 0xff, 0xff]), headers: { 'event-id': 'x' } },
      // Another organisation's cut on ccss's topic.
      change({ recordVersion: 18n, view: CAE_VIEW }),
      change({ recordId: '12345', recordVersion: 19n, view: CCSS_VIEW }),
      last,
    ]);
    const lastId = feedDeliveryEntryId('ccss', ANNA, 1, 20n);
    await waitFor('the record after the broken ones', () => recorded(lastId), 60_000);
    expect(await entryIds()).toEqual([...before, lastId].sort());

    const dead = await readTopicUntilSentinels(
      kafka,
      `${ccssTopic}.dlq`,
      [ANNA, '12345'],
      (message) => message.headers[DEAD_LETTER_HEADERS.reason],
    );
    expect(dead.map((record) => [record.message.key, record.value])).toEqual([
      [ANNA, 'undecodable'],
      [ANNA, 'invalid'],
      ['12345', 'invalid'],
    ]);
    expect(dead[1]?.message.headers[DEAD_LETTER_HEADERS.error]).toMatch(/organisation_id/);
  });

  it('holds while the site is not writable and records what arrived once promoted', async () => {
    site.apply({ role: 'fenced', reason: 'failover drill', changedAt: new Date() });
    await waitFor('the consumer held', () => !consumer.active, 10_000);
    const held = change({ recordVersion: 30n, view: CAE_VIEW });
    await publish(caeTopic, [held]);
    const heldId = feedDeliveryEntryId('cae', ANNA, 1, 30n);
    // Nothing consumes it: the group has left (a fenced site must not extend its log).
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await recorded(heldId)).toBe(false);

    site.apply({ role: 'primary', reason: 'failback', changedAt: new Date() });
    await waitFor('the held record recorded', () => recorded(heldId), 60_000);
  });
});
