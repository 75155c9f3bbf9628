// The letterbox's events to and from gov.letterbox.v1 payloads. The event type is the payload
// message's full name; `occurredAt` is the fact's own time.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { Timestamp } from '@bufbuild/protobuf/wkt';

import {
  LetterAvailableSchema,
  LetterContentReadSchema,
  LetterContentRemovedSchema,
  LetterCreatedSchema,
  LetterCreated_PersonalDataSchema,
  LetterReadSchema,
  ReceiptConfirmedSchema,
  RecipientErasedSchema,
  RecipientKind,
} from '@gov/contracts';
import { isLetterContentType } from '@gov/letterbox-domain';
import type { LetterEvent, Recipient } from '@gov/letterbox-domain';
import { ERASED, SealedDataError } from '@gov/platform-data-protection';
import type { SubjectKeys } from '@gov/platform-data-protection';
import { protoMessage, protoPayload } from '@gov/platform-event-sourcing';
import type { EventCodec, NewEvent, RecordedEvent } from '@gov/platform-event-sourcing';

/**
 * The revision of each gov.letterbox.v1 payload this code writes (see proto/README.md): 3 for
 * `LetterCreated` (a person's letter has its subject line sealed, `sealed_personal_data`;
 * revision 2 added `delivered_by`), 2 for `LetterContentRead` (recipient, sender, procedure),
 * whose revision 1 lacks those fields; 1 for the others.
 */
export const PAYLOAD_SCHEMA_VERSIONS: Readonly<Record<LetterEvent['type'], number>> = {
  LetterCreated: 3,
  LetterAvailable: 1,
  LetterRead: 1,
  LetterContentRead: 2,
  ReceiptConfirmed: 1,
  LetterContentRemoved: 1,
};

/** The event types of the letterbox's log. */
export const LETTER_EVENT_TYPES = {
  created: LetterCreatedSchema.typeName,
  available: LetterAvailableSchema.typeName,
  read: LetterReadSchema.typeName,
  contentRead: LetterContentReadSchema.typeName,
  receiptConfirmed: ReceiptConfirmedSchema.typeName,
  contentRemoved: LetterContentRemovedSchema.typeName,
  recipientErased: RecipientErasedSchema.typeName,
} as const;

/** What a codec reads of a stored event. */
type StoredPayload = Pick<RecordedEvent, 'eventType' | 'payload' | 'dataSubjectKeyId'>;

/** A stored payload that does not decode: a fault of the log, never a client's error. */
export class MalformedLetterPayloadError extends Error {
  override readonly name = 'MalformedLetterPayloadError';
}

function payload<Desc extends DescMessage>(
  type: LetterEvent['type'],
  schema: Desc,
  message: MessageShape<Desc>,
  occurredAt: Date,
): NewEvent {
  return protoPayload(schema, message, occurredAt, PAYLOAD_SCHEMA_VERSIONS[type]);
}

const kindOf = (recipient: Recipient): RecipientKind =>
  recipient.kind === 'person' ? RecipientKind.PERSON : RecipientKind.BUSINESS;

function decodeAs<Desc extends DescMessage>(
  schema: Desc,
  event: Pick<RecordedEvent, 'payload'>,
): MessageShape<Desc> {
  return protoMessage(
    schema,
    event,
    (detail, cause) => new MalformedLetterPayloadError(detail, { cause }),
  );
}

function time(value: Timestamp | undefined, field: string): Date {
  if (value === undefined) throw new MalformedLetterPayloadError(`${field} is missing`);
  return timestampDate(value);
}

const ts = timestampFromDate;

/**
 * The recipient a LetterContentRead names; `null` for one of revision 1, which named none
 * (UNSPECIFIED): the letter's LetterCreated has it.
 */
function recipientOf(kind: RecipientKind, id: string): Recipient | null {
  switch (kind) {
    case RecipientKind.PERSON:
      return { kind: 'person', id };
    case RecipientKind.BUSINESS:
      return { kind: 'business', id };
    case RecipientKind.UNSPECIFIED:
      return null;
    default:
      throw new MalformedLetterPayloadError(`recipient kind ${String(kind)} is unknown`);
  }
}

