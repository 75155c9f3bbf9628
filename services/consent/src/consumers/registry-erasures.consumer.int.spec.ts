import { randomUUID } from 'node:crypto';

import { create, toBinary } from '@bufbuild/protobuf';
import type { DescMessage, MessageInitShape } from '@bufbuild/protobuf';
import { exportJWK, generateKeyPair } from 'jose';
import { Pool } from 'pg';
import type { DataSource } from 'typeorm';

import {
  CONSENT_EVENT_TYPES,
  ConsentService,
  EVENT_STORE_SCHEMA,
  ErasureService,
  PgConsentReads,
  PgConsentStore,
  ReceiptSigner,
  createConsentDataSource,
  migrateConsentSchemas,
  streamIds,
} from '@gov/consent-application';
import { PersonErasedSchema, PersonNameChangedSchema } from '@gov/contracts';
import { PostgresEventStore, computeContentHash } from '@gov/platform-event-sourcing';
import type { PositionedEvent } from '@gov/platform-event-sourcing';
import { loadLegalBasisCatalogue } from '@gov/platform-legal-bases';
import { PermanentMessageError } from '@gov/platform-messaging';
import type { InboundMessage } from '@gov/platform-messaging';
import { EnvelopeContext } from '@gov/platform-service';
import { createTestDatabase } from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';

import { RegistryErasuresConsumer } from './registry-erasures.consumer';

// The consumer over real PostgreSQL, as the transport calls it (inside the inbox's
// transaction): the registry's PersonErased ends the person's live consents once, a
// redelivery appends nothing, any other registry event is ignored, and a PersonErased that
// does not decode is refused for the dead-letter topic with nothing appended.
const ANNA = '1983081246785';

function registryEvent<Desc extends DescMessage>(
  schema: Desc,
  init: MessageInitShape<Desc>,
  payload: Uint8Array = toBinary(schema, create(schema, init)),
): PositionedEvent {
  const streamId = `person-${ANNA}`;
  return {
    eventId: randomUUID(),
    eventType: schema.typeName,
    payloadSchemaVersion: 1,
    streamId,
    streamVersion: 2,
    globalPosition: 2n,
    producer: 'registry',
    occurredAt: new Date('2026-03-01T09:00:00Z'),
    recordedAt: new Date('2026-03-01T09:00:00Z'),
    correlationId: randomUUID(),
    causationId: null,
    traceparent: null,
    tracestate: null,
    contentHash: computeContentHash(streamId, 2, schema.typeName, payload),
    previousHash: null,
    dataSubjectKeyId: null,
    payload,
    actor: null,
  };
}

describe('the registry erasures consumer over PostgreSQL', () => {
  let database: TestDatabase;
  let pool: Pool;
  let dataSource: DataSource;
  let store: PostgresEventStore;
  let consumer: RegistryErasuresConsumer;
  let consents: ConsentService;

  /** The handler in a transaction of its own, as the transport runs it. */
  async function deliver(event: PositionedEvent) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const message = { topic: 'registry.events.v1', partition: 0, offset: '0' } as InboundMessage;
      const outcome = await consumer.registry(event, new EnvelopeContext([event, client, message]));
      await client.query('COMMIT');
      return outcome;
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  }

  const eventCount = async () =>
    Number(
      (await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${EVENT_STORE_SCHEMA}.events`))
        .rows[0]?.n,
    );

  beforeAll(async () => {
    database = await createTestDatabase('consent_erasures');
    pool = new Pool({ connectionString: database.url, max: 5 });
    pool.on('error', () => undefined);
    await migrateConsentSchemas(pool);
    dataSource = await createConsentDataSource(pool);
    store = new PostgresEventStore({ pool, schema: EVENT_STORE_SCHEMA, producer: 'consent' });
    const clock = { now: () => new Date('2026-03-01T10:00:00Z') };
    consumer = new RegistryErasuresConsumer(new ErasureService(store, dataSource, clock));
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    consents = new ConsentService(
      new PgConsentStore(store, dataSource),
      new PgConsentReads(dataSource.manager),
      loadLegalBasisCatalogue(),
      clock,
      await ReceiptSigner.fromPrivateJwk(await exportJWK(privateKey)),
    );
  });

  afterAll(async () => {
    await dataSource.destroy();
    await pool.end();
    await database.drop();
  });

  it('ignores the registry’s other events', async () => {
    const before = await eventCount();
    const renamed = registryEvent(PersonNameChangedSchema, { nationalId: ANNA });
    expect(await deliver(renamed)).toBeNull();
    expect(await eventCount()).toBe(before);
  });

  it('ends the person’s live consents once; a redelivery appends nothing', async () => {
    const granted = await consents.grant(
      { principal: { kind: 'citizen', subject: ANNA }, correlationId: 'grant-1' },
      {
        organisationId: 'ccss',
        categories: ['persons.address'],
        purpose: 'family-allowance-eligibility',
        validUntil: new Date('2026-09-01T00:00:00Z'),
      },
    );
    const erased = registryEvent(PersonErasedSchema, { nationalId: ANNA });

    expect(await deliver(erased)).toEqual({ recorded: true, ended: [granted.consentId] });
    const artefact = await store.readStream(streamIds.consent(granted.consentId));
    expect(artefact.map((event) => event.eventType)).toEqual([
      CONSENT_EVENT_TYPES.granted,
      CONSENT_EVENT_TYPES.endedByErasure,
    ]);
    expect(artefact[1]).toMatchObject({ causationId: erased.eventId, actor: { id: 'consent' } });
    const [recorded] = await store.readStream(streamIds.erasure(ANNA));
    expect(recorded?.eventType).toBe(CONSENT_EVENT_TYPES.subjectErased);

    const after = await eventCount();
    expect(await deliver(erased)).toEqual({ recorded: false, ended: [] });
    expect(await eventCount()).toBe(after);
  });

  it('refuses a PersonErased that does not decode, or names nobody, for the dead letters', async () => {
    const before = await eventCount();
    const garbled = registryEvent(PersonErasedSchema, {}, new Uint8Array([0xff, 0xff, 0xff]));
    const nobody = registryEvent(PersonErasedSchema, { nationalId: '' });
    for (const event of [garbled, nobody]) {
      await expect(deliver(event)).rejects.toBeInstanceOf(PermanentMessageError);
    }
    expect(await eventCount()).toBe(before);
  });
});
