import { toApplicationError as platformToApplicationError } from '@gov/platform-chassis';
import type { RejectionStatuses } from '@gov/platform-chassis';
import type { LetterRejectionCode } from '@gov/letterbox-domain';

/**
 * The letterbox's part of the error mapping, handed to the chassis once
 * (`bootstrapService({ rejections })`). A document of a type outside the list and one over the
 * size limit are answered 415 and 413 by the delivery route itself (the chassis' rejection
 * statuses stop at 422); the statuses here are what any other path would answer.
 */
export const LETTERBOX_REJECTION_STATUSES: RejectionStatuses<LetterRejectionCode> = {
  INVALID_INPUT: 400,
  UNSUPPORTED_CONTENT_TYPE: 400,
  CONTENT_TOO_LARGE: 400,
  CONTENT_MISMATCH: 422,
  LETTER_NOT_FOUND: 404,
  LETTER_ALREADY_EXISTS: 409,
  RECEIPT_NOT_REQUESTED: 409,
  LETTER_NOT_READ: 409,
  CONTENT_REMOVED: 409,
  NOT_A_DELIVERY_AGENT: 403,
};

/** What a client would be told of `error`: for code that classifies failures itself. */
export function toApplicationError(error: unknown): unknown {
  return platformToApplicationError(error, LETTERBOX_REJECTION_STATUSES);
}
