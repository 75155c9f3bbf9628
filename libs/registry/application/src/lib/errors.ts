import { ApplicationError } from '@gov/platform-chassis';
import {
  ConcurrencyError,
  DuplicateEventError,
  EventStoreError,
  ReadOnlyStoreError,
} from '@gov/platform-event-sourcing';
import { isDomainRejection } from '@gov/platform-decider';
import type { DomainRejection } from '@gov/platform-decider';
import { assertNever } from '@gov/registry-domain';
import type { RegistryRejectionCode } from '@gov/registry-domain';

/** How the request that failed was made, as far as the translation needs to know. */
export interface FailureContext {
  /** The client stated the version it expected (`If-Match`). */
  readonly explicitVersion?: boolean;
}

/**
 * The one place that turns what the domain and the event store throw into the registry's
 * answers ({@link ApplicationError}, mapped to HTTP by the chassis). Anything it does not know
 * is returned unchanged: a fault, answered with a 500 that reveals nothing.
 *
 * - A `DomainRejection` by its code: invalid input 400 with every offending field, unknown
 *   record 404, a refusal of the caller 403, a conflict with the record's state 409. The code
 *   and the field paths are in the problem (`code`, `fields`).
 * - A version conflict: 412 when the client stated the version (`If-Match`), else 409 (the
 *   command was decided again after each conflict and still lost the race).
 * - A database that cannot serve now: 503 with `Retry-After`.
 */
export function toApplicationError(error: unknown, context: FailureContext = {}): unknown {
  if (error instanceof ApplicationError) return error;
  if (isDomainRejection<RegistryRejectionCode>(error)) return fromRejection(error);
  if (error instanceof ConcurrencyError) {
    return context.explicitVersion === true
      ? ApplicationError.preconditionFailed(
          `the record is at version ${error.actualVersion}, not ${String(error.expectedVersion)}: read it again and decide on its current state`,
          { cause: error, extensions: { currentVersion: error.actualVersion } },
        )
      : ApplicationError.conflict(
          'the record kept changing while the command was decided; retry it',
          { cause: error },
        );
  }
  if (error instanceof DuplicateEventError) {
    // Only a creation re-run under the same Idempotency-Key after its first answer was lost
    // (see eventIdsFor): the record exists, and a second one must not.
    return ApplicationError.conflict(
      'this request was already carried out (same Idempotency-Key), but its answer was lost; ' +
        'look the record up instead of repeating the request',
      { cause: error, extensions: { code: 'ALREADY_APPLIED' } },
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
      'the registry cannot reach its database right now; retry shortly',
      { cause: error, retryAfterSeconds: 1 },
    );
  }
  return error;
}

function fromRejection(rejection: DomainRejection<RegistryRejectionCode>): ApplicationError {
  const extensions = { code: rejection.code, fields: rejection.fields.map((f) => f.field) };
  const options = { cause: rejection, extensions };
  switch (rejection.code) {
    case 'INVALID_INPUT':
      return ApplicationError.validationFailed(
        'some fields are invalid; see errors',
        rejection.fields.map((v) => ({ field: v.field, message: v.message })),
        { cause: rejection, extensions: { code: rejection.code } },
      );
    case 'NOT_REGISTERED':
    case 'CORRECTION_NOT_FOUND':
      return ApplicationError.notFound(rejection.message, options);
    case 'NOT_DATA_SUBJECT':
    case 'NOT_REGISTRAR_OF_REGISTER':
    case 'CONFLICT_OF_INTEREST':
      return ApplicationError.forbidden(rejection.message, options);
    case 'ALREADY_REGISTERED':
    case 'PERSON_DECEASED':
    case 'BUSINESS_STRUCK_OFF':
    case 'INVALID_CIVIL_STATUS_TRANSITION':
    case 'CORRECTION_ALREADY_EXISTS':
    case 'CORRECTION_ALREADY_DECIDED':
      return ApplicationError.conflict(rejection.message, options);
    default:
      return assertNever(rejection.code, 'rejection code');
  }
}

/** Runs `work`, translating what it throws with {@link toApplicationError}. */
export async function translated<T>(
  work: () => Promise<T>,
  context: FailureContext = {},
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toApplicationError(error, context);
  }
}
