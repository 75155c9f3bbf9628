/**
 * An aggregate as a decider: what it may do (`decide`) and what it remembers (`evolve`), as two
 * pure functions over a union of commands, a union of events and a state.
 *
 * Contract, which the platform's command handling relies on:
 *
 * - `decide` is deterministic: the same command and state always give the same events. Time,
 *   ids and look-ups arrive inside the command, never from a clock or I/O inside `decide`, so a
 *   decision can be repeated safely after a concurrent append changed the state.
 * - `decide` returns the events that record the decision, in order; an empty array means "nothing
 *   to do" (an idempotent repeat), which appends nothing.
 * - A business rule that refuses the command is reported by throwing a {@link DomainRejection}
 *   (with a code from the aggregate's closed set). Anything else `decide` throws is a bug.
 *   Throwing rather than returning a result keeps `decide` a plain `Command -> Event[]` function
 *   and lets the rejection cross the application layer untouched to the HTTP mapping.
 * - `evolve` never fails for an event that `decide` produced: events are facts already recorded.
 * - `initialState` is the state of a stream without events. It is shared by every load, so it
 *   and every state `evolve` returns must be treated as immutable.
 *
 * @typeParam Command - The union of commands the aggregate accepts.
 * @typeParam Event - The union of events it records.
 * @typeParam State - What it needs to remember to decide.
 */
export interface Decider<Command, Event, State> {
  /** Decides which events `command` causes in `state`; throws a {@link DomainRejection} to refuse. */
  decide(command: Command, state: State): readonly Event[];
  /** Applies one recorded event to the state. */
  evolve(state: State, event: Event): State;
  /** The state before the first event. */
  readonly initialState: State;
}

/**
 * Folds `events` into a state with the decider's `evolve`, starting from `state` (by default the
 * decider's initial state).
 */
export function evolveAll<Command, Event, State>(
  decider: Decider<Command, Event, State>,
  events: Iterable<Event>,
  state: State = decider.initialState,
): State {
  let current = state;
  for (const event of events) {
    current = decider.evolve(current, event);
  }
  return current;
}

/** One field of a command that a business rule objects to. */
export interface FieldIssue {
  /** Path of the field in the command, dot-separated (e.g. `address.postalCode`). */
  readonly field: string;
  /** Machine-readable reason, stable across releases (e.g. `not-in-future`). */
  readonly code: string;
  /** Human-readable explanation. */
  readonly message: string;
}

/**
 * A command refused by a business rule: the one error a `decide` function throws on purpose.
 *
 * `code` is the discriminant: each aggregate declares its rejections as a closed union of string
 * literals (for example `'already-registered' | 'deceased'`) and narrows on it; the HTTP layer
 * maps a rejection to a 4xx problem document (409 or 422 as the code says) with `fields` as the
 * invalid parameters. Nothing is appended when a command is rejected.
 *
 * @typeParam Code - The aggregate's rejection codes.
 */
export class DomainRejection<Code extends string = string> extends Error {
  override readonly name = 'DomainRejection';

  /**
   * @param code - Why the command was refused; stable, machine-readable.
   * @param message - A human-readable explanation.
   * @param fields - The fields at fault, if the rule concerns particular fields.
   */
  constructor(
    readonly code: Code,
    message: string,
    readonly fields: readonly FieldIssue[] = [],
  ) {
    super(message);
  }
}

/**
 * Whether `error` is a {@link DomainRejection}, optionally with one of `codes`. Use it where a
 * rejection must be told apart from a failure (HTTP filters, consumers that record rejections).
 */
export function isDomainRejection<Code extends string = string>(
  error: unknown,
  ...codes: readonly Code[]
): error is DomainRejection<Code> {
  return (
    isAnyRejection(error) &&
    (codes.length === 0 || (codes as readonly string[]).includes(error.code))
  );
}

// `instanceof` on a generic class narrows to `DomainRejection<any>`; this keeps `string`.
function isAnyRejection(error: unknown): error is DomainRejection {
  return error instanceof DomainRejection;
}
