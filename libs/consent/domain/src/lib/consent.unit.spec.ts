import { DeciderSpecification, evolveAll } from '@gov/platform-decider';

import { consentDecider, consentStatus } from './consent';
import type { ConsentEvent, ConsentTerms, GrantedConsent, UseRequest } from './consent';

const SUBJECT = '1983081246785';
const ID = '0b7e4a52-8b4e-4f0e-9d1a-3c2f1e0d9a01';
const NEW_ID = '0b7e4a52-8b4e-4f0e-9d1a-3c2f1e0d9a02';
const t = (iso: string) => new Date(iso);
const NOW = t('2026-03-01T10:00:00Z');

const terms: ConsentTerms = {
  subject: SUBJECT,
  organisationId: 'ccss',
  categories: ['persons.address', 'persons.birth_date'],
  purpose: 'family-allowance-eligibility',
  procedureId: null,
  validFrom: t('2026-03-01T00:00:00Z'),
  validUntil: t('2026-09-01T00:00:00Z'),
  maxUses: 2,
  language: 'fr',
};
const granted: ConsentEvent = {
  type: 'ConsentGranted',
  data: { ...terms, consentId: ID, supersedes: null, grantedAt: NOW },
};
const request: UseRequest = {
  decisionId: 'd-1',
  organisationId: 'ccss',
  actorId: 'svc-ccss',
  purpose: 'family-allowance-eligibility',
  procedureId: 'allocation-familiale',
  categories: ['persons.address', 'persons.sex'],
  traceId: null,
  accessRecordedBy: null,
};
const use = (decisionId: string, useNumber: number, at = NOW): ConsentEvent => ({
  type: 'AccessPermitted',
  data: {
    decisionId,
    consentId: ID,
    subject: SUBJECT,
    organisationId: 'ccss',
    actorId: 'svc-ccss',
    purpose: 'family-allowance-eligibility',
    procedureId: 'allocation-familiale',
    categories: ['persons.address'],
    decidedAt: at,
    traceId: null,
    accessRecordedBy: null,
    useNumber,
  },
});

const spec = DeciderSpecification.for(consentDecider);
const person = { consentId: ID, by: SUBJECT };

describe('granting a consent', () => {
  it('records the terms as a new artefact', () => {
    spec
      .given([])
      .when({
        type: 'GrantConsent',
        data: { consentId: ID, grantedBy: SUBJECT, terms, supersedes: null, subjectErasedAt: null },
        metadata: { now: NOW },
      })
      .then([granted]);
  });

  it('refuses a grant for someone else', () => {
    spec
      .given([])
      .when({
        type: 'GrantConsent',
        data: {
          consentId: ID,
          grantedBy: '1990013100012',
          terms,
          supersedes: null,
          subjectErasedAt: null,
        },
        metadata: { now: NOW },
      })
      .thenRejects('NOT_DATA_SUBJECT', ['subject']);
  });

  it('refuses an expiry before the start, a past expiry and a zero use limit', () => {
    const grant = (changed: Partial<ConsentTerms>) =>
      spec.given([]).when({
        type: 'GrantConsent',
        data: {
          consentId: ID,
          grantedBy: SUBJECT,
          terms: { ...terms, ...changed },
          supersedes: null,
          subjectErasedAt: null,
        },
        metadata: { now: NOW },
      });
    grant({ validUntil: t('2026-02-01T00:00:00Z') }).thenRejects('INVALID_INPUT', [
      { field: 'validUntil', code: 'before-start', message: 'validUntil must be after validFrom' },
    ]);
    grant({
      validFrom: t('2026-01-01T00:00:00Z'),
      validUntil: t('2026-02-01T00:00:00Z'),
    }).thenRejects('INVALID_INPUT', ['validUntil']);
    grant({ maxUses: 0, categories: [] }).thenRejects('INVALID_INPUT', ['categories', 'maxUses']);
    grant({ validUntil: t('2040-01-01T00:00:00Z') }).thenRejects('INVALID_INPUT', ['validUntil']);
  });

  it('refuses a second grant on the same artefact', () => {
    spec
      .given([granted])
      .when({
        type: 'GrantConsent',
        data: { consentId: ID, grantedBy: SUBJECT, terms, supersedes: null, subjectErasedAt: null },
        metadata: { now: NOW },
      })
      .thenRejects('CONSENT_ALREADY_EXISTS');
  });
});

