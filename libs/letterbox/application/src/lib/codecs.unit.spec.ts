import { create, fromBinary, isFieldSet, toBinary } from '@bufbuild/protobuf';
import type { DescMessage } from '@bufbuild/protobuf';

import { LetterContentReadSchema, LetterCreatedSchema, RecipientKind } from '@gov/contracts';
import type { LetterEvent } from '@gov/letterbox-domain';
import {
  InMemorySubjectKeyStore,
  KeyEncryptionKey,
  KeyRing,
  KeyUnavailableError,
} from '@gov/platform-data-protection';
import type { NewEvent, RecordedEvent } from '@gov/platform-event-sourcing';

import {
  LETTER_EVENT_TYPES,
  decodeRecipientErased,
  encodeRecipientErased,
  letterCodec,
  letterCodecWith,
  sealedSubjectOf,
} from './codecs';

const AT = new Date('2026-03-02T08:00:00Z');
const SHA = 'b'.repeat(64);
const ID = '5f0c8a52-8b4e-4f0e-9d1a-3c2f1e0d9a01';

/** The stored form of `event`, as the store hands it back. */
const stored = (event: NewEvent): RecordedEvent =>
  ({ dataSubjectKeyId: null, ...event }) as unknown as RecordedEvent;
const ANNA = '1983081246785';

/** The names of the fields of `schema` left at their zero value in `bytes`. */
function unset(schema: DescMessage, bytes: Uint8Array): string[] {
  const message = fromBinary(schema, bytes);
  return schema.fields.filter((field) => !isFieldSet(message, field)).map((f) => f.name);
}

const contentRead: LetterEvent = {
  type: 'LetterContentRead',
  data: {
    letterId: ID,
    readerId: '1990013100012',
    sha256: SHA,
    readAt: AT,
    recipient: { kind: 'business', id: 'B123456' },
    senderOrganisationId: 'cae',
    procedureId: 'case-7',
  },
};

const created: LetterEvent = {
  type: 'LetterCreated',
  data: {
    letterId: ID,
    senderOrganisationId: 'cae',
    senderActorId: 'procedures',
    deliveredBy: 'procedures',
    recipient: { kind: 'person', id: '1983081246785' },
    subject: 'Décision',
    procedureId: 'case-7',
    contentType: 'application/pdf',
    sha256: SHA,
    sizeBytes: 1024,
    retentionDays: 30,
    receiptRequested: true,
    senderReference: 'decision-letter-case-7',
    createdAt: AT,
  },
};

