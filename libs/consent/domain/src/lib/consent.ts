import type { Decider } from '@gov/platform-decider';

import { assertNever, erased, reject } from './rejection';

/** What a person grants: to whom, which data, for what, how long, how often. */
export interface ConsentTerms {
  /** National identification number of the data subject. */
  readonly subject: string;
  /** The organisation that may use the data (an id of the legal-basis catalogue). */
  readonly organisationId: string;
  /** Data categories (`persons.address`), at least one, each once, sorted. */
  readonly categories: readonly string[];
  readonly purpose: string;
  /** `null`: every procedure of the purpose. */
  readonly procedureId: string | null;
  readonly validFrom: Date;
  /** Exclusive; after `validFrom`. */
  readonly validUntil: Date;
  /** `null`: unlimited. */
  readonly maxUses: number | null;
  /** BCP 47 language of the notice the person saw. */
  readonly language: string;
}

/** The statuses of an artefact, at an instant (see {@link consentStatus}). */
export type ConsentStatus = 'ACTIVE' | 'PAUSED' | 'REVOKED' | 'EXPIRED' | 'SUPERSEDED';

/**
 * Why a REVOKED artefact ended: the person withdrew it, or the registry erased the person and
 * the service ended it (the same for its readers: uses are denied for good).
 */
export type RevocationCause = 'WITHDRAWN' | 'ERASED';

/** How an artefact ended, when it has. */
export type ConsentEnding =
  | { readonly kind: 'REVOKED'; readonly at: Date; readonly cause: RevocationCause }
  | { readonly kind: 'SUPERSEDED'; readonly at: Date; readonly supersededBy: string }
  | { readonly kind: 'EXPIRED'; readonly at: Date };

/** A use of an artefact that was permitted (`gov.consent.v1.AccessPermitted`). */
export interface ConsentUse {
  readonly decisionId: string;
  readonly consentId: string;
  readonly subject: string;
  readonly organisationId: string;
  readonly actorId: string;
  readonly purpose: string;
  readonly procedureId: string | null;
  /** The categories permitted: the asked ones the artefact grants; never empty. */
  readonly categories: readonly string[];
  readonly decidedAt: Date;
  /** W3C trace id of the request, or `null`. */
  readonly traceId: string | null;
  /** The service that records the read itself (`registry`), or `null`: this is the record. */
  readonly accessRecordedBy: string | null;
  /** 1 for the artefact's first use. */
  readonly useNumber: number;
}

export type ConsentEvent =
  | {
      readonly type: 'ConsentGranted';
      readonly data: ConsentTerms & {
        readonly consentId: string;
        readonly supersedes: string | null;
        readonly grantedAt: Date;
      };
    }
  | { readonly type: 'ConsentPaused'; readonly data: { consentId: string; pausedAt: Date } }
  | { readonly type: 'ConsentResumed'; readonly data: { consentId: string; resumedAt: Date } }
  | { readonly type: 'ConsentRevoked'; readonly data: { consentId: string; revokedAt: Date } }
  | {
      readonly type: 'ConsentSuperseded';
      readonly data: { consentId: string; supersededBy: string; supersededAt: Date };
    }
  | { readonly type: 'ConsentExpired'; readonly data: { consentId: string; expiredAt: Date } }
  | {
      readonly type: 'ConsentEndedByErasure';
      readonly data: {
        readonly consentId: string;
        readonly subject: string;
        /** The registry's `PersonErased` that ordered it. */
        readonly registryEventId: string;
        readonly erasedAt: Date;
        readonly endedAt: Date;
      };
    }
  | { readonly type: 'AccessPermitted'; readonly data: ConsentUse };

/** What a use asks for: the decision API's request, checked against one artefact. */
export interface UseRequest {
  readonly decisionId: string;
  readonly organisationId: string;
  readonly actorId: string;
  readonly purpose: string;
  readonly procedureId: string | null;
  readonly categories: readonly string[];
  readonly traceId: string | null;
  readonly accessRecordedBy: string | null;
}

interface At {
  readonly now: Date;
}

