import type { Decider } from '@gov/platform-decider';

import { assertNever, reject } from './rejection';

/** Where a case is. `none`: its stream is empty. */
export type CaseStatus =
  'none' | 'draft' | 'submitted' | 'received' | 'in-review' | 'information-requested' | 'decided';

/** The sources a form may be prefilled from. */
export type PrefillSource = 'persons' | 'businesses' | 'vehicles' | 'personal-space';

/** What one source would fill, as the preview shows it. */
export interface PreviewedSource {
  readonly source: PrefillSource;
  readonly fields: readonly string[];
  /** The person's standing Yes/No (the consent service's), the default of the choice. */
  readonly defaultAccept: boolean;
  readonly preferenceRule: string;
}

/** One field filled from a source. */
export interface PrefilledField {
  readonly field: string;
  readonly source: PrefillSource;
  readonly category: string;
  /** The value as JSON text. */
  readonly valueJson: string;
}

export type DecisionOutcome = 'approved' | 'rejected';

export type CaseEvent =
  | {
      readonly type: 'DraftStarted';
      readonly data: {
        readonly caseId: string;
        readonly procedureId: string;
        readonly procedureVersion: number;
        readonly applicant: string;
        readonly businessNumber: string | null;
        /** A vehicle procedure's vehicle (registration number), which the applicant owns. */
        readonly registrationNumber?: string | null;
        readonly organisationId: string;
        readonly startedAt: Date;
      };
    }
  | {
      readonly type: 'PrefillPreviewed';
      readonly data: {
        readonly caseId: string;
        readonly previewId: string;
        readonly sources: readonly PreviewedSource[];
        readonly previewedAt: Date;
        readonly expiresAt: Date;
      };
    }
  | {
      readonly type: 'PrefillApplied';
      readonly data: {
        readonly caseId: string;
        readonly previewId: string;
        readonly accepted: readonly PrefillSource[];
        readonly declined: readonly PrefillSource[];
        readonly fields: readonly PrefilledField[];
        readonly appliedAt: Date;
      };
    }
  | {
      readonly type: 'Submitted';
      readonly data: {
        readonly caseId: string;
        readonly formJson: string;
        readonly submittedAt: Date;
      };
    }
  | {
      readonly type: 'SubmissionReceived';
      readonly data: { readonly caseId: string; readonly receivedAt: Date };
    }
  | {
      readonly type: 'ReviewStarted';
      readonly data: { readonly caseId: string; readonly startedAt: Date };
    }
  | {
      readonly type: 'InformationRequested';
      readonly data: {
        readonly caseId: string;
        readonly requestId: string;
        readonly question: string;
        readonly requestedAt: Date;
      };
    }
  | {
      readonly type: 'InformationProvided';
      readonly data: {
        readonly caseId: string;
        readonly requestId: string;
        readonly answer: string;
        readonly providedAt: Date;
      };
    }
  | {
      readonly type: 'SubmissionDecided';
      readonly data: {
        readonly caseId: string;
        readonly outcome: DecisionOutcome;
        readonly reason: string;
        readonly decidedAt: Date;
      };
    }
  | {
      readonly type: 'DecisionLetterSent';
      readonly data: {
        readonly caseId: string;
        readonly letterId: string;
        readonly sha256: string;
        readonly sentAt: Date;
      };
    }
  | {
      readonly type: 'ConsentRequested';
      readonly data: {
        readonly caseId: string;
        readonly requestId: string;
        readonly organisationId: string;
        readonly categories: readonly string[];
        readonly purpose: string;
        readonly requestedAt: Date;
      };
    }
  | {
      readonly type: 'ConsentGiven';
      readonly data: {
        readonly caseId: string;
        readonly requestId: string;
        readonly consentId: string;
        readonly givenAt: Date;
      };
    }
  | {
      readonly type: 'CorrectionNoticeReceived';
      readonly data: CorrectionNotice & { readonly caseId: string; readonly receivedAt: Date };
    }
  | {
      readonly type: 'CorrectionNoticeAcknowledged';
      readonly data: {
        readonly caseId: string;
        readonly noticeId: string;
        readonly acknowledgedAt: Date;
      };
    };

/**
 * A registry correction notice (GDPR Art. 19) as a case records it: the registry told
 * `organisationId`, which had received `field` of the applicant's record, its correct value.
 */
