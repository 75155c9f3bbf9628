import { DeciderSpecification, evolveAll } from '@gov/platform-decider';
import { composeNationalId } from '../../national-id';
import {
  ANNA,
  AT_NOW,
  CORRECTION_1,
  CORRECTION_2,
  ESCH_ADDRESS,
  LUXEMBOURG_ADDRESS,
  METZ_ADDRESS,
} from '../../../testing/registry-fixtures';
import { CIVIL_STATUSES, CIVIL_STATUS_TRANSITIONS } from './person';
import type { CivilStatus, SexMarker } from './person';
import type { PersonCommand, RegisterPerson } from './person.commands';
import type { PersonCorrection } from './person.corrections';
import { personDecider } from './person.decider';
import type { PersonEvent, PersonRegistered } from './person.events';

const spec = DeciderSpecification.for(personDecider);

const register = (overrides: Partial<RegisterPerson['data']> = {}): RegisterPerson => ({
  type: 'RegisterPerson',
  data: {
    nationalId: ANNA,
    givenNames: 'Anna Maria',
    familyName: 'Schmit',
    birthDate: '1983-08-12',
    placeOfBirth: { locality: 'Ettelbruck', country: 'LU' },
    sex: 'F',
    nationalities: ['LU', 'PT'],
    address: LUXEMBOURG_ADDRESS,
    civilStatus: 'single',
    ...overrides,
  },
  metadata: AT_NOW,
});

const registered = (civilStatus: CivilStatus = 'single'): PersonRegistered => ({
  type: 'PersonRegistered',
  data: {
    nationalId: ANNA,
    givenNames: 'Anna Maria',
    familyName: 'Schmit',
    birthDate: '1983-08-12',
    placeOfBirth: { locality: 'Ettelbruck', country: 'LU' },
    sex: 'F',
    nationalities: ['LU', 'PT'],
    address: LUXEMBOURG_ADDRESS,
    civilStatus,
  },
});

const died: PersonEvent = {
  type: 'PersonDeathRecorded',
  data: { nationalId: ANNA, dateOfDeath: '2025-12-24' },
};

const command = <C extends PersonCommand>(type: C['type'], data: C['data']): C =>
  ({ type, data, metadata: AT_NOW }) as C;