export type ConsentCommand =
  | {
      readonly type: 'GrantConsent';
      readonly data: {
        readonly consentId: string;
        /** The citizen who asks (their national identification number). */
        readonly grantedBy: string;
        readonly terms: ConsentTerms;
        readonly supersedes: string | null;
        /** When the registry erased the subject, as this service knows it; `null`: not erased. */
        readonly subjectErasedAt: Date | null;
      };
      readonly metadata: At;
    }
  | {
      readonly type: 'PauseConsent' | 'ResumeConsent' | 'RevokeConsent';
      readonly data: { readonly consentId: string; readonly by: string };
      readonly metadata: At;
    }
  | {
      readonly type: 'SupersedeConsent';
      readonly data: {
        readonly consentId: string;
        readonly by: string;
        readonly supersededBy: string;
      };
      readonly metadata: At;
    }
  | {
      readonly type: 'ExpireConsent';
      readonly data: { readonly consentId: string };
      readonly metadata: At;
    }
  | {
      readonly type: 'UseConsent';
      readonly data: { readonly consentId: string; readonly request: UseRequest };
      readonly metadata: At;
    }
  | {
      /** The registry erased the artefact's subject: a live artefact ends. */
      readonly type: 'EndConsentForErasure';
      readonly data: {
        readonly consentId: string;
        readonly registryEventId: string;
        readonly erasedAt: Date;
      };
      readonly metadata: At;
    };

/** An artefact's stream folded. */
export type ConsentState =
  | { readonly status: 'NONE' }
  | {
      readonly status: 'GRANTED';
      readonly consentId: string;
      readonly terms: ConsentTerms;
      readonly supersedes: string | null;
      readonly grantedAt: Date;
      readonly paused: boolean;
      readonly ending: ConsentEnding | null;
      readonly uses: number;
      readonly lastUseAt: Date | null;
    };

/** A granted artefact's state. */
export type GrantedConsent = Extract<ConsentState, { status: 'GRANTED' }>;

/**
 * The artefact's status at `now`. Expiry needs nobody: from `valid_until` on the status is
 * EXPIRED whether or not `ConsentExpired` is recorded yet. A recorded ending wins over the
 * clock (a consent revoked before its expiry stays REVOKED).
 */
export function consentStatus(state: GrantedConsent, now: Date): ConsentStatus {
  if (state.ending !== null) return state.ending.kind;
  if (now.getTime() >= state.terms.validUntil.getTime()) return 'EXPIRED';
  return state.paused ? 'PAUSED' : 'ACTIVE';
}

/** Limits of the terms, as the service checks them. */
export const CONSENT_LIMITS = {
  /** At most ten years of validity: a consent is specific, not a standing waiver. */
  maxValidityMs: 10 * 366 * 24 * 3600 * 1000,
  maxUses: 1_000_000,
  purposeLength: 200,
} as const;

function checkTerms(terms: ConsentTerms, now: Date): void {
  const issues = [];
  if (terms.validUntil.getTime() <= terms.validFrom.getTime()) {
    issues.push({
      field: 'validUntil',
      code: 'before-start',
      message: 'validUntil must be after validFrom',
    });
  } else if (terms.validUntil.getTime() <= now.getTime()) {
    issues.push({ field: 'validUntil', code: 'in-past', message: 'validUntil is already past' });
  } else if (
    terms.validUntil.getTime() - terms.validFrom.getTime() >
    CONSENT_LIMITS.maxValidityMs
  ) {
    issues.push({
      field: 'validUntil',
      code: 'too-long',
      message: 'a consent is valid for at most ten years',
    });
  }
  if (terms.categories.length === 0) {
    issues.push({ field: 'categories', code: 'empty', message: 'name at least one category' });
  }
  if (new Set(terms.categories).size !== terms.categories.length) {
    issues.push({ field: 'categories', code: 'duplicate', message: 'each category once' });
  }
  if (terms.maxUses !== null && (terms.maxUses < 1 || terms.maxUses > CONSENT_LIMITS.maxUses)) {
    issues.push({
      field: 'maxUses',
      code: 'out-of-range',
      message: `maxUses is between 1 and ${String(CONSENT_LIMITS.maxUses)}`,
    });
  }
  if (issues.length > 0) throw reject('INVALID_INPUT', 'the terms are invalid', issues);
}

function requireGranted(state: ConsentState, consentId: string): GrantedConsent {
  if (state.status === 'NONE') {
    throw reject('CONSENT_NOT_FOUND', `there is no consent ${consentId}`);
  }
  return state;
}

function requireSubject(state: GrantedConsent, by: string): void {
  if (state.terms.subject !== by) {
    throw reject('NOT_DATA_SUBJECT', 'only the person who granted a consent may change it');
  }
}

