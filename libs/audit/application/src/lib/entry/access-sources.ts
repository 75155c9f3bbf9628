import { fromBinary } from '@bufbuild/protobuf';
import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import { timestampDate } from '@bufbuild/protobuf/wkt';

import {
  AccessPermittedSchema,
  AccessorRole,
  CorrectionCommunicatedSchema,
  LetterContentReadSchema,
  PersonalDataAccessedSchema,
  RecipientKind,
  Register,
} from '@gov/contracts';
import type { RecordedEvent } from '@gov/platform-event-sourcing';

import { entryIdFor } from './access-entry';
import type { AccessCapacityName, AccessEntry } from './access-entry';

/** The source events that become entries, by event type. */
export const PERSONAL_DATA_ACCESSED = PersonalDataAccessedSchema.typeName;
export const ACCESS_PERMITTED = AccessPermittedSchema.typeName;
export const CORRECTION_COMMUNICATED = CorrectionCommunicatedSchema.typeName;
export const LETTER_CONTENT_READ = LetterContentReadSchema.typeName;

/** The purpose of a correction recipient's entry. */
export const CORRECTION_RECIPIENT_PURPOSE = 'gdpr-art-19-rectification';
/** The legal basis of a correction recipient's entry: the duty to notify recipients. */
export const CORRECTION_RECIPIENT_LEGAL_BASIS = 'GDPR Art. 19';
/** The fields of a letter read's entry: the letter's document, whatever it says. */
export const LETTER_READ_FIELDS: readonly string[] = ['letterbox.document'];
/** The purpose of a letter read's entry. */
export const LETTER_READ_PURPOSE = 'letter-read';

/**
 * Why a source event that should become an entry cannot: no retry changes it, so the consumer
 * dead-letters it (and the access is missing from the log until someone looks at the dead
 * letters: the source's own contract was broken).
 */
export class InvalidSourceEventError extends Error {
  override readonly name: string = 'InvalidSourceEventError';
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

/**
 * The entries a registry CorrectionCommunicated reports: one per recipient, each an access in
 * capacity `correction-recipient` (the notice disclosed the corrected value to it), at the
 * instant the correction was communicated, under GDPR Art. 19, sealed as the recipient's own
 * reads were. Empty for the registry's other events and for a correction no organisation had
 * received. Each entry id derives from the source event id and the recipient (an event names
 * each recipient once), so every entry is unique and a redelivery maps to the same ids; the
 * leaf's `sourceEventId` stays the registry's event id.
 *
 * @param newSalt - gives 32 random bytes per entry.
 * @throws {@link InvalidSourceEventError} for a CorrectionCommunicated that breaks its contract.
 */
export function entriesFromCorrectionCommunicated(
  event: SourceEvent,
  newSalt: () => Uint8Array,
): AccessEntry[] {
  if (event.eventType !== CORRECTION_COMMUNICATED) return [];
  const message = decode(CorrectionCommunicatedSchema, event);
  const type = event.eventType;
  check(message.register === Register.PERSONS, 'register is not REGISTER_PERSONS', type);
  check(NATIONAL_ID.test(message.recordId), 'record_id is not 13 digits', type);
  check(message.correctionId !== '', 'correction_id is empty', type);
  check(message.field !== '', 'field is empty', type);
  const communicatedAt = message.communicatedAt;
  if (!communicatedAt) throw new InvalidSourceEventError(`${type}: communicated_at is missing`);
  const organisations = message.recipients.map((recipient) => recipient.organisationId);
  check(!organisations.includes(''), 'a recipient has no organisation_id', type);
  check(new Set(organisations).size === organisations.length, 'a recipient is named twice', type);
  return message.recipients.map((recipient) => ({
    entryId: entryIdFor('registry', `${event.eventId}/recipient/${recipient.organisationId}`),
    subjectNationalId: message.recordId,
    organisationId: recipient.organisationId,
    actorId: null,
    capacity: 'correction-recipient',
    fields: [message.field],
    accessedAt: timestampDate(communicatedAt),
    purpose: CORRECTION_RECIPIENT_PURPOSE,
    legalBasis: CORRECTION_RECIPIENT_LEGAL_BASIS,
    legalBasisId: null,
    consentId: null,
    procedureId: recipient.procedureId === '' ? null : recipient.procedureId,
    traceId: null,
    source: { service: 'registry', eventId: event.eventId, eventType: type },
    sealedUntil: recipient.sealedUntil ? timestampDate(recipient.sealedUntil) : null,
    salt: newSalt(),
  }));
}

/**
 * The entry a letterbox event reports: a LetterContentRead of a person's letter, as the person
 * (`self`, capacity `data-subject`) reading their own document, the reader being the token
 * subject that opened it. `null` for the letterbox's other events, for a business's letter
 * (not one person's data) and for reads recorded before the event carried its recipient
 * (RECIPIENT_KIND_UNSPECIFIED: whose letter it was is not in the event).
 *
 * @param salt - 32 random bytes for the leaf.
 * @throws {@link InvalidSourceEventError} for a LetterContentRead that breaks its contract.
 */
export function entryFromLetterboxEvent(event: SourceEvent, salt: Uint8Array): AccessEntry | null {
  if (event.eventType !== LETTER_CONTENT_READ) return null;
  const message = decode(LetterContentReadSchema, event);
  if (message.recipientKind !== RecipientKind.PERSON) return null;
  const type = event.eventType;
  check(NATIONAL_ID.test(message.recipientId), 'recipient_id is not 13 digits', type);
  check(message.letterId !== '', 'letter_id is empty', type);
  check(message.readerId !== '', 'reader_id is empty', type);
  const readAt = message.readAt;
  if (!readAt) throw new InvalidSourceEventError(`${type}: read_at is missing`);
  return {
    entryId: entryIdFor('letterbox', event.eventId),
    subjectNationalId: message.recipientId,
    organisationId: 'self',
    actorId: message.readerId,
    capacity: 'data-subject',
    fields: [...LETTER_READ_FIELDS],
    accessedAt: timestampDate(readAt),
    purpose: LETTER_READ_PURPOSE,
    legalBasis: null,
    legalBasisId: null,
    consentId: null,
    procedureId: message.procedureId === '' ? null : message.procedureId,
    traceId: null,
    source: { service: 'letterbox', eventId: event.eventId, eventType: type },
    sealedUntil: null,
    salt,
  };
}
