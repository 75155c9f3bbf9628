// The procedures context's events to and from gov.procedures.v1 payloads. The event type is the
// payload message's full name; `occurredAt` is the fact's own time. The personal values of a
// person's case and personal space are sealed under the person's key (see events.proto).
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { Timestamp } from '@bufbuild/protobuf/wkt';

import {
  ConsentGivenSchema,
  ConsentRequestedSchema,
  CorrectionNoticeAcknowledgedSchema,
  CorrectionNoticeReceivedSchema,
  CorrectionNoticeReceived_PersonalDataSchema,
  DecisionLetterSentSchema,
  DecisionOutcome as ProtoOutcome,
  DraftStartedSchema,
  InformationProvidedSchema,
  InformationProvided_PersonalDataSchema,
  InformationRequestedSchema,
  InformationRequested_PersonalDataSchema,
  PersonalDataErasedSchema,
  PersonalItemClearedSchema,
  PersonalItemSetSchema,
  PersonalItemSet_PersonalDataSchema,
  PrefillAppliedSchema,
  PrefillApplied_PersonalDataSchema,
  PrefillPreviewedSchema,
  ReviewStartedSchema,
  SubmissionDecidedSchema,
  SubmissionDecided_PersonalDataSchema,
  SubmissionReceivedSchema,
  SubmittedSchema,
  Submitted_PersonalDataSchema,
} from '@gov/contracts';
import { ERASED, SealedDataError } from '@gov/platform-data-protection';
import type { SubjectKeys } from '@gov/platform-data-protection';
import { PERSONAL_ITEMS } from '@gov/procedures-domain';
import type {
  CaseEvent,
  PersonalItem,
  PersonalSpaceEvent,
  PrefillSource,
} from '@gov/procedures-domain';
import { protoMessage, protoPayload } from '@gov/platform-event-sourcing';
import type { EventCodec, NewEvent, RecordedEvent } from '@gov/platform-event-sourcing';

/**
 * The revision of the gov.procedures.v1 payloads this code writes without personal data, and of
 * the events of a business case (clear, as before sealing).
 */
export const PAYLOAD_SCHEMA_VERSION = 1;

/**
 * The revision of the events whose `PersonalData` is sealed (`sealed_personal_data`, added to
 * each compatibly): a reader of revision 1 finds the clear fields.
 */
export const SEALED_PAYLOAD_SCHEMA_VERSION = 2;

/** The event types of the procedures service's log. */
export const PROCEDURES_EVENT_TYPES = {
  draftStarted: DraftStartedSchema.typeName,
  prefillPreviewed: PrefillPreviewedSchema.typeName,
  prefillApplied: PrefillAppliedSchema.typeName,
  submitted: SubmittedSchema.typeName,
  received: SubmissionReceivedSchema.typeName,
  reviewStarted: ReviewStartedSchema.typeName,
  informationRequested: InformationRequestedSchema.typeName,
  informationProvided: InformationProvidedSchema.typeName,
  decided: SubmissionDecidedSchema.typeName,
  letterSent: DecisionLetterSentSchema.typeName,
  consentRequested: ConsentRequestedSchema.typeName,
  consentGiven: ConsentGivenSchema.typeName,
  correctionNoticeReceived: CorrectionNoticeReceivedSchema.typeName,
  correctionNoticeAcknowledged: CorrectionNoticeAcknowledgedSchema.typeName,
  personalItemSet: PersonalItemSetSchema.typeName,
  personalItemCleared: PersonalItemClearedSchema.typeName,
  personalDataErased: PersonalDataErasedSchema.typeName,
} as const;

/** A stored payload that does not decode: a fault of the log, never a client's error. */
export class MalformedProceduresPayloadError extends Error {
  override readonly name = 'MalformedProceduresPayloadError';
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
    (detail, cause) => new MalformedProceduresPayloadError(detail, { cause }),
  );
}

function time(value: Timestamp | undefined, field: string): Date {
  if (value === undefined) throw new MalformedProceduresPayloadError(`${field} is missing`);
  return timestampDate(value);
}

