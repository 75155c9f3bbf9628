import { evolveAll } from '@gov/platform-decider';

import {
  ANNA,
  AT_NOW,
  BEN,
  CARLA,
  CORRECTION_1,
  DAVID,
  ESCH_ADDRESS,
  LUXEMBOURG_ADDRESS,
  METZ_ADDRESS,
  NOW,
} from '../../testing/registry-fixtures';
import type { BusinessNumber } from '../registers/businesses/business';
import { businessDecider } from '../registers/businesses/business.decider';
import type { BusinessEvent } from '../registers/businesses/business.events';
import { personDecider } from '../registers/persons/person.decider';
import type { PersonEvent } from '../registers/persons/person.events';
import type { Registrar } from './correction';
import { correctionDecider } from './correction.decider';
import type { CorrectionAccepted, CorrectionEvent } from './correction.events';
import { correctRecordCommand } from './correction.policy';

// The correction flow as the application runs it: two streams, in order, no shared state.

const REGISTRAR: Registrar = { registrarId: 'rnpp-0042', nationalId: CARLA, register: 'persons' };

const annaRegistered: PersonEvent = {
  type: 'PersonRegistered',
  data: {
    nationalId: ANNA,
    givenNames: 'Anna',
    familyName: 'Schmit',
    birthDate: '1983-08-12',
    placeOfBirth: null,
    sex: 'F',
    nationalities: ['LU'],
    address: LUXEMBOURG_ADDRESS,
    civilStatus: 'single',
  },
};

function acceptedCorrectionOfAnnasAddress(): CorrectionAccepted {
  const correctionStream: CorrectionEvent[] = [];
  correctionStream.push(
    ...correctionDecider.decide(
      {
        type: 'RequestCorrection',
        data: {
          correctionId: CORRECTION_1,
          target: {
            register: 'persons',
            recordId: ANNA,
            correction: { field: 'address', value: ESCH_ADDRESS },
          },
          justification: 'I moved to Esch in 2024; the record still shows my old address.',
          requester: ANNA,
        },
        metadata: AT_NOW,
      },
      evolveAll(correctionDecider, correctionStream),
    ),
  );
  correctionStream.push(
    ...correctionDecider.decide(
      {
        type: 'AcceptCorrection',
        data: { correctionId: CORRECTION_1, registrar: REGISTRAR },
        metadata: AT_NOW,
      },
      evolveAll(correctionDecider, correctionStream),
    ),
  );
  const [, accepted] = correctionStream;
  if (accepted?.type !== 'CorrectionAccepted') throw new Error('the correction was not accepted');
  expect(evolveAll(correctionDecider, correctionStream).status).toBe('ACCEPTED');
  return accepted;
}

