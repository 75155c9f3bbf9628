import type { Decider } from '@gov/platform-decider';

import { assertNever, reject } from './rejection';

/** The items of a personal space (the `personal-space.*` data categories). */
export const PERSONAL_ITEMS = ['bank-account', 'phone', 'email'] as const;
/** One item of a personal space. */
export type PersonalItem = (typeof PERSONAL_ITEMS)[number];

export type PersonalSpaceEvent =
  | {
      readonly type: 'PersonalItemSet';
      readonly data: {
        readonly subject: string;
        readonly item: PersonalItem;
        readonly value: string;
        readonly setAt: Date;
      };
    }
  | {
      readonly type: 'PersonalItemCleared';
      readonly data: {
        readonly subject: string;
        readonly item: PersonalItem;
        readonly clearedAt: Date;
      };
    };

export type PersonalSpaceCommand =
  | {
      readonly type: 'SetPersonalItem';
      readonly data: {
        readonly subject: string;
        readonly by: string;
        readonly item: PersonalItem;
        readonly value: string;
      };
      readonly metadata: { readonly now: Date };
    }
  | {
      readonly type: 'ClearPersonalItem';
      readonly data: { readonly subject: string; readonly by: string; readonly item: PersonalItem };
      readonly metadata: { readonly now: Date };
    };

/** The current value of each item that is set. */
export interface PersonalSpaceState {
  readonly items: ReadonlyMap<PersonalItem, string>;
}

function decide(
  command: PersonalSpaceCommand,
  state: PersonalSpaceState,
): readonly PersonalSpaceEvent[] {
  if (command.data.by !== command.data.subject) {
    throw reject('NOT_APPLICANT', 'a person keeps only their own personal space');
  }
  const { subject, item } = command.data;
  switch (command.type) {
    case 'SetPersonalItem':
      if (state.items.get(item) === command.data.value) return [];
      return [
        {
          type: 'PersonalItemSet',
          data: { subject, item, value: command.data.value, setAt: command.metadata.now },
        },
      ];
    case 'ClearPersonalItem':
      if (!state.items.has(item)) return [];
      return [
        { type: 'PersonalItemCleared', data: { subject, item, clearedAt: command.metadata.now } },
      ];
    default:
      return assertNever(command, 'personal space command');
  }
}

function evolve(state: PersonalSpaceState, event: PersonalSpaceEvent): PersonalSpaceState {
  const items = new Map(state.items);
  switch (event.type) {
    case 'PersonalItemSet':
      items.set(event.data.item, event.data.value);
      return { items };
    case 'PersonalItemCleared':
      items.delete(event.data.item);
      return { items };
    default:
      return assertNever(event, 'personal space event');
  }
}

/**
 * A person's personal space, one stream per person (`personal-space-<national id>`): data the
 * person adds for reuse in procedures, with its history. Setting the value already set, or
 * clearing an item that is not set, appends nothing.
 */
export const personalSpaceDecider: Decider<
  PersonalSpaceCommand,
  PersonalSpaceEvent,
  PersonalSpaceState
> = { decide, evolve, initialState: { items: new Map() } };
