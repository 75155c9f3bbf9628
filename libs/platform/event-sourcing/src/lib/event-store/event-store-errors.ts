/**
 * Everything the event store throws, as a closed set discriminated by `kind`:
 *
 * - `concurrency`: the stream was not at the expected version ({@link ConcurrencyError}).
 *   Reload, decide again, retry; or, when the client stated the version (HTTP `If-Match`),
 *   report 412.
 * - `duplicate-event`: an event with the same id is already stored ({@link DuplicateEventError}).
 *   Usually a retry of an append that did commit; the events are in the store.
 * - `invalid-argument`: the caller passed something malformed ({@link InvalidArgumentError}). A
 *   bug in the caller; retrying fails the same way.
 * - `schema-not-migrated`: the store's PostgreSQL schema lacks migrations
 *   ({@link SchemaNotMigratedError}). Run the migrations (a deliberate deployment step).
 * - `upcast-failed`: an upcaster threw on a stored event ({@link UpcastError}). A bug in the
 *   upcaster; the stored event is intact.
 * - `unavailable`: the database could not serve now (connection lost or refused, shutdown,
 *   too many connections, serialization failure, deadlock) ({@link StoreUnavailableError}).
 *   Transient: retry later. The outcome of an interrupted append is unknown; retrying it with
 *   the same event ids makes it safe.
 * - `read-only`: this site does not write its log now: it is a replica (the data embassy) or a
 *   primary fenced for a failover ({@link ReadOnlyStoreError}). Not retried here; the client
 *   may retry against the site that writes.
 * - `unexpected`: anything else ({@link UnexpectedStoreError}); a bug until proven otherwise.
 *
 * Branch on `kind` (or `instanceof`), never on messages; the foreign error, if any, is `cause`.
 */
export type EventStoreFailure =
  | ConcurrencyError
  | DuplicateEventError
  | InvalidArgumentError
  | SchemaNotMigratedError
  | UpcastError
  | StoreUnavailableError
  | ReadOnlyStoreError
  | UnexpectedStoreError;

/** The `kind` of an {@link EventStoreFailure}. */
export type EventStoreErrorKind =
  | 'concurrency'
  | 'duplicate-event'
  | 'invalid-argument'
  | 'schema-not-migrated'
  | 'upcast-failed'
  | 'unavailable'
  | 'read-only'
  | 'unexpected';

/** Base class of every {@link EventStoreFailure}; use it for `instanceof` checks. */
export abstract class EventStoreError extends Error {
  abstract readonly kind: EventStoreErrorKind;

  /** Whether retrying the same operation later may succeed. */
  get transient(): boolean {
    return this.kind === 'unavailable';
  }
}

/**
 * Why an append conflicted:
 * - `version-mismatch`: the stream's version differs from the expected one.
 * - `stale-transaction`: only from {@link PostgresEventStore.appendInTransaction}: the stream is
 *   at the expected version, but its last event was committed by a transaction younger than the
 *   caller's, which would put the new event before it in the global log. Roll back and retry in
 *   a new transaction, exactly as for a version mismatch.
 */
export type ConcurrencyConflict = 'version-mismatch' | 'stale-transaction';

/** The stream was not at the expected version; nothing was appended. */
export class ConcurrencyError extends EventStoreError {
  override readonly kind = 'concurrency';
  override readonly name = 'ConcurrencyError';

  /**
   * @param streamId - The stream appended to.
   * @param expectedVersion - The version the append expected.
   * @param actualVersion - The stream's version as read right after the conflict (it may have
   *   moved on since).
   * @param conflict - Why the append conflicted.
   */
  constructor(
    readonly streamId: string,
    readonly expectedVersion: number | 'any',
    readonly actualVersion: number,
    readonly conflict: ConcurrencyConflict = 'version-mismatch',
    options?: { cause?: unknown },
  ) {
    super(
      conflict === 'version-mismatch'
        ? `stream ${streamId} is at version ${actualVersion}, expected ${String(expectedVersion)}`
        : `stream ${streamId}: its last event was committed by a younger transaction; retry in a new transaction`,
      options,
    );
  }
}

/** An event id was already stored; nothing of this append was stored. */
export class DuplicateEventError extends EventStoreError {
  override readonly kind = 'duplicate-event';
  override readonly name = 'DuplicateEventError';

  /**
   * @param streamId - The stream appended to.
   * @param eventId - The duplicate id, when the database said which one.
   */
  constructor(
    readonly streamId: string,
    readonly eventId: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(`event ${eventId ?? '(id not reported)'} is already stored`, options);
  }
}

/** Malformed input: a bug in the caller. */
export class InvalidArgumentError extends EventStoreError {
  override readonly kind = 'invalid-argument';
  override readonly name = 'InvalidArgumentError';

  /**
   * @param argument - The argument at fault, e.g. `events[2].eventType`.
   * @param message - What is wrong with it.
   */
  constructor(
    readonly argument: string,
    message: string,
  ) {
    super(`${argument}: ${message}`);
  }
}

/** The store's schema is missing or older than this code needs. */
export class SchemaNotMigratedError extends EventStoreError {
  override readonly kind = 'schema-not-migrated';
  override readonly name = 'SchemaNotMigratedError';

  /**
   * @param schema - The PostgreSQL schema.
   * @param currentVersion - The highest migration applied (0 when none).
   * @param requiredVersion - The highest migration this code knows.
   */
  constructor(
    readonly schema: string,
    readonly currentVersion: number,
    readonly requiredVersion: number,
    options?: { cause?: unknown },
  ) {
    super(
      `event store schema "${schema}" is at migration ${currentVersion}, this code needs ` +
        `${requiredVersion}: run the event store migrations (migrate(pool, { schema: '${schema}' })) ` +
        `before starting the service`,
      options,
    );
  }
}

/** An upcaster failed on a stored event. */
export class UpcastError extends EventStoreError {
  override readonly kind = 'upcast-failed';
  override readonly name = 'UpcastError';

  constructor(
    readonly eventId: string,
    readonly eventType: string,
    readonly payloadSchemaVersion: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(
      `upcasting event ${eventId} (${eventType} v${payloadSchemaVersion}) failed: ${message}`,
      options,
    );
  }
}

/** The database cannot serve now; transient. */
export class StoreUnavailableError extends EventStoreError {
  override readonly kind = 'unavailable';
  override readonly name = 'StoreUnavailableError';

  /**
   * @param operation - What was being done, e.g. `append`.
   * @param message - What went wrong.
   * @param sqlState - The PostgreSQL SQLSTATE, when there was one.
   */
  constructor(
    readonly operation: string,
    message: string,
    readonly sqlState: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(`${operation}: ${message}`, options);
  }
}

/** The store refuses writes: its site is a replica or is fenced. Nothing was appended. */
export class ReadOnlyStoreError extends EventStoreError {
  override readonly kind = 'read-only';
  override readonly name = 'ReadOnlyStoreError';

  /**
   * @param role - The site's role, e.g. `replica` or `fenced`.
   * @param detail - Why, for the operator and the client.
   */
  constructor(
    readonly role: string,
    detail: string,
  ) {
    super(detail);
  }
}

/** Anything that could not be classified. */
export class UnexpectedStoreError extends EventStoreError {
  override readonly kind = 'unexpected';
  override readonly name = 'UnexpectedStoreError';

  constructor(
    readonly operation: string,
    message: string,
    readonly sqlState: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(`${operation}: ${message}`, options);
  }
}