describe('register of natural persons', () => {
  describe('RegisterPerson', () => {
    it('registers a person with everything the register holds, normalised', () => {
      spec
        .given([])
        .when(
          register({
            givenNames: '  Anna   Maria ',
            nationalities: ['lu', 'PT'],
            address: { ...LUXEMBOURG_ADDRESS, postcode: 'L-2449', country: 'lu' },
          }),
        )
        .then([registered()]);
    });

    it('registers a person whose place of birth the register does not know', () => {
      spec
        .given([])
        .when(register({ placeOfBirth: null }))
        .then([{ ...registered(), data: { ...registered().data, placeOfBirth: null } }]);
    });

    it('accepts a birth that is today in Luxembourg although still yesterday in UTC', () => {
      const newborn = composeNationalId('2026-03-02', 1);
      const justAfterMidnightInLuxembourg = new Date('2026-03-01T23:30:00.000Z');
      const events = personDecider.decide(
        {
          ...register({ nationalId: newborn, birthDate: '2026-03-02', nationalities: ['LU'] }),
          metadata: { now: justAfterMidnightInLuxembourg },
        },
        personDecider.initialState,
      );
      expect(events.map((e) => e.type)).toEqual(['PersonRegistered']);
    });

    it('rejects a birth date after today in Luxembourg', () => {
      const unborn = composeNationalId('2026-03-02', 1);
      spec
        .given([])
        .when(register({ nationalId: unborn, birthDate: '2026-03-02' }))
        .thenRejects('INVALID_INPUT', ['birthDate']);
    });

    it('rejects a person already registered under this number', () => {
      spec.given([registered()]).when(register()).thenRejects('ALREADY_REGISTERED', ['nationalId']);
    });

    it('rejects a national id whose check digits are wrong', () => {
      spec
        .given([])
        .when(register({ nationalId: '1983081246786' }))
        .thenRejects('INVALID_INPUT', ['nationalId']);
    });

    it('rejects a national id that does not encode the birth date', () => {
      spec
        .given([])
        .when(register({ birthDate: '1983-08-13' }))
        .thenRejects('INVALID_INPUT', ['nationalId']);
    });

    it('names every offending field at once', () => {
      const rejection = spec
        .given([])
        .when(
          register({
            givenNames: '   ',
            familyName: 'S'.repeat(101),
            birthDate: '1983-02-30',
            placeOfBirth: { locality: '', country: 'XX' },
            sex: 'Q' as SexMarker,
            nationalities: [],
            address: { street: '', houseNumber: '', postcode: '123', locality: '', country: 'LU' },
            civilStatus: 'engaged' as CivilStatus,
          }),
        )
        .thenRejects('INVALID_INPUT', [
          'givenNames',
          'familyName',
          'birthDate',
          'placeOfBirth.locality',
          'placeOfBirth.country',
          'sex',
          'nationalities',
          'address.street',
          'address.houseNumber',
          'address.postcode',
          'address.locality',
          'civilStatus',
        ]);
      expect(rejection.fields[1]).toEqual({
        field: 'familyName',
        code: 'too-long',
        message: 'must be at most 100 characters',
      });
    });

    it('rejects a repeated nationality, an unassigned country code and a name without letters', () => {
      spec
        .given([])
        .when(register({ familyName: '1234', nationalities: ['LU', 'EU', 'lu'] }))
        .thenRejects('INVALID_INPUT', ['familyName', 'nationalities[1]', 'nationalities[2]']);
    });

    it('rejects control characters in a name', () => {
      spec
        .given([])
        .when(register({ givenNames: 'Anna\u0000Maria' }))
        .thenRejects('INVALID_INPUT', ['givenNames']);
    });
  });

  describe('ChangeName', () => {
    const changeName = (givenNames: string, familyName: string) =>
      command('ChangeName', { nationalId: ANNA, givenNames, familyName });

    it('records the complete new name', () => {
      spec
        .given([registered()])
        .when(changeName('Anna Maria', 'Schmit-Weber'))
        .then([
          {
            type: 'PersonNameChanged',
            data: { nationalId: ANNA, givenNames: 'Anna Maria', familyName: 'Schmit-Weber' },
          },
        ]);
    });

    it('decides nothing when the name is the same', () => {
      spec.given([registered()]).when(changeName(' Anna Maria', 'Schmit ')).thenNothing();
    });

    it('rejects an empty family name', () => {
      spec
        .given([registered()])
        .when(changeName('Anna', ''))
        .thenRejects('INVALID_INPUT', ['familyName']);
    });

    it('rejects a person not registered', () => {
      spec
        .given([])
        .when(changeName('Anna', 'Weber'))
        .thenRejects('NOT_REGISTERED', ['nationalId']);
    });

    it('rejects a change after death', () => {
      spec
        .given([registered(), died])
        .when(changeName('Anna', 'Weber'))
        .thenRejects('PERSON_DECEASED', ['nationalId']);
    });
  });

  describe('ChangeAddress', () => {
    const changeAddress = (address = METZ_ADDRESS) =>
      command('ChangeAddress', { nationalId: ANNA, address });

    it('records the complete new address', () => {
      spec
        .given([registered()])
        .when(changeAddress())
        .then([
          { type: 'PersonAddressChanged', data: { nationalId: ANNA, address: METZ_ADDRESS } },
        ]);
    });

    it('decides nothing when the address is the same once normalised', () => {
      spec
        .given([registered()])
        .when(changeAddress({ ...LUXEMBOURG_ADDRESS, postcode: 'L-2449', country: 'lu' }))
        .thenNothing();
    });

    it('rejects every invalid address field', () => {
      spec
        .given([registered()])
        .when(
          changeAddress({
            street: '',
            houseNumber: '1'.repeat(17),
            postcode: '#24',
            locality: '---',
            country: 'Luxembourg',
          }),
        )
        .thenRejects('INVALID_INPUT', [
          'address.street',
          'address.houseNumber',
          'address.postcode',
          'address.locality',
          'address.country',
        ]);
    });

    it('rejects a person not registered', () => {
      spec.given([]).when(changeAddress()).thenRejects('NOT_REGISTERED', ['nationalId']);
    });

    it('rejects a change after death', () => {
      spec
        .given([registered(), died])
        .when(changeAddress())
        .thenRejects('PERSON_DECEASED', ['nationalId']);
    });
  });

  describe('ChangeCivilStatus', () => {
    const changeCivilStatus = (civilStatus: CivilStatus, effectiveDate = '2024-06-15') =>
      command('ChangeCivilStatus', { nationalId: ANNA, civilStatus, effectiveDate });

    it('records the new civil status and when it took effect', () => {
      spec
        .given([registered('single')])
        .when(changeCivilStatus('married'))
        .then([
          {
            type: 'PersonCivilStatusChanged',
            data: { nationalId: ANNA, civilStatus: 'married', effectiveDate: '2024-06-15' },
          },
        ]);
    });

    const pairs = CIVIL_STATUSES.flatMap((from) =>
      CIVIL_STATUSES.filter((to) => to !== from).map((to) => [from, to] as const),
    );

    it.each(pairs.filter(([from, to]) => CIVIL_STATUS_TRANSITIONS[from].includes(to)))(
      'lets %s become %s',
      (from, to) => {
        spec
          .given([registered(from)])
          .when(changeCivilStatus(to))
          .then([
            {
              type: 'PersonCivilStatusChanged',
              data: { nationalId: ANNA, civilStatus: to, effectiveDate: '2024-06-15' },
            },
          ]);
      },
    );

    it.each(pairs.filter(([from, to]) => !CIVIL_STATUS_TRANSITIONS[from].includes(to)))(
      'rejects %s becoming %s',
      (from, to) => {
        spec
          .given([registered(from)])
          .when(changeCivilStatus(to))
          .thenRejects('INVALID_CIVIL_STATUS_TRANSITION', ['civilStatus']);
      },
    );

    it('decides nothing when the civil status is the same', () => {
      spec
        .given([registered('married')])
        .when(changeCivilStatus('married'))
        .thenNothing();
    });

    it('rejects an effective date before the birth date', () => {
      spec
        .given([registered()])
        .when(changeCivilStatus('married', '1983-08-11'))
        .thenRejects('INVALID_INPUT', ['effectiveDate']);
    });

    it('rejects an effective date before the current civil status took effect', () => {
      spec
        .given([
          registered('single'),
          {
            type: 'PersonCivilStatusChanged',
            data: { nationalId: ANNA, civilStatus: 'married', effectiveDate: '2020-05-02' },
          },
        ])
        .when(changeCivilStatus('divorced', '2020-05-01'))
        .thenRejects('INVALID_INPUT', ['effectiveDate']);
    });

    it('rejects an effective date in the future and an unknown status', () => {
      spec
        .given([registered()])
        .when(changeCivilStatus('engaged' as CivilStatus, '2026-03-02'))
        .thenRejects('INVALID_INPUT', ['civilStatus', 'effectiveDate']);
    });

    it('rejects a person not registered', () => {
      spec
        .given([])
        .when(changeCivilStatus('married'))
        .thenRejects('NOT_REGISTERED', ['nationalId']);
    });

    it('rejects a change after death', () => {
      spec
        .given([registered('married'), died])
        .when(changeCivilStatus('divorced'))
        .thenRejects('PERSON_DECEASED', ['nationalId']);
    });
  });

  describe('RecordDeath', () => {
    const recordDeath = (dateOfDeath: string) =>
      command('RecordDeath', { nationalId: ANNA, dateOfDeath });

    it('records the death and its date', () => {
      spec.given([registered()]).when(recordDeath('2025-12-24')).then([died]);
    });

    it('accepts a death on the day of birth', () => {
      spec
        .given([registered()])
        .when(recordDeath('1983-08-12'))
        .then([
          { type: 'PersonDeathRecorded', data: { nationalId: ANNA, dateOfDeath: '1983-08-12' } },
        ]);
    });

    it('decides nothing when the same death is recorded again', () => {
      spec.given([registered(), died]).when(recordDeath('2025-12-24')).thenNothing();
    });

    it('rejects another date of death once a death is recorded', () => {
      spec
        .given([registered(), died])
        .when(recordDeath('2025-12-25'))
        .thenRejects('PERSON_DECEASED', ['nationalId']);
    });

    it.each([
      ['before the birth', '1983-08-11'],
      ['in the future', '2026-03-02'],
      ['not a date', '2025-02-29'],
    ])('rejects a date of death %s', (_, date) => {
      spec
        .given([registered()])
        .when(recordDeath(date))
        .thenRejects('INVALID_INPUT', ['dateOfDeath']);
    });

    it('rejects a person not registered', () => {
      spec.given([]).when(recordDeath('2025-12-24')).thenRejects('NOT_REGISTERED', ['nationalId']);
    });
  });

  describe('ErasePerson', () => {
    const GROUND = 'Art. 17(1)(a) GDPR: registered in error, court decision 2026/123';
    const erase = (legalGround = GROUND) =>
      command('ErasePerson', { nationalId: ANNA, legalGround });
    const erased: PersonEvent = {
      type: 'PersonErased',
      data: { nationalId: ANNA, legalGround: GROUND },
    };

    it('erases a living or a deceased person’s record', () => {
      spec.given([registered()]).when(erase()).then([erased]);
      spec.given([registered(), died]).when(erase()).then([erased]);
    });

    it('decides nothing on a record already erased', () => {
      spec.given([registered(), erased]).when(erase('another ground')).thenNothing();
    });

    it('closes the record for good: every other command is rejected', () => {
      const after = spec.given([registered(), erased]);
      after
        .when(command('ChangeName', { nationalId: ANNA, givenNames: 'Anna', familyName: 'Muller' }))
        .thenRejects('RECORD_ERASED', ['nationalId']);
      after
        .when(command('RecordDeath', { nationalId: ANNA, dateOfDeath: '2025-12-24' }))
        .thenRejects('RECORD_ERASED', ['nationalId']);
      after.when(register()).thenRejects('ALREADY_REGISTERED', ['nationalId']);
    });

    it('needs a legal ground', () => {
      spec.given([registered()]).when(erase('  ')).thenRejects('INVALID_INPUT', ['legalGround']);
      spec
        .given([registered()])
        .when(erase('x'.repeat(501)))
        .thenRejects('INVALID_INPUT', ['legalGround']);
    });

    it('rejects a person not registered', () => {
      spec.given([]).when(erase()).thenRejects('NOT_REGISTERED', ['nationalId']);
    });

    it('keeps only the number and the ground, whatever follows', () => {
      const state = evolveAll(personDecider, [registered(), erased, died]);
      expect(state).toEqual({ status: 'erased', nationalId: ANNA, legalGround: GROUND });
    });
  });

  describe('CorrectPersonRecord', () => {
    const correct = (correction: PersonCorrection, correctionId = CORRECTION_1) =>
      command('CorrectPersonRecord', { nationalId: ANNA, correctionId, correction });
    const corrected = (correction: PersonCorrection, correctionId = CORRECTION_1): PersonEvent => ({
      type: 'PersonRecordCorrected',
      data: { nationalId: ANNA, correctionId, correction },
    });

    it.each<PersonCorrection>([
      { field: 'givenNames', value: 'Anna-Maria' },
      { field: 'familyName', value: 'Schmitt' },
      { field: 'placeOfBirth', value: { locality: 'Diekirch', country: 'LU' } },
      { field: 'sex', value: 'X' },
      { field: 'nationalities', value: ['LU'] },
      { field: 'address', value: ESCH_ADDRESS },
    ])('records the correction of $field, linked to the request', (correction) => {
      spec
        .given([registered()])
        .when(correct(correction))
        .then([corrected(correction)]);
    });

    it('normalises the corrected value like any other input', () => {
      spec
        .given([registered()])
        .when(correct({ field: 'address', value: { ...ESCH_ADDRESS, postcode: 'L-4011' } }))
        .then([corrected({ field: 'address', value: ESCH_ADDRESS })]);
    });

    it('corrects the record of a deceased person', () => {
      spec
        .given([registered(), died])
        .when(correct({ field: 'familyName', value: 'Schmitt' }))
        .then([corrected({ field: 'familyName', value: 'Schmitt' })]);
    });

    it('records the link even when the record already holds the value', () => {
      spec
        .given([registered()])
        .when(correct({ field: 'familyName', value: 'Schmit' }))
        .then([corrected({ field: 'familyName', value: 'Schmit' })]);
    });

    it('decides nothing for a correction already applied, even after a later change', () => {
      spec
        .given([
          registered(),
          corrected({ field: 'address', value: ESCH_ADDRESS }),
          { type: 'PersonAddressChanged', data: { nationalId: ANNA, address: METZ_ADDRESS } },
        ])
        .when(correct({ field: 'address', value: ESCH_ADDRESS }))
        .thenNothing();
    });

    it('applies a second, different correction', () => {
      spec
        .given([registered(), corrected({ field: 'familyName', value: 'Schmitt' })])
        .when(correct({ field: 'givenNames', value: 'Anne' }, CORRECTION_2))
        .then([corrected({ field: 'givenNames', value: 'Anne' }, CORRECTION_2)]);
    });

    it('rejects an invalid value, an unknown field and an invalid correction id', () => {
      spec
        .given([registered()])
        .when(correct({ field: 'nationalities', value: ['LU', 'LU'] }, 'not-a-uuid'))
        .thenRejects('INVALID_INPUT', ['correctionId', 'correction.value[1]']);
      spec
        .given([registered()])
        .when(correct({ field: 'birthDate', value: '1983-08-13' } as unknown as PersonCorrection))
        .thenRejects('INVALID_INPUT', ['correction.field']);
    });

    it('rejects a person not registered', () => {
      spec
        .given([])
        .when(correct({ field: 'familyName', value: 'Schmitt' }))
        .thenRejects('NOT_REGISTERED', ['nationalId']);
    });
  });

  describe('evolve', () => {
    it('folds the history into the record', () => {
      const state = evolveAll(personDecider, [
        registered(),
        {
          type: 'PersonNameChanged',
          data: { nationalId: ANNA, givenNames: 'Anna Maria', familyName: 'Weber' },
        },
        { type: 'PersonAddressChanged', data: { nationalId: ANNA, address: ESCH_ADDRESS } },
        {
          type: 'PersonCivilStatusChanged',
          data: { nationalId: ANNA, civilStatus: 'married', effectiveDate: '2024-06-15' },
        },
        {
          type: 'PersonRecordCorrected',
          data: {
            nationalId: ANNA,
            correctionId: CORRECTION_1,
            correction: { field: 'placeOfBirth', value: { locality: 'Diekirch', country: 'LU' } },
          },
        },
      ]);
      expect(state).toEqual({
        status: 'registered',
        record: {
          nationalId: ANNA,
          givenNames: 'Anna Maria',
          familyName: 'Weber',
          birthDate: '1983-08-12',
          placeOfBirth: { locality: 'Diekirch', country: 'LU' },
          sex: 'F',
          nationalities: ['LU', 'PT'],
          address: ESCH_ADDRESS,
          civilStatus: 'married',
          civilStatusSince: '2024-06-15',
        },
        appliedCorrections: [CORRECTION_1],
      });
    });

    it('closes the record on death and still folds corrections after it', () => {
      const state = evolveAll(personDecider, [
        registered(),
        died,
        {
          type: 'PersonRecordCorrected',
          data: {
            nationalId: ANNA,
            correctionId: CORRECTION_1,
            correction: { field: 'sex', value: 'X' },
          },
        },
      ]);
      expect(state).toMatchObject({
        status: 'deceased',
        dateOfDeath: '2025-12-24',
        record: { sex: 'X' },
        appliedCorrections: [CORRECTION_1],
      });
    });

    it('leaves the state as it is for an event that cannot apply to it', () => {
      const initial = personDecider.initialState;
      expect(personDecider.evolve(initial, died)).toBe(initial);
      const once = personDecider.evolve(initial, registered());
      expect(personDecider.evolve(once, registered('married'))).toBe(once);
    });
  });
});
