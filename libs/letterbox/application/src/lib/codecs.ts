// The letterbox's events to and from gov.letterbox.v1 payloads. The event type is the payload
// message's full name; `occurredAt` is the fact's own time.
import { create } from '@bufbuild/protobuf';
import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { Timestamp } from '@bufbuild/protobuf/wkt';

import {
  LetterAvailableSchema,
  LetterContentReadSchema,
  LetterContentRemovedSchema,
  LetterCreatedSchema,
  LetterReadSchema,
  ReceiptConfirmedSchema,
  RecipientKind,
} from '@gov/contracts';
import { isLetterContentType } from '@gov/letterbox-domain';
import type { LetterEvent, Recipient } from '@gov/letterbox-domain';
import { protoMessage, protoPayload } from '@gov/platform-event-sourcing';
import type { EventCodec, NewEvent, RecordedEvent } from '@gov/platform-event-sourcing';

/**
 * The revision of each gov.letterbox.v1 payload this code writes (see proto/README.md): 2 for
 * `LetterCreated` (`delivered_by`) and `LetterContentRead` (recipient, sender, procedure), whose
 * revision 1 lacks those fields; 1 for the others.
 */
export const PAYLOAD_SCHEMA_VERSIONS: Readonly<Record<LetterEvent['type'], number>> = {
  LetterCreated: 2,
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
} as const;

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

/** The codec of a letter's stream. */
export const letterCodec: EventCodec<LetterEvent> = {
  encode(event) {
    switch (event.type) {
      case 'LetterCreated': {
        const d = event.data;
        return payload(
          'LetterCreated',
          LetterCreatedSchema,
          create(LetterCreatedSchema, {
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
          }),
          d.createdAt,
        );
      }
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
  },

  decode(event) {
    switch (event.eventType) {
      case LETTER_EVENT_TYPES.created: {
        const m = decodeAs(LetterCreatedSchema, event);
        if (!isLetterContentType(m.contentType)) {
          throw new MalformedLetterPayloadError(`content type ${m.contentType} is not allowed`);
        }
        if (
          m.recipientKind !== RecipientKind.PERSON &&
          m.recipientKind !== RecipientKind.BUSINESS
        ) {
          throw new MalformedLetterPayloadError('a LetterCreated names no recipient kind');
        }
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
            subject: m.subject,
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
  },
};
