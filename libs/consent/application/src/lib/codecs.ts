// The consent context's events to and from gov.consent.v1 payloads. The event type is the
// payload message's full name; `occurredAt` is the fact's own time.
import { create } from '@bufbuild/protobuf';
import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { Timestamp } from '@bufbuild/protobuf/wkt';

import {
  AccessPermittedSchema,
  ConsentEndedByErasureSchema,
  ConsentExpiredSchema,
  ConsentGrantedSchema,
  ConsentPausedSchema,
  ConsentResumedSchema,
  ConsentRevokedSchema,
  ConsentSubjectErasedSchema,
  ConsentSupersededSchema,
  PrefillPreference as ProtoPrefillPreference,
  PrefillPreferenceClearedSchema,
  PrefillPreferenceSetSchema,
} from '@gov/contracts';
import type { AccessPermitted } from '@gov/contracts';
import type { ConsentEvent, PrefillEvent, PrefillPreference } from '@gov/consent-domain';
import { protoMessage, protoPayload } from '@gov/platform-event-sourcing';
import type { EventCodec, NewEvent, RecordedEvent } from '@gov/platform-event-sourcing';

/** The revision of every gov.consent.v1 payload this code writes (see proto/README.md). */
export const PAYLOAD_SCHEMA_VERSION = 1;

/** The event types of the consent service's log. */
export const CONSENT_EVENT_TYPES = {
  granted: ConsentGrantedSchema.typeName,
  paused: ConsentPausedSchema.typeName,
  resumed: ConsentResumedSchema.typeName,
  revoked: ConsentRevokedSchema.typeName,
  superseded: ConsentSupersededSchema.typeName,
  expired: ConsentExpiredSchema.typeName,
  endedByErasure: ConsentEndedByErasureSchema.typeName,
  subjectErased: ConsentSubjectErasedSchema.typeName,
  accessPermitted: AccessPermittedSchema.typeName,
  prefillSet: PrefillPreferenceSetSchema.typeName,
  prefillCleared: PrefillPreferenceClearedSchema.typeName,
} as const;

/** A stored payload that does not decode: a fault of the log, never a client's error. */
export class MalformedConsentPayloadError extends Error {
  override readonly name = 'MalformedConsentPayloadError';
}

function payload<Desc extends DescMessage>(
  schema: Desc,
  message: MessageShape<Desc>,
  occurredAt: Date,
): NewEvent {
  return protoPayload(schema, message, occurredAt, PAYLOAD_SCHEMA_VERSION);
}

function decodeAs<Desc extends DescMessage>(
  schema: Desc,
  event: Pick<RecordedEvent, 'eventType' | 'payload'>,
): MessageShape<Desc> {
  return protoMessage(
    schema,
    event,
    (detail, cause) => new MalformedConsentPayloadError(detail, { cause }),
  );
}

function time(value: Timestamp | undefined, field: string): Date {
  if (value === undefined) throw new MalformedConsentPayloadError(`${field} is missing`);
  return timestampDate(value);
}

const ts = timestampFromDate;
const orNull = (value: string): string | null => (value === '' ? null : value);

/** A permitted use as gov.consent.v1.AccessPermitted sees it, on a consent or a legal basis. */
export interface PermitRecord {
  readonly decisionId: string;
  readonly subject: string;
  readonly organisationId: string;
  readonly actorId: string;
  readonly purpose: string;
  readonly procedureId: string | null;
  readonly categories: readonly string[];
  readonly basis:
    | { readonly kind: 'consent'; readonly consentId: string }
    | { readonly kind: 'legal-basis'; readonly legalBasisId: string; readonly reference: string };
  readonly decidedAt: Date;
  readonly traceId: string | null;
  readonly sealedUntil: Date | null;
  readonly accessRecordedBy: string | null;
  /** 0 for a legal basis. */
  readonly useNumber: number;
}