export interface CorrectionNotice {
  readonly noticeId: string;
  readonly correctionId: string;
  readonly organisationId: string;
  /** The registry's field name, e.g. `family_name`. */
  readonly field: string;
  /** The correct value as JSON text. */
  readonly correctedValueJson: string;
  readonly acceptedAt: Date;
}

/** The organisation the procedures service reads the registry as, to prefill forms. */
export const PREFILL_ORGANISATION = 'procedures';

interface Timed {
  readonly now: Date;
}

export type CaseCommand =
  | {
      readonly type: 'StartDraft';
      readonly data: {
        readonly caseId: string;
        readonly procedureId: string;
        readonly procedureVersion: number;
        readonly applicant: string;
        readonly businessNumber: string | null;
        /** A vehicle procedure's vehicle (registration number), which the applicant owns. */
        readonly registrationNumber?: string | null;
        readonly organisationId: string;
      };
      readonly metadata: Timed;
    }
  | {
      readonly type: 'RecordPreview';
      readonly data: {
        readonly by: string;
        readonly previewId: string;
        readonly sources: readonly PreviewedSource[];
        readonly expiresAt: Date;
      };
      readonly metadata: Timed;
    }
  | {
      readonly type: 'ApplyPrefill';
      readonly data: {
        readonly by: string;
        readonly previewId: string;
        readonly accepted: readonly PrefillSource[];
        /** The fields the accepted sources gave (fetched by the application). */
        readonly fields: readonly PrefilledField[];
      };
      readonly metadata: Timed;
    }
  | {
      readonly type: 'Submit';
      readonly data: { readonly by: string; readonly formJson: string };
      readonly metadata: Timed;
    }
  | { readonly type: 'Receive'; readonly data: { readonly by: string }; readonly metadata: Timed }
  | {
      readonly type: 'StartReview';
      readonly data: { readonly by: string };
      readonly metadata: Timed;
    }
  | {
      readonly type: 'RequestInformation';
      readonly data: { readonly by: string; readonly requestId: string; readonly question: string };
      readonly metadata: Timed;
    }
  | {
      readonly type: 'ProvideInformation';
      readonly data: { readonly by: string; readonly answer: string };
      readonly metadata: Timed;
    }
  | {
      readonly type: 'Decide';
      readonly data: {
        readonly by: string;
        readonly outcome: DecisionOutcome;
        readonly reason: string;
      };
      readonly metadata: Timed;
    }
  | {
      readonly type: 'RecordDecisionLetter';
      readonly data: { readonly letterId: string; readonly sha256: string };
      readonly metadata: Timed;
    }
  | {
      readonly type: 'RequestConsent';
      readonly data: {
        readonly by: string;
        readonly requestId: string;
        readonly categories: readonly string[];
        readonly purpose: string;
      };
      readonly metadata: Timed;
    }
  | {
      readonly type: 'RecordConsentGiven';
      readonly data: { readonly requestId: string; readonly consentId: string };
      readonly metadata: Timed;
    }
  | {
      readonly type: 'RecordCorrectionNotice';
      readonly data: CorrectionNotice;
      readonly metadata: Timed;
    }
  | {
      readonly type: 'AcknowledgeCorrectionNotice';
      readonly data: { readonly by: string; readonly noticeId: string };
      readonly metadata: Timed;
    };

/** A correction notice as the case remembers it. */
export interface CorrectionNoticeState {
  readonly organisationId: string;
  readonly field: string;
  readonly acknowledged: boolean;
}

/** A preview as the case remembers it. */
export interface PreviewState {
  readonly sources: readonly PreviewedSource[];
  readonly expiresAt: Date;
  readonly used: boolean;
}

/** A consent request of the back office. */
export interface ConsentRequestState {
  readonly categories: readonly string[];
  readonly purpose: string;
  readonly consentId: string | null;
}

