import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { create, toBinary } from '@bufbuild/protobuf';
import type { DescMessage, MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { Pool } from 'pg';
import type { DataSource } from 'typeorm';

import {
  AUDIT_SCHEMAS,
  AuditLog,
  TreeHeadSigner,
  auditTreeProjection,
  verifyExport,
} from '@gov/audit-application';
import {
  CorrectionCommunicatedSchema,
  LetterContentReadSchema,
  RecipientKind,
  Register,
} from '@gov/contracts';
import {
  PostgresEventStore,
  ProjectionRunner,
  computeContentHash,
} from '@gov/platform-event-sourcing';
import type { PositionedEvent } from '@gov/platform-event-sourcing';
import { PermanentMessageError } from '@gov/platform-messaging';
import type { InboundMessage } from '@gov/platform-messaging';
import {
  EnvelopeContext,
  createOwnDataSource,
  migrateService,
  ownTablesOf,
} from '@gov/platform-service';
import { createTestDatabase } from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';

import { AccessSourcesConsumer } from './access-sources.consumer';

// The consumer over real PostgreSQL, as the transport calls it (inside the inbox's
// transaction): a CorrectionCommunicated becomes one entry per recipient, a person's letter
// read one entry, a redelivery nothing, and the entries reach the person's log with proofs that
// the offline verifier accepts; a broken event is refused for the dead-letter topic.
const ANNA = '1983081246785';

function positioned<Desc extends DescMessage>(
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

describe('the access sources consumer over PostgreSQL', () => {
  let database: TestDatabase;
  let pool: Pool;
  let dataSource: DataSource;
  let store: PostgresEventStore;
  let keys: string;
  let log: AuditLog;
  let consumer: AccessSourcesConsumer;

  /** Runs a handler as the transport does: in a transaction, committed when it resolves. */
  async function deliver(
    handler: (event: PositionedEvent, context: EnvelopeContext) => Promise<void>,
    event: PositionedEvent,
  ): Promise<void> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const message = { topic: 't', partition: 0, offset: '0' } as InboundMessage;
      await handler(event, new EnvelopeContext([event, client, message]));
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  }

  const entryCount = async (): Promise<number> => {
    const { rows } = await pool.query<{ n: string }>(
      "SELECT count(*) AS n FROM audit.events WHERE event_type = 'gov.audit.v1.AccessRecorded'",
    );
    return Number(rows[0]?.n ?? 0);
  };

  beforeAll(async () => {
    database = await createTestDatabase('audit_sources');
    pool = new Pool({ connectionString: database.url, max: 4 });
    pool.on('error', () => undefined);
    await migrateService(pool, AUDIT_SCHEMAS);
    dataSource = await createOwnDataSource(pool, ownTablesOf(AUDIT_SCHEMAS));
    store = new PostgresEventStore({ pool, schema: 'audit', producer: 'audit' });
    keys = mkdtempSync(join(tmpdir(), 'audit-sources-int-'));
    log = new AuditLog(
      pool,
      dataSource,
      await TreeHeadSigner.fromFile(join(keys, 'sth.jwk'), true),
    );
    consumer = new AccessSourcesConsumer(store);
  });

  afterAll(async () => {
    await dataSource.destroy();
    await pool.end();
    await database.drop();
    rmSync(keys, { recursive: true, force: true });
  });

  it('records each correction recipient and a letter read once, with proofs that verify', async () => {
    const sealedUntil = new Date(Date.now() + 365 * 24 * 3600_000);
    const communicated = positioned(
      CorrectionCommunicatedSchema,
      {
        correctionId: randomUUID(),
        register: Register.PERSONS,
        recordId: ANNA,
        field: 'family_name',
        communicatedAt: timestampFromDate(new Date()),
        recipients: [
          { organisationId: 'cae', noticeId: randomUUID(), procedureId: 'family-allowance' },
          {
            organisationId: 'police',
            noticeId: randomUUID(),
            sealedUntil: timestampFromDate(sealedUntil),
          },
          { organisationId: 'procedures', noticeId: randomUUID() },
        ],
      },
      'registry',
      `correction-${randomUUID()}`,
    );
    const letterRead = positioned(
      LetterContentReadSchema,
      {
        letterId: randomUUID(),
        readerId: ANNA,
        sha256: 'ab'.repeat(32),
        readAt: timestampFromDate(new Date()),
        recipientKind: RecipientKind.PERSON,
        recipientId: ANNA,
        senderOrganisationId: 'cae',
        procedureId: 'family-allowance',
      },
      'letterbox',
      `letter-${randomUUID()}`,
    );
    const businessRead = positioned(
      LetterContentReadSchema,
      {
        letterId: randomUUID(),
        readerId: ANNA,
        sha256: 'ab'.repeat(32),
        readAt: timestampFromDate(new Date()),
        recipientKind: RecipientKind.BUSINESS,
        recipientId: 'B123456',
      },
      'letterbox',
      `letter-${randomUUID()}`,
    );
    const registry = (e: PositionedEvent, c: EnvelopeContext) => consumer.registry(e, c);
    const letterbox = (e: PositionedEvent, c: EnvelopeContext) => consumer.letterbox(e, c);

    await deliver(registry, communicated);
    // A redelivery (an inbox that never saw it: a promoted embassy) adds nothing.
    await deliver(registry, communicated);
    await deliver(letterbox, letterRead);
    await deliver(letterbox, letterRead);
    await deliver(letterbox, businessRead);
    expect(await entryCount()).toBe(4);

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
    await log.publish({ onlyIfGrown: false });

    const supervisor = await log.accessLog(ANNA, 'supervisor', { limit: 10 });
    expect(supervisor.entries.map((e) => [e.leaf.organisationId, e.leaf.capacity])).toEqual([
      ['self', 'data-subject'],
      ['procedures', 'correction-recipient'],
      ['police', 'correction-recipient'],
      ['cae', 'correction-recipient'],
    ]);
    expect(supervisor.entries[0]?.leaf).toMatchObject({
      actorId: ANNA,
      fields: ['letterbox.document'],
      purpose: 'letter-read',
      procedureId: 'family-allowance',
      sourceService: 'letterbox',
      sourceEventId: letterRead.eventId,
    });
    expect(supervisor.entries[3]?.leaf).toMatchObject({
      fields: ['family_name'],
      purpose: 'gdpr-art-19-rectification',
      legalBasis: 'GDPR Art. 19',
      procedureId: 'family-allowance',
      sourceEventId: communicated.eventId,
    });
    // The police's recipient entry is sealed as its reads were: not shown to the person yet.
    const subject = await log.accessLog(ANNA, 'subject', { limit: 10 });
    expect(subject.entries.map((e) => e.leaf.organisationId)).toEqual([
      'self',
      'procedures',
      'cae',
    ]);

    const exported = await log.export({
      kind: 'subject',
      subjectNationalId: ANNA,
      reader: 'subject',
    });
    const jwks = (await TreeHeadSigner.fromFile(join(keys, 'sth.jwk'), false)).jwks();
    const verified = await verifyExport(JSON.parse(JSON.stringify(exported)), { jwks });
    expect(verified.findings).toEqual([]);
    expect(exported.entries).toHaveLength(3);
  });

  it('refuses a broken CorrectionCommunicated for the dead-letter topic, appending nothing', async () => {
    const before = await entryCount();
    const broken = positioned(
      CorrectionCommunicatedSchema,
      {
        correctionId: randomUUID(),
        register: Register.PERSONS,
        recordId: 'not-a-national-id',
        field: 'family_name',
        communicatedAt: timestampFromDate(new Date()),
        recipients: [{ organisationId: 'cae', noticeId: randomUUID() }],
      },
      'registry',
      `correction-${randomUUID()}`,
    );
    await expect(deliver((e, c) => consumer.registry(e, c), broken)).rejects.toThrow(
      PermanentMessageError,
    );
    expect(await entryCount()).toBe(before);
  });
});
