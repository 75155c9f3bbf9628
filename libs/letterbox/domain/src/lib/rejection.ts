import { DomainRejection } from '@gov/platform-decider';
import type { FieldIssue } from '@gov/platform-decider';

/**
 * Every reason the letter decider refuses a command; the service maps each to a 4xx (see
 * `LETTERBOX_REJECTION_STATUSES`).
 */
export type LetterRejectionCode =
  | 'INVALID_INPUT'
  | 'UNSUPPORTED_CONTENT_TYPE'
  | 'CONTENT_MISMATCH'
  | 'CONTENT_TOO_LARGE'
  | 'LETTER_NOT_FOUND'
  | 'LETTER_ALREADY_EXISTS'
  | 'RECEIPT_NOT_REQUESTED'
  | 'LETTER_NOT_READ'
  | 'CONTENT_REMOVED'
  | 'NOT_A_DELIVERY_AGENT';

/** A refusal by the letter decider or the content checks. */
export function reject(
  code: LetterRejectionCode,
  message: string,
  fields: readonly FieldIssue[] = [],
): DomainRejection<LetterRejectionCode> {
  return new DomainRejection(code, message, fields);
}

/** For the `never` check at the end of every switch over a union. */
export function assertNever(value: never, what: string): never {
  throw new TypeError(`unhandled ${what}: ${JSON.stringify(value)}`);
}
