import { fromBinary } from '@bufbuild/protobuf';
import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import { timestampDate } from '@bufbuild/protobuf/wkt';

import { AccessPermittedSchema, AccessorRole, PersonalDataAccessedSchema } from '@gov/contracts';
import type { RecordedEvent } from '@gov/platform-event-sourcing';

import { entryIdFor } from './access-entry';
import type { AccessCapacityName, AccessEntry } from './access-entry';

/** The source events that become entries, by event type. */
export const PERSONAL_DATA_ACCESSED = PersonalDataAccessedSchema.typeName;
export const ACCESS_PERMITTED = AccessPermittedSchema.typeName;

/**
 * Why a source event that should become an entry cannot: no retry changes it, so the consumer
 * dead-letters it (and the access is missing from the log until someone looks at the dead
 * letters: the source's own contract was broken).
 */
export class InvalidSourceEventError extends Error {
  override readonly name = 'InvalidSourceEventError';
}

const NATIONAL_ID = /^\d{13}$/;

function decode<Desc extends DescMessage>(
  schema: Desc,
  event: Pick<RecordedEvent, 'payload'>,
): MessageShape<Desc> {
  try {
    return fromBinary(schema, event.payload);
  } catch (error) {
    throw new InvalidSourceEventError(`the payload is not a ${schema.typeName}`, {
      cause: error,
    });
  }
}

function check(condition: boolean, what: string, eventType: string): void {
  if (!condition) throw new InvalidSourceEventError(`${eventType}: ${what}`);
}

const REGISTRY_ROLES: Readonly<Partial<Record<AccessorRole, AccessCapacityName>>> = {
  [AccessorRole.DATA_SUBJECT]: 'data-subject',
  [AccessorRole.REGISTRAR]: 'registrar',
  [AccessorRole.AGENCY_OFFICIAL]: 'agency-official',
  [AccessorRole.AGENCY_SYSTEM]: 'agency-system',
  [AccessorRole.PREFILL]: 'prefill',
};

/** What the source says is the service that wrote it (the envelope's producer). */
type SourceEvent = Pick<RecordedEvent, 'eventId' | 'eventType' | 'payload' | 'producer'> &
  Partial<Pick<RecordedEvent, 'actor'>>;

/**
 * The entry a registry event reports, or `null` for the registry's other events (not accesses).
 * The registry's `legal_basis` is a provision or `consent/<artefact id>`; `legal_basis_id`,
 * `consent_id` and `sealed_until` (a covert basis) say the same as fields, and win when set.
 *
 * @param salt - 32 random bytes for the leaf.
 * @throws {@link InvalidSourceEventError} for a PersonalDataAccessed that breaks its contract.
 */
export function entryFromRegistryEvent(event: SourceEvent, salt: Uint8Array): AccessEntry | null {
  if (event.eventType !== PERSONAL_DATA_ACCESSED) return null;
  const message = decode(PersonalDataAccessedSchema, event);
  const type = event.eventType;
  check(NATIONAL_ID.test(message.subjectNationalId), 'subject_national_id is not 13 digits', type);
  check(message.organisationId !== '', 'organisation_id is empty', type);
  check(message.fieldsRead.length > 0, 'fields_read is empty', type);
  const accessedAt = message.accessedAt;
  if (!accessedAt) throw new InvalidSourceEventError(`${type}: accessed_at is missing`);
  const capacity = REGISTRY_ROLES[message.accessorRole];
  if (!capacity) {
    throw new InvalidSourceEventError(
      `${type}: accessor_role ${message.accessorRole} is not known`,
    );
  }
  const consent =
    message.consentId === '' ? /^consent\/(.+)$/.exec(message.legalBasis)?.[1] : message.consentId;
  return {
    entryId: entryIdFor('registry', event.eventId),
    subjectNationalId: message.subjectNationalId,
    organisationId: message.organisationId,
    // The token subject that read (the envelope's actor), when the registry recorded one.
    actorId: event.actor?.id ?? null,
    capacity,
    fields: [...message.fieldsRead],
    accessedAt: timestampDate(accessedAt),
    purpose: message.purpose,
    legalBasis: consent === undefined && message.legalBasis !== '' ? message.legalBasis : null,
    legalBasisId: message.legalBasisId === '' ? null : message.legalBasisId,
    consentId: consent ?? null,
    procedureId: message.procedureId === '' ? null : message.procedureId,
    traceId: message.traceId === '' ? null : message.traceId,
    source: { service: 'registry', eventId: event.eventId, eventType: event.eventType },
    sealedUntil: message.sealedUntil ? timestampDate(message.sealedUntil) : null,
    salt,
  };
}

/**
 * The entry a consent event reports: an AccessPermitted that no other service records
 * (`access_recorded_by` empty); `null` for every other consent event and for permits whose use
 * is recorded by the service that reads the data (its own event is the entry).
 *
 * @param salt - 32 random bytes for the leaf.
 * @throws {@link InvalidSourceEventError} for an AccessPermitted that breaks its contract.
 */
export function entryFromConsentEvent(event: SourceEvent, salt: Uint8Array): AccessEntry | null {
  if (event.eventType !== ACCESS_PERMITTED) return null;
  const message = decode(AccessPermittedSchema, event);
  if (message.accessRecordedBy !== '') return null;
  const type = event.eventType;
  check(NATIONAL_ID.test(message.subjectNationalId), 'subject_national_id is not 13 digits', type);
  check(message.organisationId !== '', 'organisation_id is empty', type);
  check(message.categories.length > 0, 'categories is empty', type);
  const decidedAt = message.decidedAt;
  if (!decidedAt) throw new InvalidSourceEventError(`${type}: decided_at is missing`);
  check(message.basis.case !== undefined, 'neither consent_id nor legal_basis_id is set', type);
  const basis = message.basis;
  return {
    entryId: entryIdFor('consent', event.eventId),
    subjectNationalId: message.subjectNationalId,
    organisationId: message.organisationId,
    actorId: message.actorId === '' ? null : message.actorId,
    capacity: 'permitted-organisation',
    fields: [...message.categories],
    accessedAt: timestampDate(decidedAt),
    purpose: message.purpose,
    legalBasis:
      basis.case === 'legalBasisId'
        ? message.legalBasisReference === ''
          ? basis.value
          : message.legalBasisReference
        : null,
    legalBasisId: basis.case === 'legalBasisId' ? basis.value : null,
    consentId: basis.case === 'consentId' ? basis.value : null,
    procedureId: message.procedureId === '' ? null : message.procedureId,
    traceId: message.traceId === '' ? null : message.traceId,
    source: { service: 'consent', eventId: event.eventId, eventType: event.eventType },
    sealedUntil: message.sealedUntil ? timestampDate(message.sealedUntil) : null,
    salt,
  };
}
