import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { create, toBinary } from '@bufbuild/protobuf';
import type { DescMessage, MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { INestApplicationContext } from '@nestjs/common';
import type { JSONWebKeySet } from 'jose';

import { feedTopicOf, verifyExportStream } from '@gov/audit-application';
import type { AccessLogPage, SignedTreeHead } from '@gov/audit-application';
import { verifyInclusion } from '@gov/audit-merkle';
import {
  AccessPermittedSchema,
  ChangeKind,
  CorrectionCommunicatedSchema,
  LetterContentReadSchema,
  RecipientKind,
  RecordChangeSchema,
  Register,
} from '@gov/contracts';
import { ensureLocalSigningKeys, mintToken } from '@gov/platform-auth';
import type { LocalSigningKeys, TokenRequest } from '@gov/platform-auth';
import { freePort } from '@gov/platform-infra';
import { computeContentHash, toEnvelopeRecord } from '@gov/platform-event-sourcing';
import type { PositionedEvent } from '@gov/platform-event-sourcing';
import { EventPublisher, KafkaAdmin } from '@gov/platform-messaging';
import { readTopicUntilSentinels, startTestMessaging } from '@gov/platform-messaging-testing';
import {
  createTestDatabase,
  runServiceTool,
  ServiceProcess,
  testKafkaEnv,
  uniqueName,
  waitFor,
  waitUntilOk,
} from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';

// Coverage, measured: the registry and the audit service as processes over real Kafka and
// PostgreSQL. N reads of personal data by agencies and registrars must become exactly N entries,
// each with an inclusion proof that verifies against a signed tree head; an AccessPermitted on
// the consent topic (produced here: the consent service is another issue) becomes one entry,
// sealed from its subject; bad input gets a 4xx and changes nothing.
const ISSUER = 'audit-e2e';
const AUDIENCE = 'backbone';
const topic = (name: string) => uniqueName(name).replace(/_/g, '-');
const REGISTRY_TOPIC = topic('audit-e2e-registry.events.v1');
const CONSENT_TOPIC = topic('audit-e2e-consent.events.v1');
const AUDIT_TOPIC = topic('audit-e2e-audit.events.v1');
const LETTERBOX_TOPIC = topic('audit-e2e-letterbox.events.v1');
// The agencies' feeds of the shipped catalogue (ccss and cae), on topics of this run's own.
const FEED_TOPIC_TEMPLATE = `${topic('audit-e2e-registry.changes')}.{organisation}.v1`;
const fromB64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64url'));
const BIRTH = `19${String(30 + Math.floor(Math.random() * 60))}-0${String(1 + Math.floor(Math.random() * 9))}-2${String(Math.floor(Math.random() * 8))}`;

interface Answer {
  readonly status: number;
  readonly type: string | null;
  readonly body: Record<string, unknown>;
}

async function call(
  url: string,
  token: string | undefined,
  init: { method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...init.headers,
    },
    body: init.body,
  });
  const text = await response.text();
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
  };
}

/** A platform event of another service, as its relay would publish it (one-event stream). */
function sourceEvent<Desc extends DescMessage>(
  schema: Desc,
  init: MessageInitShape<Desc>,
  producer: string,
  streamId: string,
): PositionedEvent {
  const payload = toBinary(schema, create(schema, init));
  return {
    eventId: randomUUID(),
    eventType: schema.typeName,
    payloadSchemaVersion: 1,
    streamId,
    streamVersion: 1,
    globalPosition: 1n,
    producer,
    occurredAt: new Date(),
    recordedAt: new Date(),
    correlationId: randomUUID(),
    causationId: null,
    traceparent: null,
    tracestate: null,
    contentHash: computeContentHash(streamId, 1, schema.typeName, payload),
    previousHash: null,
    dataSubjectKeyId: null,
    payload,
    actor: null,
  };
}

const asRecord = (event: PositionedEvent) => {
  const r = toEnvelopeRecord(event);
  return { key: r.key, value: Buffer.from(r.value), headers: { ...r.headers } };
};

