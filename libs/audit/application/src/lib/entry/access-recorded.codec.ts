import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';

import { AccessCapacity, AccessRecordedSchema } from '@gov/contracts';
import type { NewEvent, RecordedEvent } from '@gov/platform-event-sourcing';

import type { AccessCapacityName, AccessEntry } from './access-entry';

/** Event type of an entry in the audit log. */
export const ACCESS_RECORDED = AccessRecordedSchema.typeName;

/** Revision of the gov.audit.v1 payloads this code writes. */
export const AUDIT_PAYLOAD_SCHEMA_VERSION = 1;

/** The stream of an entry: one event per stream. */
export function entryStreamId(entryId: string): string {
  return `access-${entryId}`;
}

const CAPACITIES: Readonly<Record<AccessCapacityName, AccessCapacity>> = {
  'data-subject': AccessCapacity.DATA_SUBJECT,
  registrar: AccessCapacity.REGISTRAR,
  'agency-official': AccessCapacity.AGENCY_OFFICIAL,
  'agency-system': AccessCapacity.AGENCY_SYSTEM,
  prefill: AccessCapacity.PREFILL,
  'permitted-organisation': AccessCapacity.PERMITTED_ORGANISATION,
  'correction-recipient': AccessCapacity.CORRECTION_RECIPIENT,
  'feed-recipient': AccessCapacity.FEED_RECIPIENT,
};

/** Why a stored AccessRecorded cannot be read: the log holds something this code never wrote. */
export class MalformedEntryError extends Error {
  override readonly name = 'MalformedEntryError';
}

const orEmpty = (value: string | null): string => value ?? '';
const orNull = (value: string): string | null => (value === '' ? null : value);

/** The stored form of an entry. */
export function encodeAccessRecorded(entry: AccessEntry, recordedAt: Date): NewEvent {
  return {
    eventId: entry.entryId,
    eventType: ACCESS_RECORDED,
    payloadSchemaVersion: AUDIT_PAYLOAD_SCHEMA_VERSION,
    occurredAt: recordedAt,
    payload: toBinary(
      AccessRecordedSchema,
      create(AccessRecordedSchema, {
        entryId: entry.entryId,
        subjectNationalId: entry.subjectNationalId,
        organisationId: entry.organisationId,
        actorId: orEmpty(entry.actorId),
        capacity: CAPACITIES[entry.capacity],
        fields: [...entry.fields],
        accessedAt: timestampFromDate(entry.accessedAt),
        purpose: entry.purpose,
        legalBasis: orEmpty(entry.legalBasis),
        legalBasisId: orEmpty(entry.legalBasisId),
        consentId: orEmpty(entry.consentId),
        procedureId: orEmpty(entry.procedureId),
        traceId: orEmpty(entry.traceId),
        sourceService: entry.source.service,
        sourceEventId: entry.source.eventId,
        sourceEventType: entry.source.eventType,
        ...(entry.sealedUntil === null
          ? {}
          : { sealedUntil: timestampFromDate(entry.sealedUntil) }),
        salt: entry.salt,
      }),
    ),
  };
}

/**
 * The entry of a stored AccessRecorded.
 *
 * @throws {@link MalformedEntryError} for another event type or bytes that do not decode.
 */
export function decodeAccessRecorded(
  event: Pick<RecordedEvent, 'eventType' | 'payload'>,
): AccessEntry {
  if (event.eventType !== ACCESS_RECORDED) {
    throw new MalformedEntryError(`${event.eventType} is not an entry of the audit log`);
  }
  let message;
  try {
    message = fromBinary(AccessRecordedSchema, event.payload);
  } catch (error) {
    throw new MalformedEntryError(`the payload is not a ${ACCESS_RECORDED}`, { cause: error });
  }
  const capacity = (Object.keys(CAPACITIES) as AccessCapacityName[]).find(
    (name) => CAPACITIES[name] === message.capacity,
  );
  if (!capacity) throw new MalformedEntryError(`capacity ${message.capacity} is not known`);
  if (!message.accessedAt) throw new MalformedEntryError('accessed_at is missing');
  return {
    entryId: message.entryId,
    subjectNationalId: message.subjectNationalId,
    organisationId: message.organisationId,
    actorId: orNull(message.actorId),
    capacity,
    fields: [...message.fields],
    accessedAt: timestampDate(message.accessedAt),
    purpose: message.purpose,
    legalBasis: orNull(message.legalBasis),
    legalBasisId: orNull(message.legalBasisId),
    consentId: orNull(message.consentId),
    procedureId: orNull(message.procedureId),
    traceId: orNull(message.traceId),
    source: {
      service: message.sourceService,
      eventId: message.sourceEventId,
      eventType: message.sourceEventType,
    },
    sealedUntil: message.sealedUntil ? timestampDate(message.sealedUntil) : null,
    salt: message.salt,
  };
}