export interface CaseState {
  readonly status: CaseStatus;
  readonly caseId: string;
  readonly procedureId: string;
  readonly procedureVersion: number;
  readonly applicant: string;
  readonly businessNumber: string | null;
  /** A vehicle procedure's vehicle; `null` for any other. */
  readonly registrationNumber: string | null;
  readonly organisationId: string;
  readonly previews: ReadonlyMap<string, PreviewState>;
  /** The prefilled fields, by field, the latest application winning. */
  readonly prefilled: ReadonlyMap<string, PrefilledField>;
  readonly openRequestId: string | null;
  readonly consentRequests: ReadonlyMap<string, ConsentRequestState>;
  readonly decision: { readonly outcome: DecisionOutcome; readonly reason: string } | null;
  readonly letterId: string | null;
  /** The registry's correction notices recorded on the case, by notice id. */
  readonly correctionNotices: ReadonlyMap<string, CorrectionNoticeState>;
}

const initialState: CaseState = {
  status: 'none',
  caseId: '',
  procedureId: '',
  procedureVersion: 0,
  applicant: '',
  businessNumber: null,
  registrationNumber: null,
  organisationId: '',
  previews: new Map(),
  prefilled: new Map(),
  openRequestId: null,
  consentRequests: new Map(),
  decision: null,
  letterId: null,
  correctionNotices: new Map(),
};

/**
 * Whether a correction notice sent to `organisationId` about `field` of the applicant's record
 * concerns this case: the handling organisation received the person's data for every case it
 * was submitted (whatever state it is in now); the procedures service passed the field's old
 * value into this case's form only if it prefilled that field from the registry.
 */
export function concernsCase(state: CaseState, organisationId: string, field: string): boolean {
  if (state.status === 'none') return false;
  if (organisationId === state.organisationId && state.status !== 'draft') return true;
  if (organisationId !== PREFILL_ORGANISATION) return false;
  return [...state.prefilled.values()].some(
    (prefilled) => prefilled.source === 'persons' && prefilled.category === `persons.${field}`,
  );
}

function requireApplicant(state: CaseState, by: string): void {
  if (state.status === 'none') throw reject('CASE_NOT_FOUND', 'no such case');
  if (by !== state.applicant)
    throw reject('NOT_APPLICANT', 'only the applicant acts on their case');
}

function requireHandler(state: CaseState, by: string): void {
  if (state.status === 'none' || state.status === 'draft') {
    throw reject('CASE_NOT_FOUND', 'no such submission');
  }
  if (by !== state.organisationId) {
    throw reject(
      'NOT_HANDLING_ORGANISATION',
      'only the handling organisation acts on a submission',
    );
  }
}

function requireStatus(state: CaseState, allowed: readonly CaseStatus[], what: string): void {
  if (!allowed.includes(state.status)) {
    throw reject('WRONG_STATE', `cannot ${what}: the case is ${state.status}`);
  }
}