const ts = timestampFromDate;
const SOURCES: readonly string[] = ['persons', 'businesses', 'vehicles', 'personal-space'];

function sourceOf(value: string): PrefillSource {
  if (!SOURCES.includes(value)) {
    throw new MalformedProceduresPayloadError(`unknown prefill source ${value}`);
  }
  return value as PrefillSource;
}

function itemOf(value: string): PersonalItem {
  const item = PERSONAL_ITEMS.find((known) => known === value);
  if (item === undefined) throw new MalformedProceduresPayloadError(`unknown item ${value}`);
  return item;
}

/** How a codec treats the personal values of the events it encodes and decodes. */
export interface PersonalDataAccess {
  /**
   * The person the values are about: a personal case's applicant. `null` for a case filed for a
   * business, whose events hold the business's data and are written in clear.
   */
  readonly subject: string | null;
  /**
   * The keys loaded beforehand for the work (a command: the subject's live key; a read: what the
   * site knows of the stream's key ids). `null` where nothing may be opened (the projections,
   * which never decrypt): sealed values then read as withheld.
   */
  readonly keys: SubjectKeys | null;
}

/**
 * What a projection decodes with: nothing is opened, sealed values read as withheld (empty text,
 * JSON `null`), so that read models never hold them and every site derives the same ones.
 */
export const WITHOUT_PERSONAL_DATA: PersonalDataAccess = { subject: null, keys: null };

/** A withheld (erased, or not opened) JSON value. */
const WITHHELD_JSON = 'null';

/**
 * The stored form of an event with personal values: sealed (revision 2, the envelope naming the
 * key) for a person's data, clear (revision 1) for a business case's.
 */
function personalPayload<Desc extends DescMessage, Personal extends DescMessage>(
  schema: Desc,
  personalSchema: Personal,
  personal: MessageShape<Personal>,
  message: (sealed: Uint8Array | null) => MessageShape<Desc>,
  occurredAt: Date,
  access: PersonalDataAccess,
): NewEvent {
  // A codec that opens nothing (a projection's) writes nothing personal either: a business
  // case's codec says so with keys of its own (none needed).
  if (access.keys === null) {
    throw new TypeError(`no keys were loaded to seal the personal data of ${schema.typeName}`);
  }
  if (access.subject === null) return payload(schema, message(null), occurredAt);
  const { keyId, sealed } = access.keys.seal(access.subject, toBinary(personalSchema, personal), [
    schema.typeName,
    access.subject,
  ]);
  return {
    ...protoPayload(schema, message(sealed), occurredAt, SEALED_PAYLOAD_SCHEMA_VERSION),
    dataSubjectKeyId: keyId,
  };
}

/**
 * The `PersonalData` of a stored event: `clear` for an event written in clear (before sealing,
 * or of a business case), else opened from `sealed`; `null` when withheld: its key was
 * destroyed (the person was erased) or `access` opens nothing.
 *
 * @throws `KeyUnavailableError` when this site does not have the key yet (never taken for an
 *   erasure); {@link MalformedProceduresPayloadError} when the sealed bytes do not open.
 */
function personalOf<Personal extends DescMessage>(
  event: Pick<RecordedEvent, 'eventType' | 'dataSubjectKeyId'>,
  personalSchema: Personal,
  sealed: Uint8Array,
  clear: () => MessageShape<Personal>,
  access: PersonalDataAccess,
): MessageShape<Personal> | null {
  if (sealed.length === 0) return clear();
  if (access.keys === null) return null;
  if (access.subject === null) {
    throw new MalformedProceduresPayloadError(`${event.eventType} sealed in a business case`);
  }
  if (event.dataSubjectKeyId === null) {
    throw new MalformedProceduresPayloadError(`${event.eventType} sealed without a key id`);
  }
  let plaintext;
  try {
    plaintext = access.keys.open(event.dataSubjectKeyId, sealed, [event.eventType, access.subject]);
  } catch (error) {
    if (!(error instanceof SealedDataError)) throw error;
    throw new MalformedProceduresPayloadError(`${event.eventType}: sealed data does not open`, {
      cause: error,
    });
  }
  if (plaintext === ERASED) return null;
  try {
    return fromBinary(personalSchema, plaintext);
  } catch (error) {
    throw new MalformedProceduresPayloadError(`${event.eventType}: sealed data does not decode`, {
      cause: error,
    });
  }
}

