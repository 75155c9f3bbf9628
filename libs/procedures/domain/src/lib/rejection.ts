import { DomainRejection } from '@gov/platform-decider';
import type { FieldIssue } from '@gov/platform-decider';

/**
 * Every reason the procedures deciders refuse a command; the service maps each to a 4xx
 * (`PROCEDURES_REJECTION_STATUSES`).
 */
export type ProceduresRejectionCode =
  | 'INVALID_INPUT'
  | 'CASE_NOT_FOUND'
  | 'CASE_ALREADY_EXISTS'
  | 'NOT_APPLICANT'
  | 'NOT_HANDLING_ORGANISATION'
  | 'WRONG_STATE'
  | 'PREVIEW_UNKNOWN'
  | 'PREVIEW_USED'
  | 'PREVIEW_EXPIRED'
  | 'SOURCE_REFUSED'
  | 'CONSENT_REQUEST_UNKNOWN'
  | 'CORRECTION_NOTICE_UNKNOWN';

/** A refusal by a procedures decider. */
export function reject(
  code: ProceduresRejectionCode,
  message: string,
  fields: readonly FieldIssue[] = [],
): DomainRejection<ProceduresRejectionCode> {
  return new DomainRejection(code, message, fields);
}

/** For the `never` check at the end of every switch over a union. */
export function assertNever(value: never, what: string): never {
  throw new TypeError(`unhandled ${what}: ${JSON.stringify(value)}`);
}