function requireNotEnded(state: GrantedConsent, now: Date, what: string): void {
  const status = consentStatus(state, now);
  if (status === 'REVOKED' || status === 'EXPIRED' || status === 'SUPERSEDED') {
    throw reject('CONSENT_ENDED', `the consent is ${status}: it cannot be ${what}`);
  }
}

/** The categories of `asked` that `granted` contains, in the order asked. */
export function coveredCategories(
  granted: readonly string[],
  asked: readonly string[],
): readonly string[] {
  return asked.filter((category) => granted.includes(category));
}

/** Whether an artefact's terms answer a use request (organisation, purpose, procedure). */
export function termsMatch(terms: ConsentTerms, request: UseRequest): boolean {
  return (
    terms.organisationId === request.organisationId &&
    terms.purpose === request.purpose &&
    (terms.procedureId === null || terms.procedureId === request.procedureId)
  );
}

function decideUse(state: GrantedConsent, request: UseRequest, now: Date): ConsentEvent[] {
  const status = consentStatus(state, now);
  if (status === 'PAUSED') throw reject('USE_PAUSED', 'the person paused this consent');
  if (status !== 'ACTIVE') throw reject('USE_ENDED', `the consent is ${status}`);
  if (now.getTime() < state.terms.validFrom.getTime()) {
    throw reject('USE_NOT_YET_VALID', 'the consent is not valid yet');
  }
  if (!termsMatch(state.terms, request)) {
    throw reject('USE_NOT_GRANTED', 'the consent names another organisation, purpose or procedure');
  }
  const categories = coveredCategories(state.terms.categories, request.categories);
  if (categories.length === 0) {
    throw reject('USE_NOT_GRANTED', 'the consent grants none of the asked categories');
  }
  if (state.terms.maxUses !== null && state.uses >= state.terms.maxUses) {
    throw reject('USE_EXHAUSTED', `all ${String(state.terms.maxUses)} uses are made`);
  }
  return [
    {
      type: 'AccessPermitted',
      data: {
        decisionId: request.decisionId,
        consentId: state.consentId,
        subject: state.terms.subject,
        organisationId: request.organisationId,
        actorId: request.actorId,
        purpose: request.purpose,
        procedureId: request.procedureId,
        categories,
        decidedAt: now,
        traceId: request.traceId,
        accessRecordedBy: request.accessRecordedBy,
        useNumber: state.uses + 1,
      },
    },
  ];
}

function decide(command: ConsentCommand, state: ConsentState): readonly ConsentEvent[] {
  const { now } = command.metadata;
  switch (command.type) {
    case 'GrantConsent': {
      const { consentId, grantedBy, terms, supersedes, subjectErasedAt } = command.data;
      if (state.status !== 'NONE') {
        throw reject('CONSENT_ALREADY_EXISTS', `consent ${consentId} exists already`);
      }
      if (grantedBy !== terms.subject) {
        throw reject('NOT_DATA_SUBJECT', 'a person grants consent only to their own data', [
          { field: 'subject', code: 'not-self', message: 'must be your own national id' },
        ]);
      }
      if (subjectErasedAt !== null) throw erased(terms.subject, subjectErasedAt);
      checkTerms(terms, now);
      return [
        {
          type: 'ConsentGranted',
          data: { ...terms, consentId, supersedes, grantedAt: now },
        },
      ];
    }
    case 'PauseConsent': {
      const granted = requireGranted(state, command.data.consentId);
      requireSubject(granted, command.data.by);
      requireNotEnded(granted, now, 'paused');
      if (granted.paused) return [];
      return [{ type: 'ConsentPaused', data: { consentId: granted.consentId, pausedAt: now } }];
    }
    case 'ResumeConsent': {
      const granted = requireGranted(state, command.data.consentId);
      requireSubject(granted, command.data.by);
      requireNotEnded(granted, now, 'resumed');
      if (!granted.paused) return [];
      return [{ type: 'ConsentResumed', data: { consentId: granted.consentId, resumedAt: now } }];
    }
    case 'RevokeConsent': {
      const granted = requireGranted(state, command.data.consentId);
      requireSubject(granted, command.data.by);
      if (granted.ending?.kind === 'REVOKED') return [];
      requireNotEnded(granted, now, 'revoked');
      return [{ type: 'ConsentRevoked', data: { consentId: granted.consentId, revokedAt: now } }];
    }
    case 'SupersedeConsent': {
      const granted = requireGranted(state, command.data.consentId);
      requireSubject(granted, command.data.by);
      requireNotEnded(granted, now, 'changed');
      return [
        {
          type: 'ConsentSuperseded',
          data: {
            consentId: granted.consentId,
            supersededBy: command.data.supersededBy,
            supersededAt: now,
          },
        },
      ];
    }
    case 'ExpireConsent': {
      const granted = requireGranted(state, command.data.consentId);
      if (granted.ending !== null || now.getTime() < granted.terms.validUntil.getTime()) return [];
      return [
        {
          type: 'ConsentExpired',
          data: { consentId: granted.consentId, expiredAt: granted.terms.validUntil },
        },
      ];
    }
    case 'UseConsent':
      return decideUse(requireGranted(state, command.data.consentId), command.data.request, now);
    case 'EndConsentForErasure': {
      const granted = requireGranted(state, command.data.consentId);
      // Only a live artefact ends: an ended one already denies every use, and one whose
      // validity is over is EXPIRED (the expiry reactor records it).
      const status = consentStatus(granted, now);
      if (status !== 'ACTIVE' && status !== 'PAUSED') return [];
      return [
        {
          type: 'ConsentEndedByErasure',
          data: {
            consentId: granted.consentId,
            subject: granted.terms.subject,
            registryEventId: command.data.registryEventId,
            erasedAt: command.data.erasedAt,
            endedAt: now,
          },
        },
      ];
    }
    default:
      return assertNever(command, 'consent command');
  }
}

