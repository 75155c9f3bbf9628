import { DomainRejection } from '@gov/platform-decider';
import type { FieldIssue } from '@gov/platform-decider';

/**
 * Every reason the consent deciders refuse a command. The first group are refusals of a
 * request (mapped to a 4xx by the service, see `CONSENT_REJECTION_STATUSES`); the `USE_*`
 * group are the reasons a use of an artefact is not permitted, which the decision API turns into
 * a "deny" answer, never an error.
 */
export type ConsentRejectionCode =
  | 'INVALID_INPUT'
  | 'CONSENT_NOT_FOUND'
  | 'NOT_DATA_SUBJECT'
  | 'CONSENT_ALREADY_EXISTS'
  | 'CONSENT_ENDED'
  | 'DATA_ERASED'
  | UseDenialCode;

/** Why a use of an artefact is denied. */
export type UseDenialCode =
  'USE_NOT_YET_VALID' | 'USE_PAUSED' | 'USE_ENDED' | 'USE_EXHAUSTED' | 'USE_NOT_GRANTED';

/** The use-denial codes, for the application to tell them from request refusals. */
export const USE_DENIAL_CODES: readonly UseDenialCode[] = [
  'USE_NOT_YET_VALID',
  'USE_PAUSED',
  'USE_ENDED',
  'USE_EXHAUSTED',
  'USE_NOT_GRANTED',
];

/** A refusal by a consent decider. */
export function reject(
  code: ConsentRejectionCode,
  message: string,
  fields: readonly FieldIssue[] = [],
): DomainRejection<ConsentRejectionCode> {
  return new DomainRejection(code, message, fields);
}

/** The refusal of anything new for a person the registry erased (410 `DATA_ERASED`). */
export function erased(subject: string, erasedAt: Date): DomainRejection<ConsentRejectionCode> {
  return reject(
    'DATA_ERASED',
    `the data of ${subject} was erased on ${erasedAt.toISOString()}: nothing new is recorded about them`,
  );
}

/** For the `never` check at the end of every switch over a union. */
export function assertNever(value: never, what: string): never {
  throw new TypeError(`unhandled ${what}: ${JSON.stringify(value)}`);
}