/** The stored form of a permit. */
export function encodePermit(permit: PermitRecord): NewEvent {
  return payload(
    AccessPermittedSchema,
    create(AccessPermittedSchema, {
      decisionId: permit.decisionId,
      subjectNationalId: permit.subject,
      organisationId: permit.organisationId,
      actorId: permit.actorId,
      purpose: permit.purpose,
      procedureId: permit.procedureId ?? '',
      categories: [...permit.categories],
      basis:
        permit.basis.kind === 'consent'
          ? { case: 'consentId', value: permit.basis.consentId }
          : { case: 'legalBasisId', value: permit.basis.legalBasisId },
      legalBasisReference: permit.basis.kind === 'legal-basis' ? permit.basis.reference : '',
      decidedAt: ts(permit.decidedAt),
      traceId: permit.traceId ?? '',
      ...(permit.sealedUntil === null ? {} : { sealedUntil: ts(permit.sealedUntil) }),
      accessRecordedBy: permit.accessRecordedBy ?? '',
      useNumber: permit.useNumber,
    }),
    permit.decidedAt,
  );
}

/** The permit in a stored gov.consent.v1.AccessPermitted. */
export function decodePermit(event: Pick<RecordedEvent, 'eventType' | 'payload'>): PermitRecord {
  const message: AccessPermitted = decodeAs(AccessPermittedSchema, event);
  const { basis } = message;
  if (basis.case === undefined) {
    throw new MalformedConsentPayloadError('an AccessPermitted names no basis');
  }
  return {
    decisionId: message.decisionId,
    subject: message.subjectNationalId,
    organisationId: message.organisationId,
    actorId: message.actorId,
    purpose: message.purpose,
    procedureId: orNull(message.procedureId),
    categories: message.categories,
    basis:
      basis.case === 'consentId'
        ? { kind: 'consent', consentId: basis.value }
        : {
            kind: 'legal-basis',
            legalBasisId: basis.value,
            reference: message.legalBasisReference,
          },
    decidedAt: time(message.decidedAt, 'decided_at'),
    traceId: orNull(message.traceId),
    sealedUntil: message.sealedUntil === undefined ? null : timestampDate(message.sealedUntil),
    accessRecordedBy: orNull(message.accessRecordedBy),
    useNumber: message.useNumber,
  };
}