describe('pausing, resuming, revoking', () => {
  const paused: ConsentEvent = { type: 'ConsentPaused', data: { consentId: ID, pausedAt: NOW } };
  const revoked: ConsentEvent = {
    type: 'ConsentRevoked',
    data: { consentId: ID, revokedAt: NOW },
  };

  it('pauses, resumes and revokes; repeats change nothing', () => {
    spec
      .given([granted])
      .when({ type: 'PauseConsent', data: person, metadata: { now: NOW } })
      .then([paused]);
    spec
      .given([granted, paused])
      .when({ type: 'PauseConsent', data: person, metadata: { now: NOW } })
      .thenNothing();
    spec
      .given([granted, paused])
      .when({ type: 'ResumeConsent', data: person, metadata: { now: NOW } })
      .then([{ type: 'ConsentResumed', data: { consentId: ID, resumedAt: NOW } }]);
    spec
      .given([granted])
      .when({ type: 'ResumeConsent', data: person, metadata: { now: NOW } })
      .thenNothing();
    spec
      .given([granted, paused])
      .when({ type: 'RevokeConsent', data: person, metadata: { now: NOW } })
      .then([revoked]);
    spec
      .given([granted, revoked])
      .when({ type: 'RevokeConsent', data: person, metadata: { now: NOW } })
      .thenNothing();
  });

  it('refuses changes by anyone but the person, on unknown artefacts, and on ended ones', () => {
    spec
      .given([granted])
      .when({
        type: 'RevokeConsent',
        data: { consentId: ID, by: '1990013100012' },
        metadata: { now: NOW },
      })
      .thenRejects('NOT_DATA_SUBJECT');
    spec
      .given([])
      .when({ type: 'PauseConsent', data: person, metadata: { now: NOW } })
      .thenRejects('CONSENT_NOT_FOUND');
    spec
      .given([granted, revoked])
      .when({ type: 'ResumeConsent', data: person, metadata: { now: NOW } })
      .thenRejects('CONSENT_ENDED');
    spec
      .given([granted])
      .when({ type: 'PauseConsent', data: person, metadata: { now: terms.validUntil } })
      .thenRejects('CONSENT_ENDED');
  });

  it('supersedes an artefact once; the replaced one is ended', () => {
    const superseded: ConsentEvent = {
      type: 'ConsentSuperseded',
      data: { consentId: ID, supersededBy: NEW_ID, supersededAt: NOW },
    };
    spec
      .given([granted])
      .when({
        type: 'SupersedeConsent',
        data: { ...person, supersededBy: NEW_ID },
        metadata: { now: NOW },
      })
      .then([superseded]);
    spec
      .given([granted, superseded])
      .when({
        type: 'SupersedeConsent',
        data: { ...person, supersededBy: NEW_ID },
        metadata: { now: NOW },
      })
      .thenRejects('CONSENT_ENDED');
  });
});

describe('expiry', () => {
  it('reads EXPIRED from valid_until on, before anything is recorded', () => {
    const state = evolveAll(consentDecider, [granted]) as GrantedConsent;
    expect(consentStatus(state, t('2026-08-31T23:59:59.999Z'))).toBe('ACTIVE');
    expect(consentStatus(state, terms.validUntil)).toBe('EXPIRED');
  });

  it('records the expiry once, at valid_until, and only once it has passed', () => {
    const expired: ConsentEvent = {
      type: 'ConsentExpired',
      data: { consentId: ID, expiredAt: terms.validUntil },
    };
    spec
      .given([granted])
      .when({ type: 'ExpireConsent', data: { consentId: ID }, metadata: { now: NOW } })
      .thenNothing();
    spec
      .given([granted])
      .when({
        type: 'ExpireConsent',
        data: { consentId: ID },
        metadata: { now: t('2026-09-02T00:00:00Z') },
      })
      .then([expired]);
    spec
      .given([granted, expired])
      .when({
        type: 'ExpireConsent',
        data: { consentId: ID },
        metadata: { now: t('2026-09-03T00:00:00Z') },
      })
      .thenNothing();
    const revokedFirst = evolveAll(consentDecider, [
      granted,
      { type: 'ConsentRevoked', data: { consentId: ID, revokedAt: NOW } },
    ]) as GrantedConsent;
    expect(consentStatus(revokedFirst, t('2027-01-01T00:00:00Z'))).toBe('REVOKED');
  });
});

