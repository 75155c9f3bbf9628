import { toApplicationError as platformToApplicationError } from '@gov/platform-chassis';
import type { RejectionStatuses } from '@gov/platform-chassis';
import type { ConsentRejectionCode } from '@gov/consent-domain';

/**
 * The consent service's part of the error mapping, handed to the chassis once
 * (`bootstrapService({ rejections })`). The `USE_*` codes never reach HTTP (the decision API
 * answers them as "deny"); they are declared so that a bug that lets one through is a clear
 * 409, not a 500.
 */
export const CONSENT_REJECTION_STATUSES: RejectionStatuses<ConsentRejectionCode> = {
  INVALID_INPUT: 400,
  CONSENT_NOT_FOUND: 404,
  NOT_DATA_SUBJECT: 403,
  CONSENT_ALREADY_EXISTS: 409,
  CONSENT_ENDED: 409,
  DATA_ERASED: 410,
  USE_NOT_YET_VALID: 409,
  USE_PAUSED: 409,
  USE_ENDED: 409,
  USE_EXHAUSTED: 409,
  USE_NOT_GRANTED: 409,
};

/** What a client would be told of `error`: for code that classifies failures itself. */
export function toApplicationError(error: unknown): unknown {
  return platformToApplicationError(error, CONSENT_REJECTION_STATUSES);
}