function decide(command: CaseCommand, state: CaseState): readonly CaseEvent[] {
  const { now } = command.metadata;
  const caseId = state.caseId;
  switch (command.type) {
    case 'StartDraft':
      if (state.status !== 'none') throw reject('CASE_ALREADY_EXISTS', 'the case exists');
      return [{ type: 'DraftStarted', data: { ...command.data, startedAt: now } }];
    case 'RecordPreview':
      requireApplicant(state, command.data.by);
      requireStatus(state, ['draft'], 'preview a prefill');
      return [
        {
          type: 'PrefillPreviewed',
          data: {
            caseId,
            previewId: command.data.previewId,
            sources: command.data.sources,
            previewedAt: now,
            expiresAt: command.data.expiresAt,
          },
        },
      ];
    case 'ApplyPrefill': {
      requireApplicant(state, command.data.by);
      requireStatus(state, ['draft'], 'prefill');
      const preview = state.previews.get(command.data.previewId);
      if (preview === undefined) throw reject('PREVIEW_UNKNOWN', 'no such preview on this draft');
      if (preview.used) throw reject('PREVIEW_USED', 'a preview is used once: ask a new one');
      if (now.getTime() >= preview.expiresAt.getTime()) {
        throw reject('PREVIEW_EXPIRED', 'the preview has expired: ask a new one');
      }
      const offered = new Map(preview.sources.map((s) => [s.source, s]));
      for (const source of command.data.accepted) {
        const previewed = offered.get(source);
        if (previewed === undefined) {
          throw reject('INVALID_INPUT', `the preview offers no source ${source}`, [
            { field: `sources.${source}`, code: 'not-offered', message: 'not in the preview' },
          ]);
        }
        if (!previewed.defaultAccept) {
          throw reject(
            'SOURCE_REFUSED',
            `the person said No to prefilling from ${source}; change the preference first`,
            [{ field: `sources.${source}`, code: 'said-no', message: 'the person said No' }],
          );
        }
      }
      const accepted = new Set(command.data.accepted);
      for (const field of command.data.fields) {
        if (!accepted.has(field.source)) {
          throw new TypeError(`field ${field.field} from a source not accepted: ${field.source}`);
        }
      }
      return [
        {
          type: 'PrefillApplied',
          data: {
            caseId,
            previewId: command.data.previewId,
            accepted: preview.sources.map((s) => s.source).filter((s) => accepted.has(s)),
            declined: preview.sources.map((s) => s.source).filter((s) => !accepted.has(s)),
            fields: command.data.fields,
            appliedAt: now,
          },
        },
      ];
    }
    case 'Submit':
      requireApplicant(state, command.data.by);
      requireStatus(state, ['draft'], 'submit');
      return [
        { type: 'Submitted', data: { caseId, formJson: command.data.formJson, submittedAt: now } },
      ];
    case 'Receive':
      requireHandler(state, command.data.by);
      requireStatus(state, ['submitted'], 'receive');
      return [{ type: 'SubmissionReceived', data: { caseId, receivedAt: now } }];
    case 'StartReview':
      requireHandler(state, command.data.by);
      requireStatus(state, ['received'], 'start the review');
      return [{ type: 'ReviewStarted', data: { caseId, startedAt: now } }];
    case 'RequestInformation':
      requireHandler(state, command.data.by);
      requireStatus(state, ['in-review'], 'request information');
      return [
        {
          type: 'InformationRequested',
          data: {
            caseId,
            requestId: command.data.requestId,
            question: command.data.question,
            requestedAt: now,
          },
        },
      ];
    case 'ProvideInformation':
      requireApplicant(state, command.data.by);
      requireStatus(state, ['information-requested'], 'answer');
      return [
        {
          type: 'InformationProvided',
          data: {
            caseId,
            requestId: state.openRequestId ?? '',
            answer: command.data.answer,
            providedAt: now,
          },
        },
      ];
    case 'Decide':
      requireHandler(state, command.data.by);
      requireStatus(state, ['in-review'], 'decide');
      if (command.data.outcome === 'rejected' && command.data.reason.trim() === '') {
        throw reject('INVALID_INPUT', 'a rejection needs a reason', [
          { field: 'reason', code: 'required', message: 'a rejection states its reason' },
        ]);
      }
      return [
        {
          type: 'SubmissionDecided',
          data: {
            caseId,
            outcome: command.data.outcome,
            reason: command.data.reason,
            decidedAt: now,
          },
        },
      ];
    case 'RecordDecisionLetter':
      requireStatus(state, ['decided'], 'send the decision letter');
      if (state.letterId !== null) return [];
      return [{ type: 'DecisionLetterSent', data: { caseId, ...command.data, sentAt: now } }];
    case 'RequestConsent':
      requireHandler(state, command.data.by);
      requireStatus(state, ['received', 'in-review', 'information-requested'], 'ask for consent');
      return [
        {
          type: 'ConsentRequested',
          data: {
            caseId,
            requestId: command.data.requestId,
            organisationId: state.organisationId,
            categories: command.data.categories,
            purpose: command.data.purpose,
            requestedAt: now,
          },
        },
      ];
    case 'RecordConsentGiven': {
      const request = state.consentRequests.get(command.data.requestId);
      if (request === undefined) throw reject('CONSENT_REQUEST_UNKNOWN', 'no such consent request');
      if (request.consentId !== null) return [];
      return [{ type: 'ConsentGiven', data: { caseId, ...command.data, givenAt: now } }];
    }
    case 'RecordCorrectionNotice': {
      if (state.status === 'none') throw reject('CASE_NOT_FOUND', 'no such case');
      // A redelivered notice: recorded already.
      if (state.correctionNotices.has(command.data.noticeId)) return [];
      if (!concernsCase(state, command.data.organisationId, command.data.field)) {
        throw reject(
          'WRONG_STATE',
          `the notice to ${command.data.organisationId} about ${command.data.field} does not concern this case`,
        );
      }
      return [
        { type: 'CorrectionNoticeReceived', data: { caseId, ...command.data, receivedAt: now } },
      ];
    }
    case 'AcknowledgeCorrectionNotice': {
      requireHandler(state, command.data.by);
      const notice = state.correctionNotices.get(command.data.noticeId);
      if (notice === undefined) {
        throw reject('CORRECTION_NOTICE_UNKNOWN', 'no such correction notice on this case');
      }
      if (notice.acknowledged) return [];
      return [
        {
          type: 'CorrectionNoticeAcknowledged',
          data: { caseId, noticeId: command.data.noticeId, acknowledgedAt: now },
        },
      ];
    }
    default:
      return assertNever(command, 'case command');
  }
}

