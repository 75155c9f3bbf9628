import { DeciderSpecification } from '@gov/platform-decider';

import { personalSpaceDecider } from './personal-space';
import type { PersonalSpaceEvent } from './personal-space';

const SUBJECT = '1983081246785';
const NOW = new Date('2026-03-01T10:00:00Z');
const spec = DeciderSpecification.for(personalSpaceDecider);
const set: PersonalSpaceEvent = {
  type: 'PersonalItemSet',
  data: { subject: SUBJECT, item: 'bank-account', value: 'LU280019400644750000', setAt: NOW },
};

describe('the personal space', () => {
  it('sets an item, ignores a repeat, and clears it', () => {
    const command = {
      type: 'SetPersonalItem' as const,
      data: {
        subject: SUBJECT,
        by: SUBJECT,
        item: 'bank-account' as const,
        value: 'LU280019400644750000',
      },
      metadata: { now: NOW },
    };
    spec.given([]).when(command).then([set]);
    spec.given([set]).when(command).thenNothing();
    spec
      .given([set])
      .when({
        type: 'ClearPersonalItem',
        data: { subject: SUBJECT, by: SUBJECT, item: 'bank-account' },
        metadata: { now: NOW },
      })
      .then([
        {
          type: 'PersonalItemCleared',
          data: { subject: SUBJECT, item: 'bank-account', clearedAt: NOW },
        },
      ]);
  });

  it('is kept only by its owner', () => {
    spec
      .given([])
      .when({
        type: 'SetPersonalItem',
        data: { subject: SUBJECT, by: '1990013100012', item: 'phone', value: '+352621000000' },
        metadata: { now: NOW },
      })
      .thenRejects('NOT_APPLICANT');
  });
});