/**
 * Whether `event` holds personal values that `keys` find erased (its key destroyed): a view
 * shows them as erased rather than empty.
 */
export function isErasedIn(
  event: Pick<RecordedEvent, 'dataSubjectKeyId'>,
  keys: { isErased(keyId: string): boolean },
): boolean {
  return event.dataSubjectKeyId !== null && keys.isErased(event.dataSubjectKeyId);
}

/**
 * The codec of a case's stream, sealing and opening its personal values as `access` says.
 * A case's first event, DraftStarted, holds nothing sealed: decoding it with
 * {@link WITHOUT_PERSONAL_DATA} gives the applicant and business a command or read needs to
 * load the keys with.
 */
export function caseCodecFor(access: PersonalDataAccess): EventCodec<CaseEvent> {
  return {
    encode(event) {
      switch (event.type) {
        case 'DraftStarted': {
          const d = event.data;
          return payload(
            DraftStartedSchema,
            create(DraftStartedSchema, {
              caseId: d.caseId,
              procedureId: d.procedureId,
              procedureVersion: d.procedureVersion,
              applicantNationalId: d.applicant,
              businessNumber: d.businessNumber ?? '',
              registrationNumber: d.registrationNumber ?? '',
              handlingOrganisationId: d.organisationId,
              startedAt: ts(d.startedAt),
            }),
            d.startedAt,
          );
        }
        case 'PrefillPreviewed': {
          const d = event.data;
          return payload(
            PrefillPreviewedSchema,
            create(PrefillPreviewedSchema, {
              caseId: d.caseId,
              previewId: d.previewId,
              sources: d.sources.map((s) => ({
                source: s.source,
                fields: [...s.fields],
                defaultAccept: s.defaultAccept,
                preferenceRule: s.preferenceRule,
              })),
              previewedAt: ts(d.previewedAt),
              expiresAt: ts(d.expiresAt),
            }),
            d.previewedAt,
          );
        }
        case 'PrefillApplied': {
          const d = event.data;
          return personalPayload(
            PrefillAppliedSchema,
            PrefillApplied_PersonalDataSchema,
            create(PrefillApplied_PersonalDataSchema, {
              valuesJson: d.fields.map((f) => f.valueJson),
            }),
            (sealed) =>
              create(PrefillAppliedSchema, {
                caseId: d.caseId,
                previewId: d.previewId,
                acceptedSources: [...d.accepted],
                declinedSources: [...d.declined],
                fields: d.fields.map((f) => ({
                  field: f.field,
                  source: f.source,
                  category: f.category,
                  valueJson: sealed === null ? f.valueJson : '',
                })),
                appliedAt: ts(d.appliedAt),
                sealedPersonalData: sealed ?? new Uint8Array(),
              }),
            d.appliedAt,
            access,
          );
        }
        case 'Submitted':
          return personalPayload(
            SubmittedSchema,
            Submitted_PersonalDataSchema,
            create(Submitted_PersonalDataSchema, { formJson: event.data.formJson }),
            (sealed) =>
              create(SubmittedSchema, {
                caseId: event.data.caseId,
                formJson: sealed === null ? event.data.formJson : '',
                submittedAt: ts(event.data.submittedAt),
                sealedPersonalData: sealed ?? new Uint8Array(),
              }),
            event.data.submittedAt,
            access,
          );
        case 'SubmissionReceived':
          return payload(
            SubmissionReceivedSchema,
            create(SubmissionReceivedSchema, {
              caseId: event.data.caseId,
              receivedAt: ts(event.data.receivedAt),
            }),
            event.data.receivedAt,
          );
        case 'ReviewStarted':
          return payload(
            ReviewStartedSchema,
            create(ReviewStartedSchema, {
              caseId: event.data.caseId,
              startedAt: ts(event.data.startedAt),
            }),
            event.data.startedAt,
          );
        case 'InformationRequested':
          return personalPayload(
            InformationRequestedSchema,
            InformationRequested_PersonalDataSchema,
            create(InformationRequested_PersonalDataSchema, { question: event.data.question }),
            (sealed) =>
              create(InformationRequestedSchema, {
                caseId: event.data.caseId,
                requestId: event.data.requestId,
                question: sealed === null ? event.data.question : '',
                requestedAt: ts(event.data.requestedAt),
                sealedPersonalData: sealed ?? new Uint8Array(),
              }),
            event.data.requestedAt,
            access,
          );
        case 'InformationProvided':
          return personalPayload(
            InformationProvidedSchema,
            InformationProvided_PersonalDataSchema,
            create(InformationProvided_PersonalDataSchema, { answer: event.data.answer }),
            (sealed) =>
              create(InformationProvidedSchema, {
                caseId: event.data.caseId,
                requestId: event.data.requestId,
                answer: sealed === null ? event.data.answer : '',
                providedAt: ts(event.data.providedAt),
                sealedPersonalData: sealed ?? new Uint8Array(),
              }),
            event.data.providedAt,
            access,
          );
        case 'SubmissionDecided':
          return personalPayload(
            SubmissionDecidedSchema,
            SubmissionDecided_PersonalDataSchema,
            create(SubmissionDecided_PersonalDataSchema, { reason: event.data.reason }),
            (sealed) =>
              create(SubmissionDecidedSchema, {
                caseId: event.data.caseId,
                outcome:
                  event.data.outcome === 'approved' ? ProtoOutcome.APPROVED : ProtoOutcome.REJECTED,
                reason: sealed === null ? event.data.reason : '',
                decidedAt: ts(event.data.decidedAt),
                sealedPersonalData: sealed ?? new Uint8Array(),
              }),
            event.data.decidedAt,
            access,
          );
        case 'DecisionLetterSent':
          return payload(
            DecisionLetterSentSchema,
            create(DecisionLetterSentSchema, { ...event.data, sentAt: ts(event.data.sentAt) }),
            event.data.sentAt,
          );
        case 'ConsentRequested':
          return payload(
            ConsentRequestedSchema,
            create(ConsentRequestedSchema, {
              ...event.data,
              categories: [...event.data.categories],
              requestedAt: ts(event.data.requestedAt),
            }),
            event.data.requestedAt,
          );
        case 'ConsentGiven':
          return payload(
            ConsentGivenSchema,
            create(ConsentGivenSchema, { ...event.data, givenAt: ts(event.data.givenAt) }),
            event.data.givenAt,
          );
        case 'CorrectionNoticeReceived': {
          const d = event.data;
          return personalPayload(
            CorrectionNoticeReceivedSchema,
            CorrectionNoticeReceived_PersonalDataSchema,
            create(CorrectionNoticeReceived_PersonalDataSchema, {
              correctedValueJson: d.correctedValueJson,
            }),
            (sealed) =>
              create(CorrectionNoticeReceivedSchema, {
                caseId: d.caseId,
                noticeId: d.noticeId,
                correctionId: d.correctionId,
                organisationId: d.organisationId,
                field: d.field,
                correctedValueJson: sealed === null ? d.correctedValueJson : '',
                acceptedAt: ts(d.acceptedAt),
                receivedAt: ts(d.receivedAt),
                sealedPersonalData: sealed ?? new Uint8Array(),
              }),
            d.receivedAt,
            access,
          );
        }
        case 'CorrectionNoticeAcknowledged':
          return payload(
            CorrectionNoticeAcknowledgedSchema,
            create(CorrectionNoticeAcknowledgedSchema, {
              ...event.data,
              acknowledgedAt: ts(event.data.acknowledgedAt),
            }),
            event.data.acknowledgedAt,
          );
        default: {
          const unknown: never = event;
          throw new TypeError(`unhandled case event ${JSON.stringify(unknown)}`);
        }
      }
    },

    decode(event) {
      const T = PROCEDURES_EVENT_TYPES;
      switch (event.eventType) {
        case T.draftStarted: {
          const m = decodeAs(DraftStartedSchema, event);
          return {
            type: 'DraftStarted',
            data: {
              caseId: m.caseId,
              procedureId: m.procedureId,
              procedureVersion: m.procedureVersion,
              applicant: m.applicantNationalId,
              businessNumber: m.businessNumber === '' ? null : m.businessNumber,
              ...(m.registrationNumber === '' ? {} : { registrationNumber: m.registrationNumber }),
              organisationId: m.handlingOrganisationId,
              startedAt: time(m.startedAt, 'started_at'),
            },
          };
        }
        case T.prefillPreviewed: {
          const m = decodeAs(PrefillPreviewedSchema, event);
          return {
            type: 'PrefillPreviewed',
            data: {
              caseId: m.caseId,
              previewId: m.previewId,
              sources: m.sources.map((s) => ({
                source: sourceOf(s.source),
                fields: s.fields,
                defaultAccept: s.defaultAccept,
                preferenceRule: s.preferenceRule,
              })),
              previewedAt: time(m.previewedAt, 'previewed_at'),
              expiresAt: time(m.expiresAt, 'expires_at'),
            },
          };
        }
        case T.prefillApplied: {
          const m = decodeAs(PrefillAppliedSchema, event);
          const personal = personalOf(
            event,
            PrefillApplied_PersonalDataSchema,
            m.sealedPersonalData,
            () =>
              create(PrefillApplied_PersonalDataSchema, {
                valuesJson: m.fields.map((f) => f.valueJson),
              }),
            access,
          );
          if (personal !== null && personal.valuesJson.length !== m.fields.length) {
            throw new MalformedProceduresPayloadError('prefilled values do not match the fields');
          }
          return {
            type: 'PrefillApplied',
            data: {
              caseId: m.caseId,
              previewId: m.previewId,
              accepted: m.acceptedSources.map(sourceOf),
              declined: m.declinedSources.map(sourceOf),
              fields: m.fields.map((f, i) => ({
                field: f.field,
                source: sourceOf(f.source),
                category: f.category,
                valueJson: personal?.valuesJson[i] ?? WITHHELD_JSON,
              })),
              appliedAt: time(m.appliedAt, 'applied_at'),
            },
          };
        }
        case T.submitted: {
          const m = decodeAs(SubmittedSchema, event);
          const personal = personalOf(
            event,
            Submitted_PersonalDataSchema,
            m.sealedPersonalData,
            () => create(Submitted_PersonalDataSchema, { formJson: m.formJson }),
            access,
          );
          return {
            type: 'Submitted',
            data: {
              caseId: m.caseId,
              formJson: personal?.formJson ?? WITHHELD_JSON,
              submittedAt: time(m.submittedAt, 'submitted_at'),
            },
          };
        }
        case T.received: {
          const m = decodeAs(SubmissionReceivedSchema, event);
          return {
            type: 'SubmissionReceived',
            data: { caseId: m.caseId, receivedAt: time(m.receivedAt, 'received_at') },
          };
        }
        case T.reviewStarted: {
          const m = decodeAs(ReviewStartedSchema, event);
          return {
            type: 'ReviewStarted',
            data: { caseId: m.caseId, startedAt: time(m.startedAt, 'started_at') },
          };
        }
        case T.informationRequested: {
          const m = decodeAs(InformationRequestedSchema, event);
          const personal = personalOf(
            event,
            InformationRequested_PersonalDataSchema,
            m.sealedPersonalData,
            () => create(InformationRequested_PersonalDataSchema, { question: m.question }),
            access,
          );
          return {
            type: 'InformationRequested',
            data: {
              caseId: m.caseId,
              requestId: m.requestId,
              question: personal?.question ?? '',
              requestedAt: time(m.requestedAt, 'requested_at'),
            },
          };
        }
        case T.informationProvided: {
          const m = decodeAs(InformationProvidedSchema, event);
          const personal = personalOf(
            event,
            InformationProvided_PersonalDataSchema,
            m.sealedPersonalData,
            () => create(InformationProvided_PersonalDataSchema, { answer: m.answer }),
            access,
          );
          return {
            type: 'InformationProvided',
            data: {
              caseId: m.caseId,
              requestId: m.requestId,
              answer: personal?.answer ?? '',
              providedAt: time(m.providedAt, 'provided_at'),
            },
          };
        }
        case T.decided: {
          const m = decodeAs(SubmissionDecidedSchema, event);
          if (m.outcome !== ProtoOutcome.APPROVED && m.outcome !== ProtoOutcome.REJECTED) {
            throw new MalformedProceduresPayloadError('a decision without an outcome');
          }
          const personal = personalOf(
            event,
            SubmissionDecided_PersonalDataSchema,
            m.sealedPersonalData,
            () => create(SubmissionDecided_PersonalDataSchema, { reason: m.reason }),
            access,
          );
          return {
            type: 'SubmissionDecided',
            data: {
              caseId: m.caseId,
              outcome: m.outcome === ProtoOutcome.APPROVED ? 'approved' : 'rejected',
              reason: personal?.reason ?? '',
              decidedAt: time(m.decidedAt, 'decided_at'),
            },
          };
        }
        case T.letterSent: {
          const m = decodeAs(DecisionLetterSentSchema, event);
          return {
            type: 'DecisionLetterSent',
            data: {
              caseId: m.caseId,
              letterId: m.letterId,
              sha256: m.sha256,
              sentAt: time(m.sentAt, 'sent_at'),
            },
          };
        }
        case T.consentRequested: {
          const m = decodeAs(ConsentRequestedSchema, event);
          return {
            type: 'ConsentRequested',
            data: {
              caseId: m.caseId,
              requestId: m.requestId,
              organisationId: m.organisationId,
              categories: m.categories,
              purpose: m.purpose,
              requestedAt: time(m.requestedAt, 'requested_at'),
            },
          };
        }
        case T.consentGiven: {
          const m = decodeAs(ConsentGivenSchema, event);
          return {
            type: 'ConsentGiven',
            data: {
              caseId: m.caseId,
              requestId: m.requestId,
              consentId: m.consentId,
              givenAt: time(m.givenAt, 'given_at'),
            },
          };
        }
        case T.correctionNoticeReceived: {
          const m = decodeAs(CorrectionNoticeReceivedSchema, event);
          const personal = personalOf(
            event,
            CorrectionNoticeReceived_PersonalDataSchema,
            m.sealedPersonalData,
            () =>
              create(CorrectionNoticeReceived_PersonalDataSchema, {
                correctedValueJson: m.correctedValueJson,
              }),
            access,
          );
          return {
            type: 'CorrectionNoticeReceived',
            data: {
              caseId: m.caseId,
              noticeId: m.noticeId,
              correctionId: m.correctionId,
              organisationId: m.organisationId,
              field: m.field,
              correctedValueJson: personal?.correctedValueJson ?? WITHHELD_JSON,
              acceptedAt: time(m.acceptedAt, 'accepted_at'),
              receivedAt: time(m.receivedAt, 'received_at'),
            },
          };
        }
        case T.correctionNoticeAcknowledged: {
          const m = decodeAs(CorrectionNoticeAcknowledgedSchema, event);
          return {
            type: 'CorrectionNoticeAcknowledged',
            data: {
              caseId: m.caseId,
              noticeId: m.noticeId,
              acknowledgedAt: time(m.acknowledgedAt, 'acknowledged_at'),
            },
          };
        }
        default:
          throw new MalformedProceduresPayloadError(`${event.eventType} is not a case event`);
      }
    },
  };
}

