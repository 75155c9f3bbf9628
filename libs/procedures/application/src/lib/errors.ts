import type { RejectionStatuses } from '@gov/platform-chassis';
import type { ProceduresRejectionCode } from '@gov/procedures-domain';

/**
 * The procedures service's part of the error mapping, handed to the chassis once
 * (`bootstrapService({ rejections })`).
 */
export const PROCEDURES_REJECTION_STATUSES: RejectionStatuses<ProceduresRejectionCode> = {
  INVALID_INPUT: 400,
  CASE_NOT_FOUND: 404,
  CASE_ALREADY_EXISTS: 409,
  NOT_APPLICANT: 403,
  NOT_HANDLING_ORGANISATION: 403,
  WRONG_STATE: 409,
  PREVIEW_UNKNOWN: 404,
  PREVIEW_USED: 409,
  PREVIEW_EXPIRED: 409,
  SOURCE_REFUSED: 409,
  CONSENT_REQUEST_UNKNOWN: 404,
  CORRECTION_NOTICE_UNKNOWN: 404,
};
