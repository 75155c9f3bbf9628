import {
  ConcurrencyError,
  DuplicateEventError,
  EventStoreError,
  SchemaNotMigratedError,
  StoreUnavailableError,
  UnexpectedStoreError,
} from '../event-store/event-store-errors';
import type { EventStoreFailure } from '../event-store/event-store-errors';
import type { ExpectedVersion } from '../event-store/event-store';

/** Where a PostgreSQL error happened, as far as the caller knows. */
export interface PgErrorContext {
  /** The store operation, e.g. `append`, `readAll`, `sequence`. */
  readonly operation: string;
  /** The store's schema. */
  readonly schema: string;
  /** The highest migration the code knows (for "schema missing" errors). */
  readonly requiredMigration: number;
  readonly streamId?: string;
  readonly expectedVersion?: ExpectedVersion;
  /** The stream's version looked up after a conflict, when the caller did. */
  readonly actualVersion?: number;
}

/** Unique constraints of the events table (named in the migration) and what a clash means. */
export const STREAM_VERSION_CONSTRAINT = 'events_stream_version_key';
export const EVENT_ID_CONSTRAINT = 'events_event_id_key';

/**
 * SQLSTATEs meaning "the database cannot serve this now, try again later": connection failures
 * (class 08), insufficient resources (class 53), operator intervention (57P01-57P03: shutdown,
 * crash, starting up), query cancelled (57014, e.g. a statement timeout), serialization failure
 * and deadlock (40001, 40P01) and a lock not available (55P03).
 */
const TRANSIENT_STATES = new Set(['57P01', '57P02', '57P03', '57014', '40001', '40P01', '55P03']);
const TRANSIENT_CLASSES = new Set(['08', '53']);
/** Node socket errors and pg client messages for a connection that failed or went away. */
const TRANSIENT_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);
const TRANSIENT_CLIENT_MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /Client has encountered a connection error/i,
  /Client was closed/i,
  /Cannot use a pool after calling end/i,
];

interface PgErrorFields {
  readonly code?: unknown;
  readonly constraint?: unknown;
  readonly detail?: unknown;
  readonly message?: unknown;
}

/**
 * Translates anything thrown while talking to PostgreSQL into the event store's closed error set
 * ({@link EventStoreFailure}). The only place that knows SQLSTATEs and the pg client's errors; an
 * {@link EventStoreError} is returned unchanged. The original error is kept as `cause`.
 *
 * A unique violation of (stream_id, stream_version) is a {@link ConcurrencyError}: another append
 * got that version first. Its `actualVersion` is `context.actualVersion` when the caller looked
 * it up, else the clashing version from the server's message (a version the stream does have).
 */
export function translatePgError(error: unknown, context: PgErrorContext): EventStoreFailure {
  if (error instanceof EventStoreError) {
    return error as EventStoreFailure;
  }
  const fields: PgErrorFields = typeof error === 'object' && error !== null ? error : {};
  const code = typeof fields.code === 'string' ? fields.code : undefined;
  const message =
    typeof fields.message === 'string' && fields.message.length > 0
      ? fields.message
      : String(error);
  const detail = typeof fields.detail === 'string' ? fields.detail : '';
  const options = { cause: error };

  if (code === '23505' && fields.constraint === STREAM_VERSION_CONSTRAINT) {
    const expected = context.expectedVersion ?? 'any';
    const clashing = /=\(.*, (\d+)\) already exists/.exec(detail)?.[1];
    const actual =
      context.actualVersion ??
      (clashing === undefined ? (expected === 'any' ? 0 : expected + 1) : Number(clashing));
    return new ConcurrencyError(
      context.streamId ?? '(unknown)',
      expected,
      actual,
      'version-mismatch',
      options,
    );
  }
  if (code === '23505' && fields.constraint === EVENT_ID_CONSTRAINT) {
    const eventId = /\(event_id\)=\(([^)]+)\)/.exec(detail)?.[1];
    return new DuplicateEventError(context.streamId ?? '(unknown)', eventId, options);
  }
  if (code === '42P01' || code === '3F000') {
    // undefined_table / invalid_schema_name: the migrations have not run (or were dropped).
    return new SchemaNotMigratedError(context.schema, 0, context.requiredMigration, options);
  }
  if (
    code !== undefined &&
    (TRANSIENT_STATES.has(code) ||
      TRANSIENT_CLASSES.has(code.slice(0, 2)) ||
      TRANSIENT_NODE_CODES.has(code))
  ) {
    return new StoreUnavailableError(context.operation, message, sqlState(code), options);
  }
  if (code === undefined && TRANSIENT_CLIENT_MESSAGES.some((pattern) => pattern.test(message))) {
    return new StoreUnavailableError(context.operation, message, undefined, options);
  }
  return new UnexpectedStoreError(context.operation, message, sqlState(code), options);
}

/** SQLSTATEs are five characters; Node's error codes (ECONNRESET, ...) are not SQLSTATEs. */
function sqlState(code: string | undefined): string | undefined {
  return code !== undefined && /^[0-9A-Z]{5}$/.test(code) && !TRANSIENT_NODE_CODES.has(code)
    ? code
    : undefined;
}
