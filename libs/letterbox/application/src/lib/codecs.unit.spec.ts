import { create, fromBinary, isFieldSet, toBinary } from '@bufbuild/protobuf';
import type { DescMessage } from '@bufbuild/protobuf';

import { LetterContentReadSchema, LetterCreatedSchema } from '@gov/contracts';
import type { LetterEvent } from '@gov/letterbox-domain';
import type { NewEvent, RecordedEvent } from '@gov/platform-event-sourcing';

import { LETTER_EVENT_TYPES, letterCodec } from './codecs';

const AT = new Date('2026-03-02T08:00:00Z');
const SHA = 'b'.repeat(64);
const ID = '5f0c8a52-8b4e-4f0e-9d1a-3c2f1e0d9a01';

/** The stored form of `event`, as the store hands it back. */
const stored = (event: NewEvent): RecordedEvent => event as unknown as RecordedEvent;

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

  it('writes every field of LetterCreated for a delivery on behalf, as revision 2', () => {
    const encoded = letterCodec.encode(created);
    expect(encoded.payloadSchemaVersion).toBe(2);
    expect(unset(LetterCreatedSchema, encoded.payload)).toEqual([]);
    expect(letterCodec.decode(stored(encoded))).toEqual(created);
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
    const own = letterCodec.encode({ ...created, data: { ...created.data, deliveredBy: null } });
    expect(unset(LetterCreatedSchema, own.payload)).toEqual(['delivered_by']);
    expect(letterCodec.decode(stored(own))).toMatchObject({ data: { deliveredBy: null } });
  });
});
