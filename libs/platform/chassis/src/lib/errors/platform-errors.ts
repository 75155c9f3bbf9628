import { KeyUnavailableError, SubjectErasedError } from '@gov/platform-data-protection';
import { isDomainRejection } from '@gov/platform-decider';
import type { DomainRejection } from '@gov/platform-decider';
import {
  ConcurrencyError,
  DuplicateEventError,
  EventStoreError,
  ExpectedVersionMismatchError,
  ReadOnlyStoreError,
} from '@gov/platform-event-sourcing';

import { ApplicationError } from './application-error';

/** The statuses a business rejection may be answered with. */
export type RejectionStatus = 400 | 403 | 404 | 409 | 410 | 422;

/**
 * A service's own part of the error mapping: the HTTP status of each code its deciders reject
 * with. A `Record` over the service's closed union of codes, so that adding a code without a
 * status is a compile error. 400 answers with the rejection's fields as `errors`; every other
 * status with `code` and the field paths as `fields`.
 *
 * ```ts
 * const REJECTION_STATUSES: RejectionStatuses<RegistryRejectionCode> = {
 *   INVALID_INPUT: 400, NOT_REGISTERED: 404, PERSON_DECEASED: 409, ...
 * };
 * ```
 */
export type RejectionStatuses<Code extends string = string> = Readonly<
  Record<Code, RejectionStatus>
>;

/**
 * The one mapping from what the platform's libraries throw to what a client is told (an
 * {@link ApplicationError}, which `toProblem` answers with its status). Everything a service
 * does not declare itself is here:
 *
 * - `DomainRejection` (a decider refused): the status `rejections` gives its code. 400 lists
 *   the offending fields in `errors`; the others carry `code` and the field paths (`fields`).
 * - `ExpectedVersionMismatchError` (the stream is not at the version of the client's
 *   `If-Match`): 412 with `currentVersion`.
 * - any other `ConcurrencyError` (concurrent writers kept winning, even after retries): 409.
 * - `DuplicateEventError` (an append carried out before, e.g. a creation repeated under the same
 *   idempotency key after its answer was lost): 409 `ALREADY_APPLIED`.
 * - `SubjectErasedError` (the data subject's key was destroyed): 410 `DATA_ERASED`.
 * - `KeyUnavailableError` (a replica lacks the key of sealed data, not replicated yet): 503
 *   `KEY_NOT_REPLICATED` with `Retry-After: 1`.
 * - `ReadOnlyStoreError` (a replica, or a primary fenced for failover): 503 `READ_ONLY_SITE`
 *   with `siteRole`.
 * - a transient event store failure (database unreachable): 503 with `Retry-After: 1`.
 *
 * An `ApplicationError` is returned as it is; anything else unchanged, for the caller to treat
 * as a fault (500, logged), including a rejection whose code `rejections` lacks.
 */
export function toApplicationError(error: unknown, rejections: RejectionStatuses): unknown {
  if (error instanceof ApplicationError) return error;
  if (isDomainRejection(error)) return fromRejection(error, rejections);
  if (error instanceof ExpectedVersionMismatchError) {
    return ApplicationError.preconditionFailed(
      `the record is at version ${error.actualVersion}, not ${String(error.expectedVersion)}: read it again and decide on its current state`,
      { cause: error, extensions: { currentVersion: error.actualVersion } },
    );
  }
  if (error instanceof ConcurrencyError) {
    return ApplicationError.conflict(
      'the record kept changing while the command was decided; retry it',
      { cause: error },
    );
  }
  if (error instanceof DuplicateEventError) {
    return ApplicationError.conflict(
      'this request was already carried out (same Idempotency-Key), but its answer was lost; ' +
        'look the record up instead of repeating the request',
      { cause: error, extensions: { code: 'ALREADY_APPLIED' } },
    );
  }
  if (error instanceof SubjectErasedError) {
    return ApplicationError.gone(
      `the data of ${error.subjectId} was erased; nothing can be read or recorded about it here`,
      { cause: error, extensions: { code: 'DATA_ERASED' } },
    );
  }
  if (error instanceof KeyUnavailableError) {
    // A replica that has the events but not yet the key they are sealed under: the keys
    // topic is behind the log. It arrives; retrying helps.
    return ApplicationError.serviceUnavailable(
      'this site has not received the key of this record yet; retry shortly',
      { cause: error, retryAfterSeconds: 1, extensions: { code: 'KEY_NOT_REPLICATED' } },
    );
  }
  if (error instanceof ReadOnlyStoreError) {
    return ApplicationError.serviceUnavailable(error.message, {
      cause: error,
      extensions: { code: 'READ_ONLY_SITE', siteRole: error.role },
    });
  }
  if (error instanceof EventStoreError && error.transient) {
    return ApplicationError.serviceUnavailable(
      'the service cannot reach its database right now; retry shortly',
      { cause: error, retryAfterSeconds: 1 },
    );
  }
  return error;
}

function fromRejection(rejection: DomainRejection, rejections: RejectionStatuses): unknown {
  // A code the service did not declare is a bug of the service: a 500, logged.
  const status = Object.hasOwn(rejections, rejection.code) ? rejections[rejection.code] : undefined;
  if (status === undefined) return rejection;
  const options = {
    cause: rejection,
    extensions: { code: rejection.code, fields: rejection.fields.map((issue) => issue.field) },
  };
  switch (status) {
    case 400:
      return ApplicationError.validationFailed(
        'some fields are invalid; see errors',
        rejection.fields.map((issue) => ({ field: issue.field, message: issue.message })),
        { cause: rejection, extensions: { code: rejection.code } },
      );
    case 403:
      return ApplicationError.forbidden(rejection.message, options);
    case 404:
      return ApplicationError.notFound(rejection.message, options);
    case 409:
      return ApplicationError.conflict(rejection.message, options);
    case 410:
      return ApplicationError.gone(rejection.message, options);
    case 422:
      return ApplicationError.unprocessable(rejection.message, options);
    default: {
      const unhandled: never = status;
      throw new Error(`Unhandled rejection status ${String(unhandled)}`);
    }
  }
}