/**
 * A case's codec for what holds no personal value (DraftStarted, the applicant and business)
 * and for the projections: sealed values read as withheld.
 */
export const caseCodec: EventCodec<CaseEvent> = caseCodecFor(WITHOUT_PERSONAL_DATA);

/**
 * The codec of a person's personal-space stream: each value sealed under, and opened with, the
 * key of the person the event names, from `keys` (`null`: nothing is opened, values withheld).
 */
export function personalSpaceCodecWith(keys: SubjectKeys | null): EventCodec<PersonalSpaceEvent> {
  return {
    encode(event) {
      switch (event.type) {
        case 'PersonalItemSet':
          return personalPayload(
            PersonalItemSetSchema,
            PersonalItemSet_PersonalDataSchema,
            create(PersonalItemSet_PersonalDataSchema, { value: event.data.value }),
            (sealed) =>
              create(PersonalItemSetSchema, {
                subjectNationalId: event.data.subject,
                item: event.data.item,
                value: sealed === null ? event.data.value : '',
                setAt: ts(event.data.setAt),
                sealedPersonalData: sealed ?? new Uint8Array(),
              }),
            event.data.setAt,
            { subject: event.data.subject, keys },
          );
        case 'PersonalItemCleared':
          return payload(
            PersonalItemClearedSchema,
            create(PersonalItemClearedSchema, {
              subjectNationalId: event.data.subject,
              item: event.data.item,
              clearedAt: ts(event.data.clearedAt),
            }),
            event.data.clearedAt,
          );
        default: {
          const unknown: never = event;
          throw new TypeError(`unhandled personal space event ${JSON.stringify(unknown)}`);
        }
      }
    },

    decode(event) {
      switch (event.eventType) {
        case PROCEDURES_EVENT_TYPES.personalItemSet: {
          const m = decodeAs(PersonalItemSetSchema, event);
          const personal = personalOf(
            event,
            PersonalItemSet_PersonalDataSchema,
            m.sealedPersonalData,
            () => create(PersonalItemSet_PersonalDataSchema, { value: m.value }),
            { subject: m.subjectNationalId, keys },
          );
          return {
            type: 'PersonalItemSet',
            data: {
              subject: m.subjectNationalId,
              item: itemOf(m.item),
              value: personal?.value ?? '',
              setAt: time(m.setAt, 'set_at'),
            },
          };
        }
        case PROCEDURES_EVENT_TYPES.personalItemCleared: {
          const m = decodeAs(PersonalItemClearedSchema, event);
          return {
            type: 'PersonalItemCleared',
            data: {
              subject: m.subjectNationalId,
              item: itemOf(m.item),
              clearedAt: time(m.clearedAt, 'cleared_at'),
            },
          };
        }
        default:
          throw new MalformedProceduresPayloadError(
            `${event.eventType} is not a personal space event`,
          );
      }
    },
  };
}