function evolve(state: CaseState, event: CaseEvent): CaseState {
  switch (event.type) {
    case 'DraftStarted': {
      const d = event.data;
      return {
        ...state,
        status: 'draft',
        caseId: d.caseId,
        procedureId: d.procedureId,
        procedureVersion: d.procedureVersion,
        applicant: d.applicant,
        businessNumber: d.businessNumber,
        registrationNumber: d.registrationNumber ?? null,
        organisationId: d.organisationId,
      };
    }
    case 'PrefillPreviewed': {
      const previews = new Map(state.previews);
      previews.set(event.data.previewId, {
        sources: event.data.sources,
        expiresAt: event.data.expiresAt,
        used: false,
      });
      return { ...state, previews };
    }
    case 'PrefillApplied': {
      const previews = new Map(state.previews);
      const preview = previews.get(event.data.previewId);
      if (preview !== undefined) previews.set(event.data.previewId, { ...preview, used: true });
      const prefilled = new Map(state.prefilled);
      for (const field of event.data.fields) prefilled.set(field.field, field);
      return { ...state, previews, prefilled };
    }
    case 'Submitted':
      return { ...state, status: 'submitted' };
    case 'SubmissionReceived':
      return { ...state, status: 'received' };
    case 'ReviewStarted':
      return { ...state, status: 'in-review' };
    case 'InformationRequested':
      return { ...state, status: 'information-requested', openRequestId: event.data.requestId };
    case 'InformationProvided':
      // The answer puts the case back in review: the back office needs no second step.
      return { ...state, status: 'in-review', openRequestId: null };
    case 'SubmissionDecided':
      return {
        ...state,
        status: 'decided',
        decision: { outcome: event.data.outcome, reason: event.data.reason },
      };
    case 'DecisionLetterSent':
      return { ...state, letterId: event.data.letterId };
    case 'ConsentRequested': {
      const consentRequests = new Map(state.consentRequests);
      consentRequests.set(event.data.requestId, {
        categories: event.data.categories,
        purpose: event.data.purpose,
        consentId: null,
      });
      return { ...state, consentRequests };
    }
    case 'ConsentGiven': {
      const consentRequests = new Map(state.consentRequests);
      const request = consentRequests.get(event.data.requestId);
      if (request !== undefined) {
        consentRequests.set(event.data.requestId, { ...request, consentId: event.data.consentId });
      }
      return { ...state, consentRequests };
    }
    case 'CorrectionNoticeReceived': {
      const correctionNotices = new Map(state.correctionNotices);
      correctionNotices.set(event.data.noticeId, {
        organisationId: event.data.organisationId,
        field: event.data.field,
        acknowledged: false,
      });
      return { ...state, correctionNotices };
    }
    case 'CorrectionNoticeAcknowledged': {
      const correctionNotices = new Map(state.correctionNotices);
      const notice = correctionNotices.get(event.data.noticeId);
      if (notice !== undefined) {
        correctionNotices.set(event.data.noticeId, { ...notice, acknowledged: true });
      }
      return { ...state, correctionNotices };
    }
    default:
      return assertNever(event, 'case event');
  }
}

/**
 * A procedure case, one stream per case (`case-<id>`): the person's draft, its prefills (each
 * on a single-use preview that expires), the submission, and the back office's steps to the
 * decision: submitted → received → in-review ⇄ information-requested → decided. Consent
 * requests may come while the back office handles it; the decision letter follows the decision.
 * The registry's correction notices that concern the case are recorded whatever its state (a
 * decided case too: its decision may rest on the wrong value), and the back office
 * acknowledges each.
 */
export const caseDecider: Decider<CaseCommand, CaseEvent, CaseState> = {
  decide,
  evolve,
  initialState,
};