/** The codec of a consent artefact's stream. */
export const consentCodec: EventCodec<ConsentEvent> = {
  encode(event) {
    switch (event.type) {
      case 'ConsentGranted': {
        const d = event.data;
        return payload(
          ConsentGrantedSchema,
          create(ConsentGrantedSchema, {
            consentId: d.consentId,
            subjectNationalId: d.subject,
            organisationId: d.organisationId,
            categories: [...d.categories],
            purpose: d.purpose,
            procedureId: d.procedureId ?? '',
            validFrom: ts(d.validFrom),
            validUntil: ts(d.validUntil),
            maxUses: d.maxUses ?? 0,
            supersedesConsentId: d.supersedes ?? '',
            language: d.language,
            grantedAt: ts(d.grantedAt),
          }),
          d.grantedAt,
        );
      }
      case 'ConsentPaused':
        return payload(
          ConsentPausedSchema,
          create(ConsentPausedSchema, {
            consentId: event.data.consentId,
            pausedAt: ts(event.data.pausedAt),
          }),
          event.data.pausedAt,
        );
      case 'ConsentResumed':
        return payload(
          ConsentResumedSchema,
          create(ConsentResumedSchema, {
            consentId: event.data.consentId,
            resumedAt: ts(event.data.resumedAt),
          }),
          event.data.resumedAt,
        );
      case 'ConsentRevoked':
        return payload(
          ConsentRevokedSchema,
          create(ConsentRevokedSchema, {
            consentId: event.data.consentId,
            revokedAt: ts(event.data.revokedAt),
          }),
          event.data.revokedAt,
        );
      case 'ConsentSuperseded':
        return payload(
          ConsentSupersededSchema,
          create(ConsentSupersededSchema, {
            consentId: event.data.consentId,
            supersededByConsentId: event.data.supersededBy,
            supersededAt: ts(event.data.supersededAt),
          }),
          event.data.supersededAt,
        );
      case 'ConsentExpired':
        return payload(
          ConsentExpiredSchema,
          create(ConsentExpiredSchema, {
            consentId: event.data.consentId,
            expiredAt: ts(event.data.expiredAt),
          }),
          event.data.expiredAt,
        );
      case 'ConsentEndedByErasure': {
        const d = event.data;
        return payload(
          ConsentEndedByErasureSchema,
          create(ConsentEndedByErasureSchema, {
            consentId: d.consentId,
            subjectNationalId: d.subject,
            registryEventId: d.registryEventId,
            erasedAt: ts(d.erasedAt),
            endedAt: ts(d.endedAt),
          }),
          d.endedAt,
        );
      }
      case 'AccessPermitted': {
        const { consentId, ...use } = event.data;
        return {
          // The decision's id is the event's: a decision re-run after a lost answer (same
          // Idempotency-Key, same id) is refused by the store instead of counting a second use.
          eventId: use.decisionId,
          ...encodePermit({ ...use, basis: { kind: 'consent', consentId }, sealedUntil: null }),
        };
      }
      default: {
        const unknown: never = event;
        throw new TypeError(`unhandled consent event ${JSON.stringify(unknown)}`);
      }
    }
  },

  decode(event) {
    switch (event.eventType) {
      case CONSENT_EVENT_TYPES.granted: {
        const m = decodeAs(ConsentGrantedSchema, event);
        return {
          type: 'ConsentGranted',
          data: {
            consentId: m.consentId,
            subject: m.subjectNationalId,
            organisationId: m.organisationId,
            categories: m.categories,
            purpose: m.purpose,
            procedureId: orNull(m.procedureId),
            validFrom: time(m.validFrom, 'valid_from'),
            validUntil: time(m.validUntil, 'valid_until'),
            maxUses: m.maxUses === 0 ? null : m.maxUses,
            supersedes: orNull(m.supersedesConsentId),
            language: m.language,
            grantedAt: time(m.grantedAt, 'granted_at'),
          },
        };
      }
      case CONSENT_EVENT_TYPES.paused: {
        const m = decodeAs(ConsentPausedSchema, event);
        return {
          type: 'ConsentPaused',
          data: { consentId: m.consentId, pausedAt: time(m.pausedAt, 'paused_at') },
        };
      }
      case CONSENT_EVENT_TYPES.resumed: {
        const m = decodeAs(ConsentResumedSchema, event);
        return {
          type: 'ConsentResumed',
          data: { consentId: m.consentId, resumedAt: time(m.resumedAt, 'resumed_at') },
        };
      }
      case CONSENT_EVENT_TYPES.revoked: {
        const m = decodeAs(ConsentRevokedSchema, event);
        return {
          type: 'ConsentRevoked',
          data: { consentId: m.consentId, revokedAt: time(m.revokedAt, 'revoked_at') },
        };
      }
      case CONSENT_EVENT_TYPES.superseded: {
        const m = decodeAs(ConsentSupersededSchema, event);
        return {
          type: 'ConsentSuperseded',
          data: {
            consentId: m.consentId,
            supersededBy: m.supersededByConsentId,
            supersededAt: time(m.supersededAt, 'superseded_at'),
          },
        };
      }
      case CONSENT_EVENT_TYPES.expired: {
        const m = decodeAs(ConsentExpiredSchema, event);
        return {
          type: 'ConsentExpired',
          data: { consentId: m.consentId, expiredAt: time(m.expiredAt, 'expired_at') },
        };
      }
      case CONSENT_EVENT_TYPES.endedByErasure: {
        const m = decodeAs(ConsentEndedByErasureSchema, event);
        return {
          type: 'ConsentEndedByErasure',
          data: {
            consentId: m.consentId,
            subject: m.subjectNationalId,
            registryEventId: m.registryEventId,
            erasedAt: time(m.erasedAt, 'erased_at'),
            endedAt: time(m.endedAt, 'ended_at'),
          },
        };
      }
      case CONSENT_EVENT_TYPES.accessPermitted: {
        const permit = decodePermit(event);
        if (permit.basis.kind !== 'consent') {
          throw new MalformedConsentPayloadError('a legal-basis permit in a consent stream');
        }
        return {
          type: 'AccessPermitted',
          data: {
            decisionId: permit.decisionId,
            consentId: permit.basis.consentId,
            subject: permit.subject,
            organisationId: permit.organisationId,
            actorId: permit.actorId,
            purpose: permit.purpose,
            procedureId: permit.procedureId,
            categories: permit.categories,
            decidedAt: permit.decidedAt,
            traceId: permit.traceId,
            accessRecordedBy: permit.accessRecordedBy,
            useNumber: permit.useNumber,
          },
        };
      }
      default:
        throw new MalformedConsentPayloadError(`${event.eventType} is not a consent event`);
    }
  },
};