/** The personal-space codec of the projections: values withheld. */
export const personalSpaceCodec: EventCodec<PersonalSpaceEvent> = personalSpaceCodecWith(null);

/** The service's record of a person's erasure (see PersonalDataErased in events.proto). */
export interface PersonalDataErasure {
  readonly subject: string;
  readonly erasedAt: Date;
  readonly registryEventId: string;
}

/** The stored form of a {@link PersonalDataErasure}. */
export function encodePersonalDataErased(erasure: PersonalDataErasure): NewEvent {
  return payload(
    PersonalDataErasedSchema,
    create(PersonalDataErasedSchema, {
      subjectNationalId: erasure.subject,
      erasedAt: ts(erasure.erasedAt),
      registryEventId: erasure.registryEventId,
    }),
    erasure.erasedAt,
  );
}

/** The erasure a stored PersonalDataErased records. */
export function decodePersonalDataErased(
  event: Pick<RecordedEvent, 'eventType' | 'payload'>,
): PersonalDataErasure {
  const m = decodeAs(PersonalDataErasedSchema, event);
  if (!/^[0-9]{13}$/.test(m.subjectNationalId)) {
    throw new MalformedProceduresPayloadError('an erasure names no national identification number');
  }
  return {
    subject: m.subjectNationalId,
    erasedAt: time(m.erasedAt, 'erased_at'),
    registryEventId: m.registryEventId,
  };
}
