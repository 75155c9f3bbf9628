import { toApplicationError as platformToApplicationError } from '@gov/platform-chassis';
import type { RejectionStatuses } from '@gov/platform-chassis';
import type { RegistryRejectionCode } from '@gov/registry-domain';

/**
 * The registry's part of the error mapping: the HTTP status of each code its deciders reject
 * with, handed to the chassis once (`bootstrapService({ rejections })`), which maps everything
 * else (version conflicts, read-only site, an unreachable database). Unknown records 404, a
 * refusal of the caller 403, a conflict with the record's state 409, invalid input 400 with
 * every offending field, a valid request that another register's state refuses 422.
 */
export const REGISTRY_REJECTION_STATUSES: RejectionStatuses<RegistryRejectionCode> = {
  INVALID_INPUT: 400,
  NOT_REGISTERED: 404,
  CORRECTION_NOT_FOUND: 404,
  NOT_DATA_SUBJECT: 403,
  NOT_REGISTRAR_OF_REGISTER: 403,
  CONFLICT_OF_INTEREST: 403,
  ALREADY_REGISTERED: 409,
  PERSON_DECEASED: 409,
  RECORD_ERASED: 410,
  BUSINESS_STRUCK_OFF: 409,
  VEHICLE_DEREGISTERED: 409,
  OWNER_NOT_ON_RECORD: 422,
  INVALID_CIVIL_STATUS_TRANSITION: 409,
  CORRECTION_ALREADY_EXISTS: 409,
  CORRECTION_ALREADY_DECIDED: 409,
  CORRECTION_NOT_ACCEPTED: 409,
};

/**
 * What a client would be told of `error` (see the chassis' `toApplicationError`), for code that
 * must classify a failure itself rather than let the HTTP filter answer it: a reactor deciding
 * whether a retry can help.
 */
export function toApplicationError(error: unknown): unknown {
  return platformToApplicationError(error, REGISTRY_REJECTION_STATUSES);
}
