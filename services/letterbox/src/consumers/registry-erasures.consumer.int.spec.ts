import { randomUUID } from 'node:crypto';

import { create, toBinary } from '@bufbuild/protobuf';
import type { DescMessage, MessageInitShape } from '@bufbuild/protobuf';
import { Pool } from 'pg';

import { PersonErasedSchema, PersonNameChangedSchema } from '@gov/contracts';
import {
  APPLICATION_SCHEMA,
  EVENT_STORE_SCHEMA,
  LETTER_EVENT_TYPES,
  decodeRecipientErased,
  migrateLetterboxSchemas,
  recipientErasureStreamId,
} from '@gov/letterbox-application';
import { PostgresEventStore, computeContentHash } from '@gov/platform-event-sourcing';
import type { PositionedEvent } from '@gov/platform-event-sourcing';
import { PermanentMessageError } from '@gov/platform-messaging';
import type { InboundMessage } from '@gov/platform-messaging';
import { EnvelopeContext } from '@gov/platform-service';
import { createTestDatabase } from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';

import { RegistryErasuresConsumer } from './registry-erasures.consumer';

// The consumer of the registry's log over real PostgreSQL, as the transport calls it (inside the
// inbox's transaction): a PersonErased becomes the letterbox's RecipientErased and the person's
// key destroyed, once however often it arrives; any other registry event changes nothing; a
// PersonErased that does not decode is refused for the dead-letter topic.
const ANNA = '1983081246785';

/** An event of the registry's log as the transport hands it over. */
function registryEvent<Desc extends DescMessage>(
  schema: Desc,
  init: MessageInitShape<Desc>,
  payload: Uint8Array = toBinary(schema, create(schema, init)),
): PositionedEvent {
  const streamId = ANNA;
  return {
    eventId: randomUUID(),
    eventType: schema.typeName,
    payloadSchemaVersion: 1,
    streamId,
    streamVersion: 2,
    globalPosition: 7n,
    producer: 'registry',
    occurredAt: new Date('2026-03-01T10:00:00Z'),
    recordedAt: new Date('2026-03-01T10:00:01Z'),
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
  let store: PostgresEventStore;
  let consumer: RegistryErasuresConsumer;

  /** Runs the handler as the transport does: in a transaction, committed when it resolves. */
  async function deliver(event: PositionedEvent): Promise<void> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const message = { topic: 'registry.events.v1', partition: 0, offset: '0' } as InboundMessage;
      await consumer.erase(event, new EnvelopeContext([event, client, message]));
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  }

  const eventsOfAnna = async () => {
    await store.sequence();
    return store.readStream(recipientErasureStreamId(ANNA));
  };

  beforeAll(async () => {
    database = await createTestDatabase('letterbox_erasures');
    pool = new Pool({ connectionString: database.url, max: 4 });
    pool.on('error', () => undefined);
    await migrateLetterboxSchemas(pool);
    store = new PostgresEventStore({ pool, schema: EVENT_STORE_SCHEMA, producer: 'letterbox' });
    consumer = new RegistryErasuresConsumer(store);
  });

  afterAll(async () => {
    await pool.end();
    await database.drop();
  });

  it('ignores the registry’s other events', async () => {
    await deliver(
      registryEvent(PersonNameChangedSchema, {
        nationalId: ANNA,
        sealedPersonalData: Buffer.of(1),
      }),
    );
    expect(await eventsOfAnna()).toEqual([]);
    const { rows } = await pool.query(
      `SELECT 1 FROM ${APPLICATION_SCHEMA}.subject_keys WHERE subject_id = $1`,
      [ANNA],
    );
    expect(rows).toEqual([]);
  });

  it('records the erasure once and destroys the key, however often it arrives', async () => {
    const erased = registryEvent(PersonErasedSchema, {
      nationalId: ANNA,
      legalGround: 'Art. 17 GDPR',
    });
    await deliver(erased);
    await deliver(erased);
    // Another PersonErased of the same person (a repeat the registry recorded): nothing more.
    await deliver(registryEvent(PersonErasedSchema, { nationalId: ANNA, legalGround: 'again' }));

    const events = await eventsOfAnna();
    expect(events.map((event) => event.eventType)).toEqual([LETTER_EVENT_TYPES.recipientErased]);
    const [recorded] = events;
    if (recorded === undefined) throw new Error('no RecipientErased');
    expect(decodeRecipientErased(recorded)).toEqual({
      nationalId: ANNA,
      erasedAt: erased.recordedAt,
      registryEventId: erased.eventId,
    });
    expect(recorded.causationId).toBe(erased.eventId);
    const { rows } = await pool.query<{ wrapped_key: Buffer | null; destroyed_at: Date }>(
      `SELECT wrapped_key, destroyed_at FROM ${APPLICATION_SCHEMA}.subject_keys
        WHERE subject_id = $1`,
      [ANNA],
    );
    expect(rows).toEqual([{ wrapped_key: null, destroyed_at: erased.recordedAt }]);
  });

  it('refuses a PersonErased that does not decode, for the dead letters, changing nothing', async () => {
    const before = await pool.query('SELECT count(*) FROM letterbox.events');
    for (const broken of [
      registryEvent(PersonErasedSchema, {}, Buffer.of(0xff, 0xff, 0xff)),
      registryEvent(PersonErasedSchema, { legalGround: 'no person named' }),
    ]) {
      await expect(deliver(broken)).rejects.toThrow(PermanentMessageError);
    }
    expect(await pool.query('SELECT count(*) FROM letterbox.events')).toMatchObject({
      rows: before.rows,
    });
  });
});