/** Every inclusion proof of the page leads to the root of its tree head. */
function proofsVerify(page: AccessLogPage): boolean {
  const head = page.treeHead;
  if (!head) return false;
  return page.entries.every(
    (entry) =>
      entry.inclusionProof !== undefined &&
      verifyInclusion(
        fromB64(entry.inclusionProof.leafHash),
        entry.leafIndex,
        head.tree_size,
        entry.inclusionProof.auditPath.map(fromB64),
        fromB64(head.root_hash),
      ),
  );
}

describe('audit, end to end with the registry over Kafka and PostgreSQL', () => {
  let registryDb: TestDatabase;
  let auditDb: TestDatabase;
  let dir: string;
  let keys: LocalSigningKeys;
  let registry: ServiceProcess;
  let audit: ServiceProcess;
  let registryUrl: string;
  let auditUrl: string;
  let kafka: INestApplicationContext;
  let registrar: string;
  let agency: string;
  let police: string;
  let auditor: string;
  let dpo: string;
  const people: string[] = [];

  const token = (request: Omit<TokenRequest, 'issuer' | 'audience'>) =>
    mintToken(keys.privateKeyFile, { issuer: ISSUER, audience: AUDIENCE, ...request });
  const auditApi = (path: string, as: string | undefined, init = {}) =>
    call(`${auditUrl}${path}`, as, init);

  /** Publishes a tree head now and returns it. */
  const publishHead = async (): Promise<SignedTreeHead> => {
    const answer = await auditApi('/tree-heads', auditor, { method: 'POST' });
    expect(answer.status).toBe(200);
    return answer.body as unknown as SignedTreeHead;
  };

  const supervisorLog = async (nationalId: string): Promise<AccessLogPage> => {
    const answer = await auditApi(`/access-log/subjects/${nationalId}?limit=100`, auditor);
    expect(answer.status).toBe(200);
    return answer.body as unknown as AccessLogPage;
  };

  beforeAll(async () => {
    [registryDb, auditDb] = await Promise.all([
      createTestDatabase('audit_e2e_registry'),
      createTestDatabase('audit_e2e_audit'),
    ]);
    dir = mkdtempSync(join(tmpdir(), 'audit-e2e-'));
    keys = await ensureLocalSigningKeys(dir);
    registrar = await token({
      role: 'registrar',
      subject: 'clerk-1',
      registers: ['persons'],
      organisationId: 'rnpp',
    });
    agency = await token({ role: 'agency', subject: 'svc-ccss', organisationId: 'ccss' });
    police = await token({ role: 'agency', subject: 'inspector-7', organisationId: 'police' });
    auditor = await token({ role: 'auditor', subject: 'aud-1' });
    dpo = await token({ role: 'dpo', subject: 'dpo-1' });

    expect(runServiceTool('registry', 'migrate', { DATABASE_URL: registryDb.url }).status).toBe(0);
    expect(runServiceTool('audit', 'migrate', { DATABASE_URL: auditDb.url }).status).toBe(0);
    kafka = await startTestMessaging('audit-e2e');
    // The consent topic exists before the audit service subscribes (as it would in production).
    await kafka.get(KafkaAdmin).ensureTopics([
      { topic: CONSENT_TOPIC, numPartitions: 3 },
      { topic: LETTERBOX_TOPIC, numPartitions: 3 },
      { topic: feedTopicOf('ccss', FEED_TOPIC_TEMPLATE), numPartitions: 3 },
      { topic: feedTopicOf('cae', FEED_TOPIC_TEMPLATE), numPartitions: 3 },
    ]);

    const common = {
      ...testKafkaEnv(),
      AUTH_JWKS_FILE: keys.jwksFile,
      DATA_KEK_FILE: keys.keyEncryptionKeyFile,
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      LOG_LEVEL: 'warn',
    };
    const [registryPort, auditPort] = [await freePort(), await freePort()];
    registryUrl = `http://127.0.0.1:${registryPort}`;
    auditUrl = `http://127.0.0.1:${auditPort}`;
    registry = new ServiceProcess('registry', {
      ...common,
      DATABASE_URL: registryDb.url,
      HTTP_PORT: String(registryPort),
      EVENTS_TOPIC: REGISTRY_TOPIC,
      REPLICATION_GROUP: uniqueName('audit-e2e-registry-replica'),
    });
    audit = new ServiceProcess('audit', {
      ...common,
      DATABASE_URL: auditDb.url,
      HTTP_PORT: String(auditPort),
      EVENTS_TOPIC: AUDIT_TOPIC,
      REPLICATION_GROUP: uniqueName('audit-e2e-audit-replica'),
      AUDIT_REGISTRY_TOPIC: REGISTRY_TOPIC,
      AUDIT_CONSENT_TOPIC: CONSENT_TOPIC,
      AUDIT_LETTERBOX_TOPIC: LETTERBOX_TOPIC,
      AUDIT_FEED_TOPIC_TEMPLATE: FEED_TOPIC_TEMPLATE,
      AUDIT_SIGNING_KEY_FILE: join(dir, 'tree-heads.jwk'),
      AUDIT_SIGNING_KEY_CREATE: 'true',
      AUDIT_TREE_HEAD_INTERVAL_MS: '500',
    });
    await Promise.all([
      waitUntilOk(`${registryUrl}/health/ready`, registry, 90_000),
      waitUntilOk(`${auditUrl}/health/ready`, audit, 90_000),
    ]);

    for (const givenNames of ['Anna', 'Luc']) {
      const created = await call(`${registryUrl}/persons`, registrar, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
        body: JSON.stringify({
          givenNames,
          familyName: 'Schmit',
          birthDate: BIRTH,
          sex: 'F',
          nationalities: ['LU'],
          civilStatus: 'single',
          address: {
            street: 'Boulevard Royal',
            houseNumber: '12A',
            postcode: '2449',
            locality: 'Luxembourg',
            country: 'LU',
          },
        }),
      });
      expect(created.status).toBe(201);
      people.push(String(created.body['nationalId']));
    }
  });

  afterAll(async () => {
    await kafka.close();
    await Promise.all([registry.stop(), audit.stop()]);
    await Promise.all([registryDb.drop(), auditDb.drop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('records exactly N reads by agencies and registrars, each with a proof that verifies', async () => {
    const [anna, luc] = people as [string, string];
    // Agencies read on a legal basis of the catalogue (libs/platform/legal-bases), as the
    // registry requires; the police on a covert one, which seals the entry.
    const agencyRead = (nationalId: string) =>
      call(`${registryUrl}/persons/${nationalId}`, agency, {
        headers: {
          'x-purpose': 'family-allowance-eligibility',
          'x-legal-basis': 'ccss-family-allowances',
        },
      });
    const reads = [
      agencyRead(anna),
      agencyRead(anna),
      agencyRead(luc),
      call(`${registryUrl}/persons/${anna}`, registrar),
      call(`${registryUrl}/persons/${luc}`, registrar),
      agencyRead(anna),
      call(`${registryUrl}/persons/${anna}`, police, {
        headers: {
          'x-purpose': 'criminal-investigation',
          'x-legal-basis': 'police-criminal-investigation',
        },
      }),
    ];
    const answers = await Promise.all(reads);
    expect(answers.map((a) => a.status)).toEqual(reads.map(() => 200));
    // Reads the registry refuses (no declared purpose; a basis that is not the agency's) are
    // no access: no entry.
    expect((await call(`${registryUrl}/persons/${anna}`, agency)).status).toBe(400);
    const refused = await call(`${registryUrl}/persons/${anna}`, agency, {
      headers: {
        'x-purpose': 'criminal-investigation',
        'x-legal-basis': 'police-criminal-investigation',
      },
    });
    expect(refused.status).toBe(403);
    const N = reads.length;

    await waitFor(
      'N entries in the tree',
      async () => (await publishHead()).tree_size >= N,
      60_000,
    );
    const head = await publishHead();
    expect(head.tree_size).toBe(N);

    const annaLog = await supervisorLog(anna);
    const lucLog = await supervisorLog(luc);
    expect(annaLog.entries).toHaveLength(5);
    expect(lucLog.entries).toHaveLength(2);
    expect(proofsVerify(annaLog)).toBe(true);
    expect(proofsVerify(lucLog)).toBe(true);
    expect(annaLog.entries.map((e) => e.leaf.capacity).sort()).toEqual([
      'agency-system',
      'agency-system',
      'agency-system',
      'agency-system',
      'registrar',
    ]);
    expect(annaLog.entries.find((e) => e.leaf.organisationId === 'ccss')?.leaf).toMatchObject({
      purpose: 'family-allowance-eligibility',
      legalBasisId: 'ccss-family-allowances',
      legalBasis: 'Code de la sécurité sociale, art. 269',
      sealedUntil: null,
      sourceService: 'registry',
    });
    const covert = annaLog.entries.find((e) => e.leaf.organisationId === 'police')?.leaf;
    expect(covert).toMatchObject({ legalBasisId: 'police-criminal-investigation' });
    expect(Date.parse(covert?.sealedUntil ?? '')).toBeGreaterThan(Date.now() + 300 * 86_400_000);

    // The person sees the same, newest first, with proofs; the whole log verifies offline.
    const mine = await auditApi(
      '/access-log/me?limit=3',
      await token({ role: 'citizen', subject: anna }),
    );
    expect(mine.status).toBe(200);
    const page = mine.body as unknown as AccessLogPage;
    // Newest first, without the sealed entry (the person sees it from its instant on).
    expect(page.entries.map((e) => e.leafIndex)).toEqual(
      annaLog.entries
        .filter((e) => e.leaf.organisationId !== 'police')
        .slice(0, 3)
        .map((e) => e.leafIndex),
    );
    expect(page.nextCursor).not.toBeNull();
    expect(proofsVerify(page)).toBe(true);

    const jwks = (await auditApi('/.well-known/jwks.json', undefined))
      .body as unknown as JSONWebKeySet;
    const exported = await fetch(`${auditUrl}/export`, {
      headers: { authorization: `Bearer ${dpo}` },
    });
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const [header, ...lines] = (await exported.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown);
    expect(lines).toHaveLength(N);
    const result = await verifyExportStream(header, lines, { jwks });
    expect(result).toMatchObject({ ok: true, entries: N, treeSize: N });
  });

  it('records an AccessPermitted of the consent topic once, sealed from its subject until its instant', async () => {
    const [anna] = people as [string];
    const before = (await supervisorLog(anna)).entries.length;
    const citizen = await token({ role: 'citizen', subject: anna });
    const citizenBefore = (
      (await auditApi('/access-log/me?limit=100', citizen)).body as unknown as AccessLogPage
    ).entries.length;
    const permit = (accessRecordedBy: string, sealed = true): PositionedEvent => {
      const eventId = randomUUID();
      const payload = toBinary(
        AccessPermittedSchema,
        create(AccessPermittedSchema, {
          decisionId: randomUUID(),
          subjectNationalId: anna,
          organisationId: 'police',
          actorId: 'inspector-7',
          purpose: 'investigation',
          categories: ['persons.address'],
          basis: { case: 'legalBasisId', value: 'police-investigations' },
          legalBasisReference: 'Code de procédure pénale, art. 48-24',
          decidedAt: timestampFromDate(new Date()),
          ...(sealed
            ? { sealedUntil: timestampFromDate(new Date(Date.now() + 365 * 24 * 3600_000)) }
            : {}),
          accessRecordedBy,
        }),
      );
      const streamId = `decisions-${anna}`;
      return {
        eventId,
        eventType: AccessPermittedSchema.typeName,
        payloadSchemaVersion: 1,
        streamId,
        streamVersion: 1,
        globalPosition: 1n,
        producer: 'consent',
        occurredAt: new Date(),
        recordedAt: new Date(),
        correlationId: randomUUID(),
        causationId: null,
        traceparent: null,
        tracestate: null,
        contentHash: computeContentHash(streamId, 1, AccessPermittedSchema.typeName, payload),
        previousHash: null,
        dataSubjectKeyId: null,
        payload,
        actor: null,
      };
    };
    const recorded = toEnvelopeRecord(permit(''));
    const elsewhere = toEnvelopeRecord(permit('registry'));
    // Same key, so same partition, after the others: once it is recorded, they were handled.
    const last = toEnvelopeRecord(permit('', false));
    const record = (r: typeof recorded) => ({
      key: r.key,
      value: Buffer.from(r.value),
      headers: { ...r.headers },
    });
    await kafka.get(EventPublisher).publish(CONSENT_TOPIC, [
      record(recorded),
      record(elsewhere),
      // The same event again (a redelivery), and a record that is no envelope at all.
      record(recorded),
      { key: 'poison', value: Buffer.from('not an envelope'), headers: {} },
      record(last),
    ]);

    const dead = await (async () => {
      let found: Awaited<ReturnType<typeof readTopicUntilSentinels<unknown>>> = [];
      await waitFor(
        'the poison record in the dead-letter topic',
        async () => {
          found = (
            await readTopicUntilSentinels(kafka, `${CONSENT_TOPIC}.dlq`, ['poison'], (m) => m)
          ).filter((r) => r.message.key === 'poison');
          return found.length > 0;
        },
        60_000,
      );
      return found;
    })();
    expect(dead.map((r) => r.message.headers['dlq-reason'])).toEqual(['undecodable']);

    await waitFor(
      'the permits in the tree',
      async () => {
        await publishHead();
        return (await supervisorLog(anna)).entries.length >= before + 2;
      },
      60_000,
    );
    await publishHead();
    const supervisor = await supervisorLog(anna);
    // The sealed permit and the last one; the redelivery and the registry-recorded one: none.
    expect(supervisor.entries).toHaveLength(before + 2);
    expect(supervisor.entries[0]?.leaf.sealedUntil).toBeNull();
    expect(supervisor.entries[1]?.leaf).toMatchObject({
      organisationId: 'police',
      actorId: 'inspector-7',
      legalBasisId: 'police-investigations',
      sourceService: 'consent',
    });
    expect(supervisor.entries[1]?.leaf.sealedUntil).not.toBeNull();
    expect(proofsVerify(supervisor)).toBe(true);

    const mine = (await auditApi('/access-log/me?limit=100', citizen))
      .body as unknown as AccessLogPage;
    expect(mine.entries).toHaveLength(citizenBefore + 1);
    expect(mine.entries.map((e) => e.leaf.entryId)).not.toContain(
      supervisor.entries[1]?.leaf.entryId,
    );
    expect(proofsVerify(mine)).toBe(true);
    // Nor can the person learn of it by asking for its proof; the auditor can.
    const sealedId = supervisor.entries[1]?.leaf.entryId ?? '';
    expect((await auditApi(`/entries/${sealedId}/inclusion-proof`, citizen)).status).toBe(404);
    expect((await auditApi(`/entries/${sealedId}/inclusion-proof`, auditor)).status).toBe(200);
  });

  it('records each recipient of a correction and each read of a person’s letter, with proofs', async () => {
    const [, luc] = people as [string, string];
    const before = (await supervisorLog(luc)).entries.length;
    const citizen = await token({ role: 'citizen', subject: luc });
    // Produced here: the registry's and the letterbox's sides are built in parallel.
    const communicated = sourceEvent(
      CorrectionCommunicatedSchema,
      {
        correctionId: randomUUID(),
        register: Register.PERSONS,
        recordId: luc,
        field: 'family_name',
        communicatedAt: timestampFromDate(new Date()),
        recipients: [
          { organisationId: 'cae', noticeId: randomUUID(), procedureId: 'family-allowance' },
          {
            organisationId: 'police',
            noticeId: randomUUID(),
            sealedUntil: timestampFromDate(new Date(Date.now() + 365 * 24 * 3600_000)),
          },
        ],
      },
      'registry',
      `correction-${randomUUID()}`,
    );
    const letterRead = (kind: RecipientKind, recipientId: string) =>
      sourceEvent(
        LetterContentReadSchema,
        {
          letterId: randomUUID(),
          readerId: luc,
          sha256: 'ab'.repeat(32),
          readAt: timestampFromDate(new Date()),
          recipientKind: kind,
          recipientId,
          senderOrganisationId: 'cae',
          procedureId: 'family-allowance',
        },
        'letterbox',
        `letter-${randomUUID()}`,
      );
    const personal = letterRead(RecipientKind.PERSON, luc);
    const publisher = kafka.get(EventPublisher);
    await publisher.publish(REGISTRY_TOPIC, [asRecord(communicated), asRecord(communicated)]);
    await publisher.publish(LETTERBOX_TOPIC, [
      asRecord(letterRead(RecipientKind.BUSINESS, 'B123456')),
      asRecord(letterRead(RecipientKind.UNSPECIFIED, '')),
      asRecord(personal),
      asRecord(personal),
    ]);

    await waitFor(
      'the recipients and the letter read in the tree',
      async () => {
        await publishHead();
        return (await supervisorLog(luc)).entries.length >= before + 3;
      },
      60_000,
    );
    await publishHead();
    const supervisor = await supervisorLog(luc);
    expect(supervisor.entries).toHaveLength(before + 3);
    const added = supervisor.entries.slice(0, 3).map((e) => e.leaf);
    const recipients = added.filter((leaf) => leaf.capacity === 'correction-recipient');
    expect(recipients.map((leaf) => leaf.organisationId).sort()).toEqual(['cae', 'police']);
    expect(recipients.find((leaf) => leaf.organisationId === 'cae')).toMatchObject({
      fields: ['family_name'],
      purpose: 'gdpr-art-19-rectification',
      legalBasis: 'GDPR Art. 19',
      procedureId: 'family-allowance',
      sourceService: 'registry',
      sourceEventId: communicated.eventId,
      sealedUntil: null,
    });
    expect(added.find((leaf) => leaf.capacity === 'data-subject')).toMatchObject({
      organisationId: 'self',
      actorId: luc,
      fields: ['letterbox.document'],
      purpose: 'letter-read',
      procedureId: 'family-allowance',
      sourceService: 'letterbox',
      sourceEventId: personal.eventId,
    });
    expect(proofsVerify(supervisor)).toBe(true);

    // The person sees cae's notice and their own read, not the sealed recipient.
    const mine = (await auditApi('/access-log/me?limit=100', citizen))
      .body as unknown as AccessLogPage;
    const shown = mine.entries.map((e) => e.leaf);
    expect(shown.filter((leaf) => leaf.capacity === 'correction-recipient')).toEqual([
      expect.objectContaining({ organisationId: 'cae' }),
    ]);
    expect(shown.filter((leaf) => leaf.purpose === 'letter-read')).toHaveLength(1);
    expect(proofsVerify(mine)).toBe(true);
  });

  it('shows the person each change of their record delivered on an agency feed, with proofs', async () => {
    const [anna] = people as [string];
    const citizen = await token({ role: 'citizen', subject: anna });
    // Produced here as the registry's feeds publish them (the registry's side is built in
    // parallel): ccss's cut of an address change, cae's of a civil status change.
    const delivery = (init: Record<string, unknown>) => {
      const change = create(RecordChangeSchema, {
        recordId: anna,
        register: Register.PERSONS,
        recordVersion: 2n,
        record: { case: 'person', value: { nationalId: anna } },
        ...init,
      });
      return {
        key: anna,
        value: Buffer.from(toBinary(RecordChangeSchema, change)),
        headers: { 'event-id': randomUUID() },
      };
    };
    const address = delivery({
      kind: ChangeKind.ADDRESS_CHANGED,
      changedFields: ['address'],
      view: {
        organisationId: 'ccss',
        legalBasisId: 'ccss-affiliation',
        version: 1,
        categories: ['persons.address', 'persons.national_id'],
      },
    });
    const civil = delivery({
      kind: ChangeKind.CIVIL_STATUS_CHANGED,
      changedFields: ['civil_status', 'civil_status_since'],
      view: {
        organisationId: 'cae',
        legalBasisId: 'cae-family-benefits',
        version: 1,
        categories: ['persons.civil_status', 'persons.national_id'],
      },
    });
    const publisher = kafka.get(EventPublisher);
    await publisher.publish(feedTopicOf('ccss', FEED_TOPIC_TEMPLATE), [address, address]);
    await publisher.publish(feedTopicOf('cae', FEED_TOPIC_TEMPLATE), [civil]);

    const delivered = async () => {
      // Paced: the routes are rate-limited per principal, and a slow consumer must fail this
      // test alone, not the next one with a 429.
      await new Promise((resolve) => setTimeout(resolve, 500));
      await publishHead();
      const page = (await auditApi('/access-log/me?limit=100', citizen))
        .body as unknown as AccessLogPage;
      return { page, leaves: page.entries.filter((e) => e.leaf.capacity === 'feed-recipient') };
    };
    await waitFor(
      'both deliveries in the log',
      async () => (await delivered()).leaves.length >= 2,
      60_000,
    );
    const { page, leaves } = await delivered();
    expect(
      leaves.map((e) => [e.leaf.organisationId, e.leaf.fields, e.leaf.sourceEventId]).sort(),
    ).toEqual([
      ['cae', ['persons.civil_status'], civil.headers['event-id']],
      ['ccss', ['persons.address'], address.headers['event-id']],
    ]);
    expect(leaves[0]?.leaf).toMatchObject({
      purpose: 'change-feed',
      sourceEventType: 'gov.registry.v1.RecordChange',
      actorId: null,
    });
    expect(proofsVerify(page)).toBe(true);
  });

  it('answers bad input with a 4xx problem and changes nothing', async () => {
    const [anna, luc] = people as [string, string];
    const head = await publishHead();
    const citizen = await token({ role: 'citizen', subject: anna });
    const someEntry = (await supervisorLog(anna)).entries[0]?.leaf.entryId ?? '';
    const cases: [Promise<Answer>, number][] = [
      [auditApi('/tree-heads/latest', undefined), 401],
      [auditApi(`/access-log/subjects/${luc}`, citizen), 403],
      [auditApi(`/access-log/subjects/${luc}`, agency), 403],
      [auditApi(`/access-log/subjects/${luc}`, registrar), 403],
      [auditApi('/access-log/me', agency), 403],
      [auditApi('/export', citizen), 403],
      [auditApi('/tree-heads', citizen, { method: 'POST' }), 403],
      [auditApi('/access-log/subjects/12345', auditor), 400],
      [auditApi('/access-log/me?limit=1000', citizen), 400],
      [auditApi('/access-log/me?colour=red', citizen), 400],
      [auditApi(`/tree-heads/${head.tree_size + 1000}`, auditor), 404],
      [auditApi('/tree-heads/minus-one', auditor), 400],
      [auditApi('/entries/not-a-uuid/inclusion-proof', auditor), 400],
      [auditApi(`/entries/${randomUUID()}/inclusion-proof`, auditor), 404],
      [
        auditApi(`/entries/${someEntry}/inclusion-proof?treeSize=${head.tree_size + 1}`, auditor),
        409,
      ],
      [
        auditApi(
          `/entries/${someEntry}/inclusion-proof`,
          await token({ role: 'citizen', subject: luc }),
        ),
        404,
      ],
      [auditApi('/proofs/consistency?first=5&second=2', auditor), 400],
      [auditApi(`/proofs/consistency?first=1&second=${head.tree_size + 1}`, auditor), 409],
      [auditApi('/export?consistencyFrom=99999', auditor), 404],
      [
        auditApi('/tree-heads', auditor, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"unterminated',
        }),
        400,
      ],
      [
        auditApi('/tree-heads', auditor, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ padding: 'x'.repeat(2 * 1024 * 1024) }),
        }),
        413,
      ],
    ];
    const answers = await Promise.all(cases.map(([answer]) => answer));
    expect(answers.map((a) => a.status)).toEqual(cases.map(([, status]) => status));
    for (const answer of answers) expect(answer.type).toMatch(/^application\/problem\+json/);
    expect(
      (
        await auditApi(
          `/entries/${someEntry}/inclusion-proof?treeSize=${head.tree_size + 1}`,
          auditor,
        )
      ).body,
    ).toMatchObject({ code: 'BEYOND_TREE', treeSize: head.tree_size });

    const after = await auditApi('/tree-heads/latest', auditor);
    expect(after.body).toMatchObject({ tree_size: head.tree_size, root_hash: head.root_hash });
    // The key file the service created is an Ed25519 private JWK, owner-only.
    expect(JSON.parse(readFileSync(join(dir, 'tree-heads.jwk'), 'utf8'))).toMatchObject({
      kty: 'OKP',
      crv: 'Ed25519',
    });
  });
});