describe('correction flow: request, acceptance, record change', () => {
  it('changes the person’s record with an event linked to the accepted request', () => {
    // Given Anna's record and her accepted correction request
    const personStream: PersonEvent[] = [annaRegistered];
    const accepted = acceptedCorrectionOfAnnasAddress();

    // When the application runs the record command that follows the acceptance
    const recordCommand = correctRecordCommand(accepted, NOW);
    if (recordCommand.type !== 'CorrectPersonRecord') throw new Error('expected a person command');
    const events = personDecider.decide(recordCommand, evolveAll(personDecider, personStream));

    // Then the record is corrected, by an event that names the request
    expect(events).toEqual([
      {
        type: 'PersonRecordCorrected',
        data: {
          nationalId: ANNA,
          correctionId: CORRECTION_1,
          correction: { field: 'address', value: ESCH_ADDRESS },
        },
      },
    ]);
    personStream.push(...events);
    expect(evolveAll(personDecider, personStream)).toMatchObject({
      status: 'registered',
      record: { address: ESCH_ADDRESS },
      appliedCorrections: [CORRECTION_1],
    });
  });

  it('is safe to repeat: a redelivered acceptance changes nothing, even after a later move', () => {
    const accepted = acceptedCorrectionOfAnnasAddress();
    const personStream: PersonEvent[] = [annaRegistered];
    const recordCommand = correctRecordCommand(accepted, NOW);
    if (recordCommand.type !== 'CorrectPersonRecord') throw new Error('expected a person command');
    personStream.push(
      ...personDecider.decide(recordCommand, evolveAll(personDecider, personStream)),
    );
    personStream.push(
      ...personDecider.decide(
        {
          type: 'ChangeAddress',
          data: { nationalId: ANNA, address: METZ_ADDRESS },
          metadata: AT_NOW,
        },
        evolveAll(personDecider, personStream),
      ),
    );

    expect(personDecider.decide(recordCommand, evolveAll(personDecider, personStream))).toEqual([]);
    expect(evolveAll(personDecider, personStream)).toMatchObject({
      record: { address: METZ_ADDRESS },
    });
  });

  it('still applies after the person died in between (no business rule can refuse it)', () => {
    const accepted = acceptedCorrectionOfAnnasAddress();
    const personStream: PersonEvent[] = [
      annaRegistered,
      { type: 'PersonDeathRecorded', data: { nationalId: ANNA, dateOfDeath: '2026-02-01' } },
    ];
    const recordCommand = correctRecordCommand(accepted, NOW);
    if (recordCommand.type !== 'CorrectPersonRecord') throw new Error('expected a person command');

    expect(
      personDecider.decide(recordCommand, evolveAll(personDecider, personStream)),
    ).toHaveLength(1);
  });

  it('routes a business correction to the business register, also after a strike-off', () => {
    const B1 = 'B4242' as BusinessNumber;
    const businessStream: BusinessEvent[] = [
      {
        type: 'BusinessRegistered',
        data: {
          businessNumber: B1,
          name: 'Moselle Logistics',
          legalForm: 'SARL',
          registeredAddress: LUXEMBOURG_ADDRESS,
          managers: [{ nationalId: BEN, role: 'manager' }],
        },
      },
      {
        type: 'BusinessStruckOff',
        data: { businessNumber: B1, effectiveDate: '2026-02-27', ground: 'dissolution' },
      },
    ];
    const requested = correctionDecider.decide(
      {
        type: 'RequestCorrection',
        data: {
          correctionId: CORRECTION_1,
          target: {
            register: 'businesses',
            recordId: B1,
            correction: { field: 'legalForm', value: 'SARL-S' },
            currentManagers: [BEN],
          },
          justification: 'Incorporated as a simplified SARL, see the deed.',
          requester: BEN,
        },
        metadata: AT_NOW,
      },
      correctionDecider.initialState,
    );
    const [accepted] = correctionDecider.decide(
      {
        type: 'AcceptCorrection',
        data: {
          correctionId: CORRECTION_1,
          registrar: { registrarId: 'rcs-0007', nationalId: DAVID, register: 'businesses' },
        },
        metadata: AT_NOW,
      },
      evolveAll(correctionDecider, requested),
    );
    if (accepted?.type !== 'CorrectionAccepted') throw new Error('the correction was not accepted');

    const recordCommand = correctRecordCommand(accepted, NOW);
    if (recordCommand.type !== 'CorrectBusinessRecord')
      throw new Error('expected a business command');
    expect(recordCommand).toEqual({
      type: 'CorrectBusinessRecord',
      data: {
        businessNumber: B1,
        correctionId: CORRECTION_1,
        correction: { field: 'legalForm', value: 'SARL-S' },
      },
      metadata: { now: NOW },
    });
    const events = businessDecider.decide(
      recordCommand,
      evolveAll(businessDecider, businessStream),
    );
    expect(events).toEqual([
      {
        type: 'BusinessRecordCorrected',
        data: {
          businessNumber: B1,
          correctionId: CORRECTION_1,
          correction: { field: 'legalForm', value: 'SARL-S' },
        },
      },
    ]);
  });
});