/** The sealing context of a letter's subject line: the event type and the person. */
const subjectContext = (recipientId: string): readonly string[] => [
  LetterCreatedSchema.typeName,
  recipientId,
];

/** The sealed subject line of a stored `LetterCreated` to a person, as the read model keeps it. */
export interface SealedSubject {
  /** The recipient's key (the envelope's `data_subject_key_id`). */
  readonly keyId: string;
  /** `LetterCreated.PersonalData`, sealed. */
  readonly sealed: Uint8Array;
}

/**
 * The sealed subject line of a stored `LetterCreated`; `null` for any other event, a business's
 * letter, and a letter written before sealing (its subject is in clear).
 *
 * @throws {@link MalformedLetterPayloadError} for sealed bytes without a key id.
 */
export function sealedSubjectOf(event: StoredPayload): SealedSubject | null {
  if (event.eventType !== LETTER_EVENT_TYPES.created) return null;
  const m = decodeAs(LetterCreatedSchema, event);
  if (m.sealedPersonalData.length === 0) return null;
  if (event.dataSubjectKeyId === null) {
    throw new MalformedLetterPayloadError('a sealed subject line without a key id');
  }
  return { keyId: event.dataSubjectKeyId, sealed: m.sealedPersonalData };
}

/**
 * The subject line sealed as `sealed` under `keyId` for `recipientId`, opened with `keys`;
 * `null` when its key was destroyed (the person's data erased).
 *
 * @throws `KeyUnavailableError` when this site does not have the key (yet);
 *   {@link MalformedLetterPayloadError} when the bytes do not open or decode.
 */
export function openSubject(
  keys: SubjectKeys,
  keyId: string,
  sealed: Uint8Array,
  recipientId: string,
): string | null {
  let plaintext;
  try {
    plaintext = keys.open(keyId, sealed, subjectContext(recipientId));
  } catch (error) {
    if (!(error instanceof SealedDataError)) throw error;
    throw new MalformedLetterPayloadError('a sealed subject line does not open', {
      cause: error,
    });
  }
  if (plaintext === ERASED) return null;
  try {
    return fromBinary(LetterCreated_PersonalDataSchema, plaintext).subject;
  } catch (error) {
    throw new MalformedLetterPayloadError('a sealed subject line does not decode', {
      cause: error,
    });
  }
}

/** The stored form of a `LetterCreated`: a person's subject line sealed under their key. */
function encodeCreated(
  d: Extract<LetterEvent, { type: 'LetterCreated' }>['data'],
  keys: SubjectKeys | null,
): NewEvent {
  if (d.subject === null) throw new TypeError('a letter is recorded with its subject line');
  const message = create(LetterCreatedSchema, {
    letterId: d.letterId,
    senderOrganisationId: d.senderOrganisationId,
    senderActorId: d.senderActorId,
    recipientKind: kindOf(d.recipient),
    recipientId: d.recipient.id,
    subject: d.subject,
    procedureId: d.procedureId ?? '',
    contentType: d.contentType,
    sha256: d.sha256,
    sizeBytes: BigInt(d.sizeBytes),
    retentionDays: d.retentionDays,
    receiptRequested: d.receiptRequested,
    createdAt: ts(d.createdAt),
    deliveredBy: d.deliveredBy ?? '',
    senderReference: d.senderReference ?? '',
  });
  if (d.recipient.kind === 'business') {
    return payload('LetterCreated', LetterCreatedSchema, message, d.createdAt);
  }
  if (keys === null) {
    throw new TypeError('a letter to a person is sealed: encode it with the recipient’s keys');
  }
  const personal = create(LetterCreated_PersonalDataSchema, { subject: d.subject });
  const { keyId, sealed } = keys.seal(
    d.recipient.id,
    toBinary(LetterCreated_PersonalDataSchema, personal),
    subjectContext(d.recipient.id),
  );
  message.subject = '';
  message.sealedPersonalData = sealed;
  return {
    ...payload('LetterCreated', LetterCreatedSchema, message, d.createdAt),
    dataSubjectKeyId: keyId,
  };
}