describe('the letter codec', () => {
  it('writes every field of LetterContentRead, as revision 2, and reads it back', () => {
    const encoded = letterCodec.encode(contentRead);
    expect(encoded.eventType).toBe(LETTER_EVENT_TYPES.contentRead);
    expect(encoded.payloadSchemaVersion).toBe(2);
    expect(unset(LetterContentReadSchema, encoded.payload)).toEqual([]);
    expect(letterCodec.decode(stored(encoded))).toEqual(contentRead);
  });

  it('writes every field of a business’s LetterCreated in clear, as revision 3', () => {
    const toBusiness: LetterEvent = {
      ...created,
      data: { ...created.data, recipient: { kind: 'business', id: 'B123456' } },
    };
    const encoded = letterCodec.encode(toBusiness);
    expect(encoded.payloadSchemaVersion).toBe(3);
    expect(encoded.dataSubjectKeyId).toBeUndefined();
    expect(unset(LetterCreatedSchema, encoded.payload)).toEqual(['sealed_personal_data']);
    expect(letterCodec.decode(stored(encoded))).toEqual(toBusiness);
  });

  it('seals a person’s subject line under their key, opens it back, and reads it as erased once the key is destroyed', async () => {
    const keyStore = new InMemorySubjectKeyStore(KeyEncryptionKey.generate());
    const writing = await KeyRing.forWriting(keyStore, [ANNA]);
    expect(() => letterCodec.encode(created)).toThrow(TypeError);
    const encoded = letterCodecWith(writing).encode(created);
    expect(encoded.payloadSchemaVersion).toBe(3);
    expect(encoded.dataSubjectKeyId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Buffer.from(encoded.payload).includes(Buffer.from('Décision'))).toBe(false);
    expect(unset(LetterCreatedSchema, encoded.payload)).toEqual(['subject']);
    const record = stored(encoded);
    expect(sealedSubjectOf(record)?.keyId).toBe(encoded.dataSubjectKeyId);

    const reading = await KeyRing.forReading(keyStore, [encoded.dataSubjectKeyId ?? '']);
    expect(letterCodecWith(reading).decode(record)).toEqual(created);
    // Without keys (a projection, a command that needs no subject line): not opened.
    expect(letterCodec.decode(record)).toMatchObject({ data: { subject: null } });
    // A site the key has not reached: never taken for erased.
    expect(() => letterCodecWith(KeyRing.EMPTY).decode(record)).toThrow(KeyUnavailableError);

    await keyStore.destroy(ANNA, AT);
    const afterErasure = await KeyRing.forReading(keyStore, [encoded.dataSubjectKeyId ?? '']);
    expect(letterCodecWith(afterErasure).decode(record)).toMatchObject({
      data: { subject: null, recipient: { kind: 'person', id: ANNA }, sha256: SHA },
    });
  });

  it('reads a person’s LetterCreated of revision 2 with its subject line in clear', () => {
    const v2 = toBinary(
      LetterCreatedSchema,
      create(LetterCreatedSchema, {
        letterId: ID,
        senderOrganisationId: 'cae',
        senderActorId: 'svc-cae',
        recipientKind: RecipientKind.PERSON,
        recipientId: ANNA,
        subject: 'Décision',
        contentType: 'application/pdf',
        sha256: SHA,
        sizeBytes: 1024n,
        retentionDays: 30,
        createdAt: { seconds: BigInt(AT.getTime() / 1000), nanos: 0 },
      }),
    );
    const record = stored({
      eventType: LETTER_EVENT_TYPES.created,
      payloadSchemaVersion: 2,
      payload: v2,
      occurredAt: AT,
    });
    expect(sealedSubjectOf(record)).toBeNull();
    expect(letterCodec.decode(record)).toMatchObject({
      data: { subject: 'Décision', recipient: { kind: 'person', id: ANNA } },
    });
  });

  it('writes and reads the record of a person’s erasure', () => {
    const erasure = { nationalId: ANNA, erasedAt: AT, registryEventId: ID };
    const encoded = encodeRecipientErased(erasure);
    expect(encoded.eventType).toBe(LETTER_EVENT_TYPES.recipientErased);
    expect(decodeRecipientErased(encoded)).toEqual(erasure);
  });

  it('reads revision 1 events, which name no recipient on a read and no delivery agent', () => {
    const v1Read = toBinary(
      LetterContentReadSchema,
      create(LetterContentReadSchema, {
        letterId: ID,
        readerId: '1983081246785',
        sha256: SHA,
        readAt: { seconds: BigInt(AT.getTime() / 1000), nanos: 0 },
      }),
    );
    expect(
      letterCodec.decode(
        stored({
          eventType: LETTER_EVENT_TYPES.contentRead,
          payloadSchemaVersion: 1,
          payload: v1Read,
          occurredAt: AT,
        }),
      ),
    ).toEqual({
      type: 'LetterContentRead',
      data: {
        letterId: ID,
        readerId: '1983081246785',
        sha256: SHA,
        readAt: AT,
        recipient: null,
        senderOrganisationId: '',
        procedureId: null,
      },
    });
    const own = letterCodec.encode({
      ...created,
      data: { ...created.data, deliveredBy: null, recipient: { kind: 'business', id: 'B123456' } },
    });
    expect(unset(LetterCreatedSchema, own.payload)).toEqual([
      'delivered_by',
      'sealed_personal_data',
    ]);
    expect(letterCodec.decode(stored(own))).toMatchObject({ data: { deliveredBy: null } });
  });
});
