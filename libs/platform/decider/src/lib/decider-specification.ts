import { evolveAll, isDomainRejection } from './decider';
import type { DomainRejection } from './decider';
import type { Decider, FieldIssue } from './decider';
import { describeValue, structurallyEqual } from './structural-equality';

/** Thrown by a {@link DeciderSpecification} whose expectation does not hold. */
export class SpecificationFailure extends Error {
  override readonly name = 'SpecificationFailure';
}

/**
 * Given-when-then tests for a {@link Decider}, without any test framework or store:
 *
 * ```ts
 * const spec = DeciderSpecification.for(counter);
 * spec.given([{ type: 'Incremented', by: 2 }]).when({ type: 'Increment', by: 3 })
 *   .then([{ type: 'Incremented', by: 3 }]);
 * spec.given([]).when({ type: 'Decrement', by: 1 }).thenRejects('below-zero');
 * ```
 *
 * The given events are folded with `evolve` from the initial state, exactly as command handling
 * loads a stream, so a test exercises `evolve` and `decide` together. A failed expectation throws
 * {@link SpecificationFailure} with both sides printed; any other error thrown by `decide` is
 * re-thrown as it is (it is a bug, and its stack matters more than a comparison).
 */
export const DeciderSpecification = {
  /** Starts specifications for `decider`. */
  for<Command, Event, State>(
    decider: Decider<Command, Event, State>,
  ): DeciderSpecificationGiven<Command, Event> {
    return {
      given: (events: readonly Event[] = []) => ({
        when: (command: Command) => new DeciderThen(decider, events, command),
      }),
    };
  },
};

/** The first step of a decider specification: the stream so far. */
export interface DeciderSpecificationGiven<Command, Event> {
  /** The events already in the stream, oldest first; none for a new stream. */
  given(events?: readonly Event[]): DeciderSpecificationWhen<Command, Event>;
}

/** The second step of a decider specification: the command. */
export interface DeciderSpecificationWhen<Command, Event> {
  /** The command to decide on. */
  when(command: Command): DeciderSpecificationThen<Event>;
}

/** The last step of a decider specification: what should happen. */
export interface DeciderSpecificationThen<Event> {
  /** Expects exactly `expected`, in order (structural equality; `undefined` properties ignored). */
  then(expected: readonly Event[]): void;
  /** Expects the command to be accepted without any event (an idempotent repeat). */
  thenNothing(): void;
  /**
   * Expects a {@link DomainRejection}, with `code` and exactly `fields`, in order, when given.
   * A field given as a string stands for an issue at that field whatever its code and message,
   * for tests about which fields a rule names rather than how it words them.
   *
   * @returns The rejection, for further checks.
   */
  thenRejects(code?: string, fields?: readonly ExpectedFieldIssue[]): DomainRejection;
}

/** A field issue a specification expects: the whole issue, or only the field's path. */
export type ExpectedFieldIssue = FieldIssue | string;

type Outcome<Event> =
  | { readonly kind: 'events'; readonly events: readonly Event[] }
  | { readonly kind: 'rejected'; readonly rejection: DomainRejection };

class DeciderThen<Command, Event, State> implements DeciderSpecificationThen<Event> {
  constructor(
    private readonly decider: Decider<Command, Event, State>,
    private readonly given: readonly Event[],
    private readonly command: Command,
  ) {}

  then(expected: readonly Event[]): void {
    const outcome = this.run();
    if (outcome.kind === 'rejected') {
      throw new SpecificationFailure(
        `expected events ${describeValue(expected)}\n` +
          `but the command was rejected: ${describeRejection(outcome.rejection)}`,
      );
    }
    if (!structurallyEqual(outcome.events, expected)) {
      throw new SpecificationFailure(
        `expected events ${describeValue(expected)}\n` +
          `but decide returned ${describeValue(outcome.events)}`,
      );
    }
  }

  thenNothing(): void {
    this.then([]);
  }

  thenRejects(code?: string, fields?: readonly ExpectedFieldIssue[]): DomainRejection {
    const outcome = this.run();
    const wanted = `a rejection${code === undefined ? '' : ` with code "${code}"`}${
      fields === undefined ? '' : ` and fields ${describeValue(fields)}`
    }`;
    if (outcome.kind === 'events') {
      throw new SpecificationFailure(
        `expected ${wanted}\nbut decide returned ${describeValue(outcome.events)}`,
      );
    }
    const { rejection } = outcome;
    if (
      (code !== undefined && rejection.code !== code) ||
      (fields !== undefined && !fieldsMatch(rejection.fields, fields))
    ) {
      throw new SpecificationFailure(`expected ${wanted}\nbut got ${describeRejection(rejection)}`);
    }
    return rejection;
  }

  private run(): Outcome<Event> {
    const state = evolveAll(this.decider, this.given);
    try {
      return { kind: 'events', events: this.decider.decide(this.command, state) };
    } catch (error) {
      if (isDomainRejection(error)) {
        return { kind: 'rejected', rejection: error };
      }
      throw error;
    }
  }
}

function fieldsMatch(
  actual: readonly FieldIssue[],
  expected: readonly ExpectedFieldIssue[],
): boolean {
  return (
    actual.length === expected.length &&
    expected.every((wanted, i) =>
      typeof wanted === 'string'
        ? actual[i]?.field === wanted
        : structurallyEqual(actual[i], wanted),
    )
  );
}

function describeRejection(rejection: DomainRejection): string {
  const fields = rejection.fields.length > 0 ? ` fields ${describeValue(rejection.fields)}` : '';
  return `"${rejection.code}" (${rejection.message})${fields}`;
}
