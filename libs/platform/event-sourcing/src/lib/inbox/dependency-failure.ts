import { DependencyUnavailableError } from '@gov/platform-messaging';

import { StoreUnavailableError } from '../event-store/event-store-errors';
import { REQUIRED_MIGRATION } from '../postgres/migrations';
import { translatePgError } from '../postgres/pg-errors';

/**
 * What a consumer's handler rethrows for `error`: a database that cannot serve (down, refusing
 * or dropping connections, shutting down) becomes a {@link DependencyUnavailableError}, which
 * the consumer group waits out instead of dead-lettering a valid message; anything else is
 * rethrown as it is.
 */
export function asDependencyFailure(error: unknown): unknown {
  const failure =
    error instanceof StoreUnavailableError
      ? error
      : translatePgError(error, {
          operation: 'consume',
          schema: '',
          requiredMigration: REQUIRED_MIGRATION,
        });
  return failure instanceof StoreUnavailableError
    ? new DependencyUnavailableError('postgres', failure.message, { cause: error })
    : error;
}