describe('using a consent', () => {
  const useIt = (given: ConsentEvent[], changed: Partial<UseRequest> = {}, now = NOW) =>
    spec.given(given).when({
      type: 'UseConsent',
      data: { consentId: ID, request: { ...request, ...changed } },
      metadata: { now },
    });

  it('permits the asked categories it grants, numbering the use', () => {
    useIt([granted]).then([use('d-1', 1)]);
    useIt([granted, use('d-0', 1)]).then([use('d-1', 2)]);
  });

  it('denies beyond max uses, while paused, once ended, before valid_from, and for other terms', () => {
    useIt([granted, use('a', 1), use('b', 2)]).thenRejects('USE_EXHAUSTED');
    useIt([granted, { type: 'ConsentPaused', data: { consentId: ID, pausedAt: NOW } }]).thenRejects(
      'USE_PAUSED',
    );
    useIt([
      granted,
      { type: 'ConsentRevoked', data: { consentId: ID, revokedAt: NOW } },
    ]).thenRejects('USE_ENDED');
    useIt([granted], {}, terms.validUntil).thenRejects('USE_ENDED');
    useIt([granted], {}, t('2026-02-28T23:00:00Z')).thenRejects('USE_NOT_YET_VALID');
    useIt([granted], { organisationId: 'acd' }).thenRejects('USE_NOT_GRANTED');
    useIt([granted], { purpose: 'marketing' }).thenRejects('USE_NOT_GRANTED');
    useIt([granted], { categories: ['persons.sex'] }).thenRejects('USE_NOT_GRANTED');
    useIt([]).thenRejects('CONSENT_NOT_FOUND');
  });

  it('holds a procedure-bound consent to its procedure', () => {
    const bound: ConsentEvent = {
      type: 'ConsentGranted',
      data: {
        ...terms,
        procedureId: 'allocation-familiale',
        consentId: ID,
        supersedes: null,
        grantedAt: NOW,
      },
    };
    useIt([bound], { procedureId: 'other' }).thenRejects('USE_NOT_GRANTED');
    useIt([bound], { procedureId: null }).thenRejects('USE_NOT_GRANTED');
    useIt([bound]).then([use('d-1', 1)]);
  });

  it('counts uses and the last use in the state', () => {
    const state = evolveAll(consentDecider, [
      granted,
      use('a', 1),
      use('b', 2, t('2026-03-02T00:00:00Z')),
    ]);
    expect(state).toMatchObject({ uses: 2, lastUseAt: t('2026-03-02T00:00:00Z') });
  });
});

describe('the registry erased the subject', () => {
  const ERASED_AT = t('2026-03-01T09:00:00Z');
  const LATER = t('2026-03-01T11:00:00Z');
  const end = (now = LATER) => ({
    type: 'EndConsentForErasure' as const,
    data: { consentId: ID, registryEventId: 'reg-1', erasedAt: ERASED_AT },
    metadata: { now },
  });
  const ended: ConsentEvent = {
    type: 'ConsentEndedByErasure',
    data: {
      consentId: ID,
      subject: SUBJECT,
      registryEventId: 'reg-1',
      erasedAt: ERASED_AT,
      endedAt: LATER,
    },
  };
  const paused: ConsentEvent = { type: 'ConsentPaused', data: { consentId: ID, pausedAt: NOW } };

  it('ends an ACTIVE or PAUSED artefact, saying why; it then reads REVOKED and denies uses', () => {
    spec.given([granted]).when(end()).then([ended]);
    spec.given([granted, paused]).when(end()).then([ended]);
    const state = evolveAll(consentDecider, [granted, ended]) as GrantedConsent;
    expect(state.ending).toEqual({ kind: 'REVOKED', at: LATER, cause: 'ERASED' });
    expect(consentStatus(state, LATER)).toBe('REVOKED');
    spec
      .given([granted, ended])
      .when({
        type: 'UseConsent',
        data: { consentId: ID, request },
        metadata: { now: LATER },
      })
      .thenRejects('USE_ENDED');
  });

  it('appends nothing for an ended or expired artefact, nor a second time', () => {
    const revoked: ConsentEvent = {
      type: 'ConsentRevoked',
      data: { consentId: ID, revokedAt: NOW },
    };
    spec.given([granted, ended]).when(end()).thenNothing();
    spec.given([granted, revoked]).when(end()).thenNothing();
    spec.given([granted]).when(end(terms.validUntil)).thenNothing();
    spec.given([]).when(end()).thenRejects('CONSENT_NOT_FOUND');
  });

  it('refuses a new grant for an erased person', () => {
    spec
      .given([])
      .when({
        type: 'GrantConsent',
        data: {
          consentId: ID,
          grantedBy: SUBJECT,
          terms,
          supersedes: null,
          subjectErasedAt: ERASED_AT,
        },
        metadata: { now: NOW },
      })
      .thenRejects('DATA_ERASED');
  });
});