/**
 * The codec of a letter's stream, sealing and opening a person's subject line with `keys`.
 * Without keys (`null`: a command that needs no subject line, a read model) a sealed subject
 * line decodes as `null`, and a person's `LetterCreated` cannot be encoded (a `TypeError`). A
 * subject line whose key was destroyed decodes as `null` too; one whose key `keys` lack throws
 * `KeyUnavailableError` (never taken for erased).
 */
export function letterCodecWith(keys: SubjectKeys | null): EventCodec<LetterEvent> {
  return {
    encode: (event) => encodeLetterEvent(event, keys),
    decode: (event) => decodeLetterEvent(event, keys),
  };
}

/** The codec of a letter's stream without keys (see {@link letterCodecWith}). */
export const letterCodec: EventCodec<LetterEvent> = letterCodecWith(null);

function encodeLetterEvent(event: LetterEvent, keys: SubjectKeys | null): NewEvent {
  switch (event.type) {
    case 'LetterCreated':
      return encodeCreated(event.data, keys);
    case 'LetterAvailable':
      return payload(
        'LetterAvailable',
        LetterAvailableSchema,
        create(LetterAvailableSchema, {
          letterId: event.data.letterId,
          availableAt: ts(event.data.availableAt),
          retainUntil: ts(event.data.retainUntil),
        }),
        event.data.availableAt,
      );
    case 'LetterRead':
      return payload(
        'LetterRead',
        LetterReadSchema,
        create(LetterReadSchema, {
          letterId: event.data.letterId,
          readerId: event.data.readerId,
          readAt: ts(event.data.readAt),
        }),
        event.data.readAt,
      );
    case 'LetterContentRead':
      return payload(
        'LetterContentRead',
        LetterContentReadSchema,
        create(LetterContentReadSchema, {
          letterId: event.data.letterId,
          readerId: event.data.readerId,
          sha256: event.data.sha256,
          readAt: ts(event.data.readAt),
          recipientKind:
            event.data.recipient === null
              ? RecipientKind.UNSPECIFIED
              : kindOf(event.data.recipient),
          recipientId: event.data.recipient?.id ?? '',
          senderOrganisationId: event.data.senderOrganisationId,
          procedureId: event.data.procedureId ?? '',
        }),
        event.data.readAt,
      );
    case 'ReceiptConfirmed':
      return payload(
        'ReceiptConfirmed',
        ReceiptConfirmedSchema,
        create(ReceiptConfirmedSchema, {
          letterId: event.data.letterId,
          confirmedBy: event.data.confirmedBy,
          confirmedAt: ts(event.data.confirmedAt),
        }),
        event.data.confirmedAt,
      );
    case 'LetterContentRemoved':
      return payload(
        'LetterContentRemoved',
        LetterContentRemovedSchema,
        create(LetterContentRemovedSchema, {
          letterId: event.data.letterId,
          sha256: event.data.sha256,
          removedAt: ts(event.data.removedAt),
        }),
        event.data.removedAt,
      );
    default: {
      const unknown: never = event;
      throw new TypeError(`unhandled letter event ${JSON.stringify(unknown)}`);
    }
  }
}

