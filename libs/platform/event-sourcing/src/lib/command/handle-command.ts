import type { Decider } from '@gov/platform-decider';

import { ConcurrencyError } from '../event-store/event-store-errors';
import type {
  AppendMetadata,
  EventStore,
  NewEvent,
  RecordedEvent,
} from '../event-store/event-store';

/**
 * Converts an aggregate's domain events to and from stored events. The store only sees bytes;
 * the codec owns the payload encoding (protobuf messages of the context's versioned package).
 */
export interface EventCodec<Event> {
  /** The stored form of `event`: type, payload schema version, payload bytes, occurred-at. */
  encode(event: Event): NewEvent;
  /**
   * The domain event of a stored event (already upcast to the current schema). Throws for a
   * type the aggregate does not know: its own stream cannot contain one unless something is
   * badly wrong.
   */
  decode(event: RecordedEvent): Event;
}

/** An aggregate type: its decider and the codec of its events. */
export interface EventSourcedAggregate<Command, Event, State> {
  readonly decider: Decider<Command, Event, State>;
  readonly codec: EventCodec<Event>;
}

/**
 * The stream is not at the version the caller stated (`expectedVersion`, HTTP `If-Match`), before
 * deciding or at append time; nothing was appended. Unlike a plain {@link ConcurrencyError},
 * which only says that concurrent writers kept winning, it means the caller decided on a state
 * that is gone: it must read the stream again (HTTP 412, not 409). Still a
 * `ConcurrencyError`, so code that treats every conflict alike keeps doing so.
 */
export class ExpectedVersionMismatchError extends ConcurrencyError {}

/** Options of {@link handleCommand}. */
export interface HandleCommandOptions {
  /**
   * The stream version the client based its command on (HTTP `If-Match`). When given, a
   * stream at another version fails at once with an {@link ExpectedVersionMismatchError}
   * (HTTP 412), before
   * and after deciding, and is never retried: the client must look at the new state first.
   * When omitted, the command is decided on the latest state and a concurrent append only
   * causes a reload and a new decision.
   */
  readonly expectedVersion?: number;
  /** Correlation, causation and trace context recorded on the new events. */
  readonly metadata: AppendMetadata;
  /** Retries after a version conflict (only without `expectedVersion`); 3 by default. */
  readonly maxRetries?: number;
  /**
   * Backoff before each retry: a random delay ("full jitter") up to `initialDelayMs * 2^n`,
   * capped at `maxDelayMs`; 5 ms and 200 ms by default. Jitter spreads out writers that collided
   * so they do not collide again.
   */
  readonly backoff?: { readonly initialDelayMs?: number; readonly maxDelayMs?: number };
}

/** The outcome of a handled command. */
export interface CommandResult<Event, State> {
  /** The domain events decided (empty when the command changed nothing). */
  readonly events: readonly Event[];
  /** The same events as stored, with their ids, stream versions and hashes. */
  readonly appended: readonly RecordedEvent[];
  /** The stream's version afterwards: the `ETag` for the client's next conditional command. */
  readonly streamVersion: number;
  /** The state after the events. */
  readonly state: State;
  /** How many times the command was decided (1 unless a conflict caused a retry). */
  readonly attempts: number;
}

/**
 * Handles one command the event-sourced way: load the stream and fold it with `evolve`, `decide`,
 * append the decided events expecting the version that was loaded.
 *
 * Only a version conflict is retried (up to `maxRetries` times, with jittered exponential
 * backoff), by loading and deciding again, which is safe because `decide` is deterministic and
 * has no side effects. A {@link DomainRejection} thrown by `decide` propagates unchanged and
 * nothing is appended; so does every other error, unretried (transient infrastructure failures
 * are the caller's to retry, with the same command).
 *
 * @throws {@link ExpectedVersionMismatchError} when `options.expectedVersion` does not match.
 * @throws {@link ConcurrencyError} when conflicts persist after the retries.
 */
export async function handleCommand<Command, Event, State>(
  store: EventStore,
  aggregate: EventSourcedAggregate<Command, Event, State>,
  streamId: string,
  command: Command,
  options: HandleCommandOptions,
): Promise<CommandResult<Event, State>> {
  const { decider, codec } = aggregate;
  const explicit = options.expectedVersion;
  const maxRetries = options.maxRetries ?? 3;
  for (let attempt = 1; ; attempt += 1) {
    const stored = await store.readStream(streamId);
    let state = decider.initialState;
    for (const event of stored) {
      state = decider.evolve(state, codec.decode(event));
    }
    const version = stored.at(-1)?.streamVersion ?? 0;
    if (explicit !== undefined && explicit !== version) {
      throw new ExpectedVersionMismatchError(streamId, explicit, version);
    }
    const events = decider.decide(command, state);
    if (events.length === 0) {
      return { events, appended: [], streamVersion: version, state, attempts: attempt };
    }
    try {
      const result = await store.append(
        streamId,
        version,
        events.map((event) => codec.encode(event)),
        options.metadata,
      );
      for (const event of events) {
        state = decider.evolve(state, event);
      }
      return {
        events,
        appended: result.events,
        streamVersion: result.streamVersion,
        state,
        attempts: attempt,
      };
    } catch (error) {
      if (error instanceof ConcurrencyError && explicit !== undefined) {
        throw new ExpectedVersionMismatchError(
          streamId,
          explicit,
          error.actualVersion,
          error.conflict,
          { cause: error },
        );
      }
      if (!(error instanceof ConcurrencyError) || attempt > maxRetries) {
        throw error;
      }
      await sleep(backoffDelay(attempt, options.backoff));
    }
  }
}

function backoffDelay(attempt: number, backoff: HandleCommandOptions['backoff'] = {}): number {
  const initial = backoff.initialDelayMs ?? 5;
  const max = backoff.maxDelayMs ?? 200;
  return Math.random() * Math.min(max, initial * 2 ** (attempt - 1));
}

function sleep(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}
