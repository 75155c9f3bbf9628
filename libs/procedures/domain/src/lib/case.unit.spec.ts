import { DeciderSpecification } from '@gov/platform-decider';

import { caseDecider } from './case';
import type { CaseEvent, PrefilledField } from './case';

const CASE = '7d1f0c2e-5b7a-4c1e-9a57-0b3f4c2d1e01';
const APPLICANT = '1983081246785';
const OTHER = '1990013100012';
const T0 = new Date('2026-03-01T10:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const spec = DeciderSpecification.for(caseDecider);

const started: CaseEvent = {
  type: 'DraftStarted',
  data: {
    caseId: CASE,
    procedureId: 'family-allowance',
    procedureVersion: 1,
    applicant: APPLICANT,
    businessNumber: null,
    organisationId: 'cae',
    startedAt: T0,
  },
};
const previewed: CaseEvent = {
  type: 'PrefillPreviewed',
  data: {
    caseId: CASE,
    previewId: 'p1',
    sources: [
      { source: 'persons', fields: ['address'], defaultAccept: true, preferenceRule: 'default' },
      {
        source: 'personal-space',
        fields: ['iban'],
        defaultAccept: false,
        preferenceRule: 'source',
      },
    ],
    previewedAt: at(1),
    expiresAt: at(11),
  },
};
const address: PrefilledField = {
  field: 'address',
  source: 'persons',
  category: 'persons.address',
  valueJson: '{"locality":"Luxembourg"}',
};
const applied: CaseEvent = {
  type: 'PrefillApplied',
  data: {
    caseId: CASE,
    previewId: 'p1',
    accepted: ['persons'],
    declined: ['personal-space'],
    fields: [address],
    appliedAt: at(2),
  },
};
const submitted: CaseEvent = {
  type: 'Submitted',
  data: { caseId: CASE, formJson: '{}', submittedAt: at(3) },
};
const received: CaseEvent = {
  type: 'SubmissionReceived',
  data: { caseId: CASE, receivedAt: at(4) },
};
const inReview: CaseEvent = { type: 'ReviewStarted', data: { caseId: CASE, startedAt: at(5) } };

const apply = (previewId: string, accepted: ('persons' | 'personal-space')[], minute: number) => ({
  type: 'ApplyPrefill' as const,
  data: {
    by: APPLICANT,
    previewId,
    accepted,
    fields: accepted.includes('persons') ? [address] : [],
  },
  metadata: { now: at(minute) },
});

describe('a procedure case', () => {
  it('starts a draft once', () => {
    const start = {
      type: 'StartDraft' as const,
      data: {
        caseId: CASE,
        procedureId: 'family-allowance',
        procedureVersion: 1,
        applicant: APPLICANT,
        businessNumber: null,
        organisationId: 'cae',
      },
      metadata: { now: T0 },
    };
    spec.given([]).when(start).then([started]);
    spec.given([started]).when(start).thenRejects('CASE_ALREADY_EXISTS');
  });

  it('fills only the accepted sources, recording the declined ones', () => {
    spec
      .given([started, previewed])
      .when(apply('p1', ['persons'], 2))
      .then([applied]);
  });

  it('uses a preview once, and not after it expires', () => {
    spec
      .given([started, previewed, applied])
      .when(apply('p1', [], 3))
      .thenRejects('PREVIEW_USED');
    spec
      .given([started, previewed])
      .when(apply('p1', [], 11))
      .thenRejects('PREVIEW_EXPIRED');
    spec
      .given([started, previewed])
      .when(apply('p2', [], 2))
      .thenRejects('PREVIEW_UNKNOWN');
  });

  it('refuses to fetch a source the person said No to', () => {
    spec
      .given([started, previewed])
      .when(apply('p1', ['persons', 'personal-space'], 2))
      .thenRejects('SOURCE_REFUSED');
  });

  it('lets only the applicant act on the draft', () => {
    spec
      .given([started])
      .when({ type: 'Submit', data: { by: OTHER, formJson: '{}' }, metadata: { now: at(3) } })
      .thenRejects('NOT_APPLICANT');
  });

  it('runs the back office from received to a decision, with a question on the way', () => {
    const asked: CaseEvent = {
      type: 'InformationRequested',
      data: { caseId: CASE, requestId: 'q1', question: 'Birth certificate?', requestedAt: at(6) },
    };
    spec
      .given([started, submitted])
      .when({ type: 'Receive', data: { by: 'cae' }, metadata: { now: at(4) } })
      .then([received]);
    spec
      .given([started, submitted])
      .when({ type: 'Receive', data: { by: 'ccss' }, metadata: { now: at(4) } })
      .thenRejects('NOT_HANDLING_ORGANISATION');
    spec
      .given([started, submitted, received, inReview])
      .when({
        type: 'RequestInformation',
        data: { by: 'cae', requestId: 'q1', question: 'Birth certificate?' },
        metadata: { now: at(6) },
      })
      .then([asked]);
    spec
      .given([started, submitted, received, inReview, asked])
      .when({
        type: 'ProvideInformation',
        data: { by: APPLICANT, answer: 'Sent.' },
        metadata: { now: at(7) },
      })
      .then([
        {
          type: 'InformationProvided',
          data: { caseId: CASE, requestId: 'q1', answer: 'Sent.', providedAt: at(7) },
        },
      ]);
    spec
      .given([started, submitted, received, inReview, asked])
      .when({
        type: 'Decide',
        data: { by: 'cae', outcome: 'approved', reason: '' },
        metadata: { now: at(8) },
      })
      .thenRejects('WRONG_STATE');
  });

  it('needs a reason to reject, and records the letter once', () => {
    const base = [started, submitted, received, inReview];
    spec
      .given(base)
      .when({
        type: 'Decide',
        data: { by: 'cae', outcome: 'rejected', reason: ' ' },
        metadata: { now: at(8) },
      })
      .thenRejects('INVALID_INPUT');
    const decided: CaseEvent = {
      type: 'SubmissionDecided',
      data: { caseId: CASE, outcome: 'approved', reason: '', decidedAt: at(8) },
    };
    const letter = { letterId: 'l1', sha256: 'ab' };
    spec
      .given([...base, decided])
      .when({ type: 'RecordDecisionLetter', data: letter, metadata: { now: at(9) } })
      .then([{ type: 'DecisionLetterSent', data: { caseId: CASE, ...letter, sentAt: at(9) } }]);
    spec
      .given([
        ...base,
        decided,
        { type: 'DecisionLetterSent', data: { caseId: CASE, ...letter, sentAt: at(9) } },
      ])
      .when({ type: 'RecordDecisionLetter', data: letter, metadata: { now: at(10) } })
      .thenNothing();
  });
});

describe('the correction notices of a case (GDPR Art. 19)', () => {
  const notice = (organisationId: string, field: string, noticeId = 'n1') => ({
    noticeId,
    correctionId: 'c1',
    organisationId,
    field,
    correctedValueJson: '"Schmitt"',
    acceptedAt: at(20),
  });
  const record = (organisationId: string, field: string, noticeId = 'n1') => ({
    type: 'RecordCorrectionNotice' as const,
    data: notice(organisationId, field, noticeId),
    metadata: { now: at(21) },
  });
  const receivedNotice = (organisationId: string, field: string, noticeId = 'n1'): CaseEvent => ({
    type: 'CorrectionNoticeReceived',
    data: { caseId: CASE, ...notice(organisationId, field, noticeId), receivedAt: at(21) },
  });
  const decided: CaseEvent = {
    type: 'SubmissionDecided',
    data: { caseId: CASE, outcome: 'approved', reason: '', decidedAt: at(8) },
  };

  it('records a notice to the handling organisation on its submitted case, in any later state', () => {
    spec
      .given([started, submitted])
      .when(record('cae', 'family_name'))
      .then([receivedNotice('cae', 'family_name')]);
    spec
      .given([started, submitted, received, inReview, decided])
      .when(record('cae', 'family_name'))
      .then([receivedNotice('cae', 'family_name')]);
  });

  it('records a notice to the procedures service on a case it prefilled with that field', () => {
    spec
      .given([started, previewed, applied])
      .when(record('procedures', 'address'))
      .then([receivedNotice('procedures', 'address')]);
    spec
      .given([started, previewed, applied])
      .when(record('procedures', 'family_name'))
      .thenRejects('WRONG_STATE');
    spec.given([started]).when(record('procedures', 'address')).thenRejects('WRONG_STATE');
  });

  it('refuses a notice to another organisation, or to the handler of a draft', () => {
    spec.given([started]).when(record('cae', 'family_name')).thenRejects('WRONG_STATE');
    spec.given([started, submitted]).when(record('ccss', 'family_name')).thenRejects('WRONG_STATE');
    spec.given([]).when(record('cae', 'family_name')).thenRejects('CASE_NOT_FOUND');
  });

  it('records a notice once: a redelivery changes nothing', () => {
    spec
      .given([started, submitted, receivedNotice('cae', 'family_name')])
      .when(record('cae', 'family_name'))
      .thenNothing();
    spec
      .given([started, submitted, receivedNotice('cae', 'family_name')])
      .when(record('cae', 'family_name', 'n2'))
      .then([receivedNotice('cae', 'family_name', 'n2')]);
  });

  it('lets the back office acknowledge a notice once', () => {
    const acknowledge = (by: string, noticeId = 'n1') => ({
      type: 'AcknowledgeCorrectionNotice' as const,
      data: { by, noticeId },
      metadata: { now: at(30) },
    });
    const acknowledged: CaseEvent = {
      type: 'CorrectionNoticeAcknowledged',
      data: { caseId: CASE, noticeId: 'n1', acknowledgedAt: at(30) },
    };
    const base = [started, submitted, receivedNotice('cae', 'family_name')];
    spec.given(base).when(acknowledge('cae')).then([acknowledged]);
    spec
      .given([...base, acknowledged])
      .when(acknowledge('cae'))
      .thenNothing();
    spec.given(base).when(acknowledge('ccss')).thenRejects('NOT_HANDLING_ORGANISATION');
    spec.given(base).when(acknowledge('cae', 'n9')).thenRejects('CORRECTION_NOTICE_UNKNOWN');
  });
});