function decodeLetterEvent(event: StoredPayload, keys: SubjectKeys | null): LetterEvent {
  switch (event.eventType) {
    case LETTER_EVENT_TYPES.created: {
      const m = decodeAs(LetterCreatedSchema, event);
      if (!isLetterContentType(m.contentType)) {
        throw new MalformedLetterPayloadError(`content type ${m.contentType} is not allowed`);
      }
      if (m.recipientKind !== RecipientKind.PERSON && m.recipientKind !== RecipientKind.BUSINESS) {
        throw new MalformedLetterPayloadError('a LetterCreated names no recipient kind');
      }
      const sealed = sealedSubjectOf(event);
      const subject =
        sealed === null
          ? m.subject
          : keys === null
            ? null
            : openSubject(keys, sealed.keyId, sealed.sealed, m.recipientId);
      return {
        type: 'LetterCreated',
        data: {
          letterId: m.letterId,
          senderOrganisationId: m.senderOrganisationId,
          senderActorId: m.senderActorId,
          deliveredBy: m.deliveredBy === '' ? null : m.deliveredBy,
          senderReference: m.senderReference === '' ? null : m.senderReference,
          recipient: {
            kind: m.recipientKind === RecipientKind.PERSON ? 'person' : 'business',
            id: m.recipientId,
          },
          subject,
          procedureId: m.procedureId === '' ? null : m.procedureId,
          contentType: m.contentType,
          sha256: m.sha256,
          sizeBytes: Number(m.sizeBytes),
          retentionDays: m.retentionDays,
          receiptRequested: m.receiptRequested,
          createdAt: time(m.createdAt, 'created_at'),
        },
      };
    }
    case LETTER_EVENT_TYPES.available: {
      const m = decodeAs(LetterAvailableSchema, event);
      return {
        type: 'LetterAvailable',
        data: {
          letterId: m.letterId,
          availableAt: time(m.availableAt, 'available_at'),
          retainUntil: time(m.retainUntil, 'retain_until'),
        },
      };
    }
    case LETTER_EVENT_TYPES.read: {
      const m = decodeAs(LetterReadSchema, event);
      return {
        type: 'LetterRead',
        data: { letterId: m.letterId, readerId: m.readerId, readAt: time(m.readAt, 'read_at') },
      };
    }
    case LETTER_EVENT_TYPES.contentRead: {
      const m = decodeAs(LetterContentReadSchema, event);
      return {
        type: 'LetterContentRead',
        data: {
          letterId: m.letterId,
          readerId: m.readerId,
          sha256: m.sha256,
          readAt: time(m.readAt, 'read_at'),
          recipient: recipientOf(m.recipientKind, m.recipientId),
          senderOrganisationId: m.senderOrganisationId,
          procedureId: m.procedureId === '' ? null : m.procedureId,
        },
      };
    }
    case LETTER_EVENT_TYPES.receiptConfirmed: {
      const m = decodeAs(ReceiptConfirmedSchema, event);
      return {
        type: 'ReceiptConfirmed',
        data: {
          letterId: m.letterId,
          confirmedBy: m.confirmedBy,
          confirmedAt: time(m.confirmedAt, 'confirmed_at'),
        },
      };
    }
    case LETTER_EVENT_TYPES.contentRemoved: {
      const m = decodeAs(LetterContentRemovedSchema, event);
      return {
        type: 'LetterContentRemoved',
        data: {
          letterId: m.letterId,
          sha256: m.sha256,
          removedAt: time(m.removedAt, 'removed_at'),
        },
      };
    }
    default:
      throw new MalformedLetterPayloadError(`${event.eventType} is not a letter event`);
  }
}

/** The stream of the letterbox's record of a person's erasure. */
export const recipientErasureStreamId = (nationalId: string): string =>
  `recipient-erasure-${nationalId}`;

/** A person erased by the registry, as the letterbox records it. */
export interface RecipientErasure {
  readonly nationalId: string;
  readonly erasedAt: Date;
  /** The registry's `PersonErased` event id. */
  readonly registryEventId: string;
}

/** The stored form of `RecipientErased`, revision 1 (nothing sealed: it names the person only). */
export function encodeRecipientErased(erasure: RecipientErasure): NewEvent {
  return protoPayload(
    RecipientErasedSchema,
    create(RecipientErasedSchema, {
      subjectNationalId: erasure.nationalId,
      erasedAt: ts(erasure.erasedAt),
      registryEventId: erasure.registryEventId,
    }),
    erasure.erasedAt,
    1,
  );
}

/**
 * The erasure a stored `RecipientErased` records.
 *
 * @throws {@link MalformedLetterPayloadError} when it does not decode or names no person.
 */
export function decodeRecipientErased(event: Pick<RecordedEvent, 'payload'>): RecipientErasure {
  const m = decodeAs(RecipientErasedSchema, event);
  if (m.subjectNationalId === '') {
    throw new MalformedLetterPayloadError('a RecipientErased names no person');
  }
  return {
    nationalId: m.subjectNationalId,
    erasedAt: time(m.erasedAt, 'erased_at'),
    registryEventId: m.registryEventId,
  };
}
