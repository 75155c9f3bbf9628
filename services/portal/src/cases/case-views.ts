// How a case's state and each step of its timeline read in the person's language: the service
// names steps by their event type (`SubmissionDecided`) and gives their details as data; the
// page says what happened, by whom, with the details a person can use (a question, an answer,
// the decision letter's link). A step this code does not know is shown by its own name.
import { html } from '../html/html';
import type { Html } from '../html/html';
import type { Language } from '../i18n/i18n';
import { fieldLabel, sourceName } from '../procedures/procedures.api';
import type { TimelineStep } from '../procedures/procedures.api';
import { CASES } from './cases.messages';

type CaseKey = Parameters<ReturnType<typeof CASES.in>>[0];

const STATUS_KEYS: Readonly<Record<string, CaseKey>> = {
  draft: 'statusDraft',
  submitted: 'statusSubmitted',
  received: 'statusReceived',
  'in-review': 'statusInReview',
  'information-requested': 'statusInformationRequested',
  decided: 'statusDecided',
};

/** A case's status (with the outcome once decided), in words. */
export function statusLabel(status: string, outcome: string | null, language: Language): string {
  const t = CASES.in(language);
  const key = STATUS_KEYS[status];
  const base = key === undefined ? status : t(key);
  if (status !== 'decided' || outcome === null) return base;
  const result =
    outcome === 'approved'
      ? t('outcomeApproved')
      : outcome === 'rejected'
        ? t('outcomeRejected')
        : outcome;
  return `${base}: ${result}`;
}

const STEP_KEYS: Readonly<Record<string, CaseKey>> = {
  DraftStarted: 'stepDraftStarted',
  PrefillPreviewed: 'stepPrefillPreviewed',
  PrefillApplied: 'stepPrefillApplied',
  Submitted: 'stepSubmitted',
  SubmissionReceived: 'stepSubmissionReceived',
  ReviewStarted: 'stepReviewStarted',
  InformationRequested: 'stepInformationRequested',
  InformationProvided: 'stepInformationProvided',
  SubmissionDecided: 'stepSubmissionDecided',
  DecisionLetterSent: 'stepDecisionLetterSent',
  ConsentRequested: 'stepConsentRequested',
  ConsentGiven: 'stepConsentGiven',
  CorrectionNoticeReceived: 'stepCorrectionNoticeReceived',
  CorrectionNoticeAcknowledged: 'stepCorrectionNoticeAcknowledged',
};

/** A step's name in words (its event type when this code does not know it). */
export function stepName(step: string, language: Language): string {
  const key = STEP_KEYS[step];
  return key === undefined ? step : CASES.in(language)(key);
}

/** Who took a step, as the person reads it: themselves, an organisation, or the platform. */
export function actorLabel(
  actor: TimelineStep['actor'],
  nationalId: string,
  language: Language,
): string {
  const t = CASES.in(language);
  if (actor.kind === 'citizen' && actor.id === nationalId) return t('actorYou');
  if (actor.organisationId !== undefined) {
    return t('actorOrganisation', { organisation: actor.organisationId });
  }
  if (actor.kind === 'service' || actor.kind === 'system' || actor.kind === 'unknown') {
    return t('actorPlatform');
  }
  return actor.id;
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** What a step's details say, in the person's language. */
export function stepDetails(step: TimelineStep, language: Language): Html {
  const t = CASES.in(language);
  const d = step.details;
  const sources = (list: string[]): string =>
    list.length === 0 ? t('detailNothing') : list.map((s) => sourceName(s, language)).join(', ');
  switch (step.step) {
    case 'DraftStarted':
      return typeof d['businessNumber'] === 'string'
        ? html`${t('detailBusiness', { business: d['businessNumber'] })}`
        : html``;
    case 'PrefillPreviewed': {
      const offered = Array.isArray(d['sources']) ? (d['sources'] as unknown[]) : [];
      const list = offered.map((s) => {
        const source = (s ?? {}) as Record<string, unknown>;
        const answer = source['default'] === true ? t('detailYes') : t('detailNo');
        return `${sourceName(text(source['source']), language)} (${answer})`;
      });
      return html`${t('detailOffered', { sources: list.length === 0 ? t('detailNothing') : list.join(', ') })}`;
    }
    case 'PrefillApplied': {
      const fields = (Array.isArray(d['fields']) ? (d['fields'] as unknown[]) : []).map((f) =>
        fieldLabel(text((f as Record<string, unknown> | null)?.['field']), language),
      );
      return html`<span>${t('detailAccepted', { sources: sources(strings(d['accepted'])) })}</span>
        <span>${t('detailDeclined', { sources: sources(strings(d['declined'])) })}</span>
        <span
          >${t('detailFields', {
            fields: fields.length === 0 ? t('detailNothing') : fields.join(', '),
          })}</span
        >`;
    }
    case 'Submitted':
      return html`<span class="hash">${t('detailFingerprint', { hash: text(d['contentSha256']) })}</span>`;
    case 'InformationRequested':
      return html`${t('detailQuestion', { text: text(d['question']) })}`;
    case 'InformationProvided':
      return html`${t('detailAnswer', { text: text(d['answer']) })}`;
    case 'SubmissionDecided': {
      const outcome = text(d['outcome']);
      const reason = text(d['reason']);
      return html`<span
          >${t('detailOutcome', {
            outcome:
              outcome === 'approved'
                ? t('outcomeApproved')
                : outcome === 'rejected'
                  ? t('outcomeRejected')
                  : outcome,
          })}</span
        >
        ${reason === '' ? '' : html`<span>${t('reason', { reason })}</span>`}`;
    }
    case 'DecisionLetterSent': {
      const letterId = text(d['letterId']);
      return letterId === ''
        ? html``
        : html`<a href="/letters/${encodeURIComponent(letterId)}">${t('detailLetter')}</a>`;
    }
    case 'ConsentRequested':
      return html`${t('detailConsent', {
        purpose: text(d['purpose']),
        categories: strings(d['categories']).join(', '),
      })}`;
    case 'ConsentGiven':
      return html`${t('detailConsentGiven', { consentId: text(d['consentId']) })}`;
    case 'CorrectionNoticeReceived':
      return html`${t('detailCorrection', {
        field: text(d['field']),
        organisation: text(d['organisationId']),
      })}`;
    default:
      return html``;
  }
}
