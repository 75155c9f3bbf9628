import { RegistryRejection } from '../lib/shared/rejection';
import type { RejectionCode } from '../lib/shared/rejection';

/** The decider shape the registry deciders share (to be aligned with `@gov/platform-decider`). */
export interface DeciderUnderTest<Command, Event, State> {
  readonly decide: (command: Command, state: State) => readonly Event[];
  readonly evolve: (state: State, event: Event) => State;
  readonly initialState: () => State;
}

/**
 * Given events, when a command, then events or a rejection (after Emmett's
 * `DeciderSpecification`). The state is folded from the given events with the decider's own
 * `evolve`, so a test states history, never a hand-built state.
 */
export function deciderSpecification<Command, Event, State>(
  decider: DeciderUnderTest<Command, Event, State>,
) {
  const fold = (events: readonly Event[]): State =>
    events.reduce((state, event) => decider.evolve(state, event), decider.initialState());
  return {
    given(events: readonly Event[]) {
      return {
        /** The state the given events fold into. */
        state: (): State => fold(events),
        when(command: Command) {
          const act = (): readonly Event[] => decider.decide(command, fold(events));
          return {
            then(expected: readonly Event[]): void {
              expect(act()).toEqual(expected);
            },
            thenNothingHappens(): void {
              expect(act()).toEqual([]);
            },
            /** Expects a rejection with this code and exactly these field paths, in order. */
            thenRejects(code: RejectionCode, fields: readonly string[]): RegistryRejection {
              let thrown: unknown;
              try {
                act();
              } catch (error) {
                thrown = error;
              }
              if (!(thrown instanceof RegistryRejection)) {
                throw new Error(`expected a RegistryRejection ${code}, got ${String(thrown)}`);
              }
              expect({ code: thrown.code, fields: thrown.fields }).toEqual({ code, fields });
              return thrown;
            },
          };
        },
      };
    },
  };
}
