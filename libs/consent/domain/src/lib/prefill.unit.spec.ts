import { DeciderSpecification, evolveAll } from '@gov/platform-decider';

import { prefillAnswer, prefillDecider } from './prefill';
import type { PrefillEvent } from './prefill';

const SUBJECT = '1983081246785';
const NOW = new Date('2026-03-01T10:00:00Z');
const spec = DeciderSpecification.for(prefillDecider);
const never: PrefillEvent = {
  type: 'PrefillPreferenceSet',
  data: { subject: SUBJECT, source: 'persons', procedureId: null, preference: 'NEVER', setAt: NOW },
};
const allowForProcedure: PrefillEvent = {
  type: 'PrefillPreferenceSet',
  data: {
    subject: SUBJECT,
    source: 'persons',
    procedureId: 'allocation-familiale',
    preference: 'ALLOW',
    setAt: NOW,
  },
};

describe('the Yes/No to prefilling', () => {
  it('records a change of preference and ignores a repeat', () => {
    const set = {
      type: 'SetPrefillPreference' as const,
      data: {
        subject: SUBJECT,
        by: SUBJECT,
        source: 'persons',
        procedureId: null,
        preference: 'NEVER' as const,
        subjectErasedAt: null,
      },
      metadata: { now: NOW },
    };
    spec.given([]).when(set).then([never]);
    spec.given([never]).when(set).thenNothing();
  });

  it('refuses to set someone else’s preference', () => {
    spec
      .given([])
      .when({
        type: 'SetPrefillPreference',
        data: {
          subject: SUBJECT,
          by: '1990013100012',
          source: 'persons',
          procedureId: null,
          preference: 'NEVER',
          subjectErasedAt: null,
        },
        metadata: { now: NOW },
      })
      .thenRejects('NOT_DATA_SUBJECT');
  });

  it('clears a procedure’s own preference, and nothing when there is none', () => {
    const clear = {
      type: 'ClearPrefillPreference' as const,
      data: {
        subject: SUBJECT,
        by: SUBJECT,
        source: 'persons',
        procedureId: 'allocation-familiale',
        subjectErasedAt: null,
      },
      metadata: { now: NOW },
    };
    spec
      .given([never, allowForProcedure])
      .when(clear)
      .then([
        {
          type: 'PrefillPreferenceCleared',
          data: {
            subject: SUBJECT,
            source: 'persons',
            procedureId: 'allocation-familiale',
            clearedAt: NOW,
          },
        },
      ]);
    spec.given([never]).when(clear).thenNothing();
  });

  it('answers with the procedure’s preference, else the source’s, else Yes', () => {
    const { rules } = evolveAll(prefillDecider, [never, allowForProcedure]);
    expect(prefillAnswer(rules.values(), 'persons', 'allocation-familiale')).toEqual({
      prefill: true,
      rule: 'procedure',
    });
    expect(prefillAnswer(rules.values(), 'persons', 'other')).toEqual({
      prefill: false,
      rule: 'source',
    });
    expect(prefillAnswer(rules.values(), 'persons', null)).toEqual({
      prefill: false,
      rule: 'source',
    });
    expect(prefillAnswer(rules.values(), 'personal-space', null)).toEqual({
      prefill: true,
      rule: 'default',
    });
  });
});

describe('an erased person', () => {
  it('sets and clears nothing', () => {
    const erasedAt = new Date('2026-03-01T09:00:00Z');
    const base = { subject: SUBJECT, by: SUBJECT, source: 'persons', subjectErasedAt: erasedAt };
    spec
      .given([never])
      .when({
        type: 'SetPrefillPreference',
        data: { ...base, procedureId: null, preference: 'ALLOW' },
        metadata: { now: NOW },
      })
      .thenRejects('DATA_ERASED');
    spec
      .given([never, allowForProcedure])
      .when({
        type: 'ClearPrefillPreference',
        data: { ...base, procedureId: 'allocation-familiale' },
        metadata: { now: NOW },
      })
      .thenRejects('DATA_ERASED');
  });
});
