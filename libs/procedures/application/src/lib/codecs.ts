// The procedures context's events to and from gov.procedures.v1 payloads. The event type is the
// payload message's full name; `occurredAt` is the fact's own time.
import { create } from '@bufbuild/protobuf';
import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { Timestamp } from '@bufbuild/protobuf/wkt';

import {
  ConsentGivenSchema,
  ConsentRequestedSchema,
  CorrectionNoticeAcknowledgedSchema,
  CorrectionNoticeReceivedSchema,
  DecisionLetterSentSchema,
  DecisionOutcome as ProtoOutcome,
  DraftStartedSchema,
  InformationProvidedSchema,
  InformationRequestedSchema,
  PersonalItemClearedSchema,
  PersonalItemSetSchema,
  PrefillAppliedSchema,
  PrefillPreviewedSchema,
  ReviewStartedSchema,
  SubmissionDecidedSchema,
  SubmissionReceivedSchema,
  SubmittedSchema,
} from '@gov/contracts';
import { PERSONAL_ITEMS } from '@gov/procedures-domain';
import type {
  CaseEvent,
  PersonalItem,
  PersonalSpaceEvent,
  PrefillSource,
} from '@gov/procedures-domain';
import { protoMessage, protoPayload } from '@gov/platform-event-sourcing';
import type { EventCodec, NewEvent, RecordedEvent } from '@gov/platform-event-sourcing';

/** The revision of every gov.procedures.v1 payload this code writes. */
export const PAYLOAD_SCHEMA_VERSION = 1;

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
const SOURCES: readonly string[] = ['persons', 'businesses', 'personal-space'];

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

/** The codec of a case's stream. */
export const caseCodec: EventCodec<CaseEvent> = {
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
        return payload(
          PrefillAppliedSchema,
          create(PrefillAppliedSchema, {
            caseId: d.caseId,
            previewId: d.previewId,
            acceptedSources: [...d.accepted],
            declinedSources: [...d.declined],
            fields: d.fields.map((f) => ({ ...f })),
            appliedAt: ts(d.appliedAt),
          }),
          d.appliedAt,
        );
      }
      case 'Submitted':
        return payload(
          SubmittedSchema,
          create(SubmittedSchema, {
            caseId: event.data.caseId,
            formJson: event.data.formJson,
            submittedAt: ts(event.data.submittedAt),
          }),
          event.data.submittedAt,
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
        return payload(
          InformationRequestedSchema,
          create(InformationRequestedSchema, {
            ...event.data,
            requestedAt: ts(event.data.requestedAt),
          }),
          event.data.requestedAt,
        );
      case 'InformationProvided':
        return payload(
          InformationProvidedSchema,
          create(InformationProvidedSchema, {
            ...event.data,
            providedAt: ts(event.data.providedAt),
          }),
          event.data.providedAt,
        );
      case 'SubmissionDecided':
        return payload(
          SubmissionDecidedSchema,
          create(SubmissionDecidedSchema, {
            caseId: event.data.caseId,
            outcome:
              event.data.outcome === 'approved' ? ProtoOutcome.APPROVED : ProtoOutcome.REJECTED,
            reason: event.data.reason,
            decidedAt: ts(event.data.decidedAt),
          }),
          event.data.decidedAt,
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
        return payload(
          CorrectionNoticeReceivedSchema,
          create(CorrectionNoticeReceivedSchema, {
            caseId: d.caseId,
            noticeId: d.noticeId,
            correctionId: d.correctionId,
            organisationId: d.organisationId,
            field: d.field,
            correctedValueJson: d.correctedValueJson,
            acceptedAt: ts(d.acceptedAt),
            receivedAt: ts(d.receivedAt),
          }),
          d.receivedAt,
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
        return {
          type: 'PrefillApplied',
          data: {
            caseId: m.caseId,
            previewId: m.previewId,
            accepted: m.acceptedSources.map(sourceOf),
            declined: m.declinedSources.map(sourceOf),
            fields: m.fields.map((f) => ({
              field: f.field,
              source: sourceOf(f.source),
              category: f.category,
              valueJson: f.valueJson,
            })),
            appliedAt: time(m.appliedAt, 'applied_at'),
          },
        };
      }
      case T.submitted: {
        const m = decodeAs(SubmittedSchema, event);
        return {
          type: 'Submitted',
          data: {
            caseId: m.caseId,
            formJson: m.formJson,
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
        return {
          type: 'InformationRequested',
          data: {
            caseId: m.caseId,
            requestId: m.requestId,
            question: m.question,
            requestedAt: time(m.requestedAt, 'requested_at'),
          },
        };
      }
      case T.informationProvided: {
        const m = decodeAs(InformationProvidedSchema, event);
        return {
          type: 'InformationProvided',
          data: {
            caseId: m.caseId,
            requestId: m.requestId,
            answer: m.answer,
            providedAt: time(m.providedAt, 'provided_at'),
          },
        };
      }
      case T.decided: {
        const m = decodeAs(SubmissionDecidedSchema, event);
        if (m.outcome !== ProtoOutcome.APPROVED && m.outcome !== ProtoOutcome.REJECTED) {
          throw new MalformedProceduresPayloadError('a decision without an outcome');
        }
        return {
          type: 'SubmissionDecided',
          data: {
            caseId: m.caseId,
            outcome: m.outcome === ProtoOutcome.APPROVED ? 'approved' : 'rejected',
            reason: m.reason,
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
        return {
          type: 'CorrectionNoticeReceived',
          data: {
            caseId: m.caseId,
            noticeId: m.noticeId,
            correctionId: m.correctionId,
            organisationId: m.organisationId,
            field: m.field,
            correctedValueJson: m.correctedValueJson,
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

/** The codec of a person's personal-space stream. */
export const personalSpaceCodec: EventCodec<PersonalSpaceEvent> = {
  encode(event) {
    switch (event.type) {
      case 'PersonalItemSet':
        return payload(
          PersonalItemSetSchema,
          create(PersonalItemSetSchema, {
            subjectNationalId: event.data.subject,
            item: event.data.item,
            value: event.data.value,
            setAt: ts(event.data.setAt),
          }),
          event.data.setAt,
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
        return {
          type: 'PersonalItemSet',
          data: {
            subject: m.subjectNationalId,
            item: itemOf(m.item),
            value: m.value,
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