const PREFERENCE_TO_PROTO: Record<PrefillPreference, ProtoPrefillPreference> = {
  ALLOW: ProtoPrefillPreference.ALLOW,
  NEVER: ProtoPrefillPreference.NEVER,
};

function preferenceOf(value: ProtoPrefillPreference): PrefillPreference {
  if (value === ProtoPrefillPreference.ALLOW) return 'ALLOW';
  if (value === ProtoPrefillPreference.NEVER) return 'NEVER';
  throw new MalformedConsentPayloadError(`unknown prefill preference ${String(value)}`);
}

/** The codec of a person's prefill stream. */
export const prefillCodec: EventCodec<PrefillEvent> = {
  encode(event) {
    switch (event.type) {
      case 'PrefillPreferenceSet':
        return payload(
          PrefillPreferenceSetSchema,
          create(PrefillPreferenceSetSchema, {
            subjectNationalId: event.data.subject,
            source: event.data.source,
            procedureId: event.data.procedureId ?? '',
            preference: PREFERENCE_TO_PROTO[event.data.preference],
            setAt: ts(event.data.setAt),
          }),
          event.data.setAt,
        );
      case 'PrefillPreferenceCleared':
        return payload(
          PrefillPreferenceClearedSchema,
          create(PrefillPreferenceClearedSchema, {
            subjectNationalId: event.data.subject,
            source: event.data.source,
            procedureId: event.data.procedureId,
            clearedAt: ts(event.data.clearedAt),
          }),
          event.data.clearedAt,
        );
      default: {
        const unknown: never = event;
        throw new TypeError(`unhandled prefill event ${JSON.stringify(unknown)}`);
      }
    }
  },

  decode(event) {
    switch (event.eventType) {
      case CONSENT_EVENT_TYPES.prefillSet: {
        const m = decodeAs(PrefillPreferenceSetSchema, event);
        return {
          type: 'PrefillPreferenceSet',
          data: {
            subject: m.subjectNationalId,
            source: m.source,
            procedureId: orNull(m.procedureId),
            preference: preferenceOf(m.preference),
            setAt: time(m.setAt, 'set_at'),
          },
        };
      }
      case CONSENT_EVENT_TYPES.prefillCleared: {
        const m = decodeAs(PrefillPreferenceClearedSchema, event);
        return {
          type: 'PrefillPreferenceCleared',
          data: {
            subject: m.subjectNationalId,
            source: m.source,
            procedureId: m.procedureId,
            clearedAt: time(m.clearedAt, 'cleared_at'),
          },
        };
      }
      default:
        throw new MalformedConsentPayloadError(`${event.eventType} is not a prefill event`);
    }
  },
};

/** The registry's erasure of a person, as this service records it (`ConsentSubjectErased`). */
export interface SubjectErasure {
  readonly subject: string;
  /** When the registry erased the person. */
  readonly erasedAt: Date;
  /** The id of the registry's `PersonErased`. */
  readonly registryEventId: string;
  /** When this service recorded it. */
  readonly recordedAt: Date;
}

/** The stored form of an erasure (stream `erasure-<national id>`). */
export function encodeSubjectErasure(erasure: SubjectErasure): NewEvent {
  return payload(
    ConsentSubjectErasedSchema,
    create(ConsentSubjectErasedSchema, {
      subjectNationalId: erasure.subject,
      erasedAt: ts(erasure.erasedAt),
      registryEventId: erasure.registryEventId,
      recordedAt: ts(erasure.recordedAt),
    }),
    erasure.erasedAt,
  );
}

/** The erasure in a stored gov.consent.v1.ConsentSubjectErased. */
export function decodeSubjectErasure(
  event: Pick<RecordedEvent, 'eventType' | 'payload'>,
): SubjectErasure {
  const m = decodeAs(ConsentSubjectErasedSchema, event);
  if (!/^\d{13}$/.test(m.subjectNationalId)) {
    throw new MalformedConsentPayloadError('a ConsentSubjectErased names no national id');
  }
  return {
    subject: m.subjectNationalId,
    erasedAt: time(m.erasedAt, 'erased_at'),
    registryEventId: m.registryEventId,
    recordedAt: time(m.recordedAt, 'recorded_at'),
  };
}
