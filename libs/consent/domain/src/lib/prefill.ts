import type { Decider } from '@gov/platform-decider';

import { assertNever, erased, reject } from './rejection';

/** Yes (`ALLOW`) or No (`NEVER`) to prefilling from a source. */
export type PrefillPreference = 'ALLOW' | 'NEVER';

/** One preference: for a source everywhere (`procedureId` `null`) or for one procedure. */
export interface PrefillRule {
  readonly source: string;
  readonly procedureId: string | null;
  readonly preference: PrefillPreference;
  readonly setAt: Date;
}

export type PrefillEvent =
  | {
      readonly type: 'PrefillPreferenceSet';
      readonly data: PrefillRule & { readonly subject: string };
    }
  | {
      readonly type: 'PrefillPreferenceCleared';
      readonly data: {
        readonly subject: string;
        readonly source: string;
        readonly procedureId: string;
        readonly clearedAt: Date;
      };
    };

export type PrefillCommand =
  | {
      readonly type: 'SetPrefillPreference';
      readonly data: {
        readonly subject: string;
        readonly by: string;
        readonly source: string;
        readonly procedureId: string | null;
        readonly preference: PrefillPreference;
        /** When the registry erased the person, as this service knows it; `null`: not erased. */
        readonly subjectErasedAt: Date | null;
      };
      readonly metadata: { readonly now: Date };
    }
  | {
      readonly type: 'ClearPrefillPreference';
      readonly data: {
        readonly subject: string;
        readonly by: string;
        readonly source: string;
        readonly procedureId: string;
        /** When the registry erased the person, as this service knows it; `null`: not erased. */
        readonly subjectErasedAt: Date | null;
      };
      readonly metadata: { readonly now: Date };
    };

/** A person's preferences, by `source` and procedure (`''` for the source's own). */
export interface PrefillState {
  readonly rules: ReadonlyMap<string, PrefillRule>;
}

const keyOf = (source: string, procedureId: string | null): string =>
  `${source}\u0000${procedureId ?? ''}`;

/**
 * Where an answer came from: the procedure's own preference, the source's, or the default; or
 * the person's erasure (nothing is prefilled for an erased person).
 */
export type PrefillAnswerRule = 'procedure' | 'source' | 'default' | 'erased';

/**
 * May a procedure prefill from `source` for this person? The procedure's own preference wins,
 * then the source's; without either, Yes: prefilling from the authentic sources is the
 * once-only default, and the person says No to it.
 */
export function prefillAnswer(
  rules: Iterable<PrefillRule>,
  source: string,
  procedureId: string | null,
): { readonly prefill: boolean; readonly rule: PrefillAnswerRule } {
  let sourceRule: PrefillRule | undefined;
  for (const rule of rules) {
    if (rule.source !== source) continue;
    if (procedureId !== null && rule.procedureId === procedureId) {
      return { prefill: rule.preference === 'ALLOW', rule: 'procedure' };
    }
    if (rule.procedureId === null) sourceRule = rule;
  }
  return sourceRule === undefined
    ? { prefill: true, rule: 'default' }
    : { prefill: sourceRule.preference === 'ALLOW', rule: 'source' };
}

function decide(command: PrefillCommand, state: PrefillState): readonly PrefillEvent[] {
  if (command.data.by !== command.data.subject) {
    throw reject('NOT_DATA_SUBJECT', 'a person sets only their own prefill preferences');
  }
  if (command.data.subjectErasedAt !== null) {
    throw erased(command.data.subject, command.data.subjectErasedAt);
  }
  const { now } = command.metadata;
  switch (command.type) {
    case 'SetPrefillPreference': {
      const { subject, source, procedureId, preference } = command.data;
      const current = state.rules.get(keyOf(source, procedureId));
      if (current?.preference === preference) return [];
      return [
        {
          type: 'PrefillPreferenceSet',
          data: { subject, source, procedureId, preference, setAt: now },
        },
      ];
    }
    case 'ClearPrefillPreference': {
      const { subject, source, procedureId } = command.data;
      if (!state.rules.has(keyOf(source, procedureId))) return [];
      return [
        {
          type: 'PrefillPreferenceCleared',
          data: { subject, source, procedureId, clearedAt: now },
        },
      ];
    }
    default:
      return assertNever(command, 'prefill command');
  }
}

function evolve(state: PrefillState, event: PrefillEvent): PrefillState {
  const rules = new Map(state.rules);
  switch (event.type) {
    case 'PrefillPreferenceSet': {
      const { source, procedureId, preference, setAt } = event.data;
      rules.set(keyOf(source, procedureId), { source, procedureId, preference, setAt });
      return { rules };
    }
    case 'PrefillPreferenceCleared':
      rules.delete(keyOf(event.data.source, event.data.procedureId));
      return { rules };
    default:
      return assertNever(event, 'prefill event');
  }
}

/**
 * A person's Yes/No to prefilling, one stream per person (`prefill-<national id>`): per source
 * (`persons`, `businesses`, `personal-space`) and per procedure, a procedure's own preference
 * overriding the source's. Setting the value already set, or clearing what is not set, appends
 * nothing. Nothing is set or cleared for a person the registry erased (`DATA_ERASED`).
 */
export const prefillDecider: Decider<PrefillCommand, PrefillEvent, PrefillState> = {
  decide,
  evolve,
  initialState: { rules: new Map() },
};