function evolve(state: ConsentState, event: ConsentEvent): ConsentState {
  if (event.type === 'ConsentGranted') {
    const { consentId, supersedes, grantedAt, ...terms } = event.data;
    return {
      status: 'GRANTED',
      consentId,
      terms,
      supersedes,
      grantedAt,
      paused: false,
      ending: null,
      uses: 0,
      lastUseAt: null,
    };
  }
  if (state.status === 'NONE') return state;
  switch (event.type) {
    case 'ConsentPaused':
      return { ...state, paused: true };
    case 'ConsentResumed':
      return { ...state, paused: false };
    case 'ConsentRevoked':
      return {
        ...state,
        ending: { kind: 'REVOKED', at: event.data.revokedAt, cause: 'WITHDRAWN' },
      };
    case 'ConsentEndedByErasure':
      return { ...state, ending: { kind: 'REVOKED', at: event.data.endedAt, cause: 'ERASED' } };
    case 'ConsentSuperseded':
      return {
        ...state,
        ending: {
          kind: 'SUPERSEDED',
          at: event.data.supersededAt,
          supersededBy: event.data.supersededBy,
        },
      };
    case 'ConsentExpired':
      return { ...state, ending: { kind: 'EXPIRED', at: event.data.expiredAt } };
    case 'AccessPermitted':
      return { ...state, uses: event.data.useNumber, lastUseAt: event.data.decidedAt };
    default:
      return assertNever(event, 'consent event');
  }
}

/**
 * A consent artefact, one stream per artefact (`consent-<id>`).
 *
 * - Its terms never change: a change is a new artefact (`GrantConsent` with `supersedes`) and
 *   `SupersedeConsent` on the old one, which then stays readable with status SUPERSEDED and
 *   `supersededBy`. Pause, resume and revoke are the person's; pause and resume toggle,
 *   repeats are no-ops, and nothing changes an ended artefact (REVOKED, SUPERSEDED, EXPIRED).
 * - A use (`UseConsent`) is decided here and recorded in the same stream as
 *   `AccessPermitted` with the next `useNumber`, so a limit on uses holds under concurrent
 *   decisions: two of them append at the same expected version and one must decide again.
 * - Expiry is a function of the clock (`consentStatus`); `ExpireConsent` records it once
 *   `valid_until` has passed and is a no-op before or after.
 * - When the registry erased the subject, nothing new is granted for them (`subjectErasedAt`,
 *   a lookup the caller makes: `DATA_ERASED`) and `EndConsentForErasure` ends a live artefact
 *   (REVOKED, cause ERASED); it is a no-op on an ended or expired one.
 */
export const consentDecider: Decider<ConsentCommand, ConsentEvent, ConsentState> = {
  decide,
  evolve,
  initialState: { status: 'NONE' },
};
