/**
 * The shapes of commands and events, as in Emmett: a `type` discriminant and the `data`.
 * Commands also carry `metadata.now`, the current time, because `decide` never reads a clock:
 * a decision depends only on its arguments, so it is deterministic and safe to retry.
 */
export interface Command<Type extends string, Data> {
  readonly type: Type;
  readonly data: Data;
  readonly metadata: CommandMetadata;
}

/** What every command carries besides its data. */
export interface CommandMetadata {
  /** The time of the decision, given by the application (never read from a clock in decide). */
  readonly now: Date;
}

/** A fact that happened, named in the past tense; complete without calling anything back. */
export interface Event<Type extends string, Data> {
  readonly type: Type;
  readonly data: Data;
}

/**
 * The exhaustiveness guard at the end of every switch over a union: adding a case to the union
 * without handling it turns into a compile error here. At run time it only throws on values
 * that bypassed the type system (e.g. a hand-built object in JavaScript).
 */
export function assertNever(value: never, what: string): never {
  throw new TypeError(`unhandled ${what}: ${JSON.stringify(value)}`);
}
