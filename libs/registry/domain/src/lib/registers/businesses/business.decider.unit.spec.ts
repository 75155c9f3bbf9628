import { DeciderSpecification, evolveAll } from '@gov/platform-decider';
import {
  ANNA,
  AT_NOW,
  BEN,
  CARLA,
  CORRECTION_1,
  ESCH_ADDRESS,
  LUXEMBOURG_ADDRESS,
  METZ_ADDRESS,
} from '../../../testing/registry-fixtures';
import type { BusinessNumber, LegalForm, ManagerRole, StrikeOffGround } from './business';
import type { BusinessCommand, ManagerInput, RegisterBusiness } from './business.commands';
import type { BusinessCorrection } from './business.corrections';
import { businessDecider } from './business.decider';
import type { BusinessEvent, BusinessRegistered } from './business.events';

const spec = DeciderSpecification.for(businessDecider);
const B1 = 'B123456' as BusinessNumber;

const register = (overrides: Partial<RegisterBusiness['data']> = {}): RegisterBusiness => ({
  type: 'RegisterBusiness',
  data: {
    businessNumber: B1,
    name: 'Moselle Logistics',
    legalForm: 'SARL',
    registeredAddress: LUXEMBOURG_ADDRESS,
    managers: [
      { nationalId: BEN, role: 'manager' },
      { nationalId: ANNA, role: 'manager' },
    ],
    ...overrides,
  },
  metadata: AT_NOW,
});

// Managers are kept sorted by national id: CARLA (1975…), ANNA (1983…), BEN (1990…).
const registered: BusinessRegistered = {
  type: 'BusinessRegistered',
  data: {
    businessNumber: B1,
    name: 'Moselle Logistics',
    legalForm: 'SARL',
    registeredAddress: LUXEMBOURG_ADDRESS,
    managers: [
      { nationalId: ANNA, role: 'manager' },
      { nationalId: BEN, role: 'manager' },
    ],
  },
};

const struckOff: BusinessEvent = {
  type: 'BusinessStruckOff',
  data: { businessNumber: B1, effectiveDate: '2026-01-31', ground: 'dissolution' },
};

const command = <C extends BusinessCommand>(type: C['type'], data: C['data']): C =>
  ({ type, data, metadata: AT_NOW }) as C;

describe('register of businesses', () => {
  describe('RegisterBusiness', () => {
    it('registers a business with its managers sorted by national id', () => {
      spec.given([]).when(register()).then([registered]);
    });

    it.each(['B1', 'B999999'] as BusinessNumber[])(
      'accepts the business number %s',
      (businessNumber) => {
        spec
          .given([])
          .when(register({ businessNumber }))
          .then([{ ...registered, data: { ...registered.data, businessNumber } }]);
      },
    );

    it.each(['B0', 'B0123', 'B1234567', 'b123', '123456', 'B12 3'])(
      'rejects the business number %s',
      (businessNumber) => {
        spec
          .given([])
          .when(register({ businessNumber }))
          .thenRejects('INVALID_INPUT', ['businessNumber']);
      },
    );

    it('rejects a business already registered under this number', () => {
      spec
        .given([registered])
        .when(register())
        .thenRejects('ALREADY_REGISTERED', ['businessNumber']);
    });

    it('rejects an empty name, an unknown legal form and a registered office abroad', () => {
      spec
        .given([])
        .when(
          register({
            name: ' ',
            legalForm: 'LLC' as LegalForm,
            registeredAddress: METZ_ADDRESS,
          }),
        )
        .thenRejects('INVALID_INPUT', ['name', 'legalForm', 'registeredAddress.country']);
    });

    it('rejects a business without managers', () => {
      spec
        .given([])
        .when(register({ managers: [] }))
        .thenRejects('INVALID_INPUT', ['managers']);
    });

    it('rejects invalid national ids, unknown roles and a person named twice', () => {
      spec
        .given([])
        .when(
          register({
            managers: [
              { nationalId: ANNA, role: 'manager' },
              { nationalId: '1983081246786', role: 'director' },
              { nationalId: CARLA, role: 'owner' as ManagerRole },
              { nationalId: ANNA, role: 'director' },
            ],
          }),
        )
        .thenRejects('INVALID_INPUT', [
          'managers[1].nationalId',
          'managers[2].role',
          'managers[3].nationalId',
        ]);
    });
  });

  describe('ChangeBusinessAddress', () => {
    const changeAddress = (registeredAddress = ESCH_ADDRESS) =>
      command('ChangeBusinessAddress', { businessNumber: B1, registeredAddress });

    it('records the complete new registered office', () => {
      spec
        .given([registered])
        .when(changeAddress())
        .then([
          {
            type: 'BusinessAddressChanged',
            data: { businessNumber: B1, registeredAddress: ESCH_ADDRESS },
          },
        ]);
    });

    it('decides nothing when the address is the same once normalised', () => {
      spec
        .given([registered])
        .when(changeAddress({ ...LUXEMBOURG_ADDRESS, postcode: 'L-2449' }))
        .thenNothing();
    });

    it('rejects a registered office abroad or an invalid postcode', () => {
      spec
        .given([registered])
        .when(changeAddress(METZ_ADDRESS))
        .thenRejects('INVALID_INPUT', ['registeredAddress.country']);
      spec
        .given([registered])
        .when(changeAddress({ ...ESCH_ADDRESS, postcode: '401' }))
        .thenRejects('INVALID_INPUT', ['registeredAddress.postcode']);
    });

    it('rejects a business not registered', () => {
      spec.given([]).when(changeAddress()).thenRejects('NOT_REGISTERED', ['businessNumber']);
    });

    it('rejects a change after the strike-off', () => {
      spec
        .given([registered, struckOff])
        .when(changeAddress())
        .thenRejects('BUSINESS_STRUCK_OFF', ['businessNumber']);
    });
  });

  describe('ChangeManagers', () => {
    const changeManagers = (managers: readonly ManagerInput[]) =>
      command('ChangeManagers', { businessNumber: B1, managers });

    it('records the complete new list of managers', () => {
      spec
        .given([registered])
        .when(
          changeManagers([
            { nationalId: CARLA, role: 'managing-director' },
            { nationalId: ANNA, role: 'director' },
          ]),
        )
        .then([
          {
            type: 'BusinessManagersChanged',
            data: {
              businessNumber: B1,
              managers: [
                { nationalId: CARLA, role: 'managing-director' },
                { nationalId: ANNA, role: 'director' },
              ],
            },
          },
        ]);
    });

    it('decides nothing when the managers are the same in another order', () => {
      spec
        .given([registered])
        .when(
          changeManagers([
            { nationalId: BEN, role: 'manager' },
            { nationalId: ANNA, role: 'manager' },
          ]),
        )
        .thenNothing();
    });

    it('rejects an empty list and a person named twice', () => {
      spec.given([registered]).when(changeManagers([])).thenRejects('INVALID_INPUT', ['managers']);
      spec
        .given([registered])
        .when(
          changeManagers([
            { nationalId: BEN, role: 'manager' },
            { nationalId: ` ${BEN}`, role: 'director' },
          ]),
        )
        .thenRejects('INVALID_INPUT', ['managers[1].nationalId']);
    });

    it('rejects more managers than the register holds', () => {
      const many = Array.from({ length: 101 }, () => ({ nationalId: ANNA, role: 'director' }));
      const rejection = spec
        .given([registered])
        .when(changeManagers(many as ManagerInput[]))
        .thenRejects('INVALID_INPUT', [
          'managers',
          ...many.slice(1).map((_, i) => `managers[${i + 1}].nationalId`),
        ]);
      expect(rejection.fields[0]?.message).toBe('must name at most 100 managers');
    });

    it('rejects a business not registered', () => {
      spec
        .given([])
        .when(changeManagers([{ nationalId: ANNA, role: 'manager' }]))
        .thenRejects('NOT_REGISTERED', ['businessNumber']);
    });

    it('rejects a change after the strike-off', () => {
      spec
        .given([registered, struckOff])
        .when(changeManagers([{ nationalId: ANNA, role: 'manager' }]))
        .thenRejects('BUSINESS_STRUCK_OFF', ['businessNumber']);
    });
  });

  describe('StrikeOffBusiness', () => {
    const strikeOff = (effectiveDate = '2026-01-31', ground: StrikeOffGround = 'dissolution') =>
      command('StrikeOffBusiness', { businessNumber: B1, effectiveDate, ground });

    it('strikes the business off with the date and the ground', () => {
      spec.given([registered]).when(strikeOff()).then([struckOff]);
    });

    it('decides nothing when the same strike-off is recorded again', () => {
      spec.given([registered, struckOff]).when(strikeOff()).thenNothing();
    });

    it('rejects a different strike-off once struck off', () => {
      spec
        .given([registered, struckOff])
        .when(strikeOff('2026-01-31', 'bankruptcy'))
        .thenRejects('BUSINESS_STRUCK_OFF', ['businessNumber']);
    });

    it('rejects a date in the future and an unknown ground', () => {
      spec
        .given([registered])
        .when(strikeOff('2026-03-02', 'boredom' as StrikeOffGround))
        .thenRejects('INVALID_INPUT', ['effectiveDate', 'ground']);
    });

    it('rejects a business not registered', () => {
      spec.given([]).when(strikeOff()).thenRejects('NOT_REGISTERED', ['businessNumber']);
    });
  });

  describe('CorrectBusinessRecord', () => {
    const correct = (correction: BusinessCorrection, correctionId = CORRECTION_1) =>
      command('CorrectBusinessRecord', { businessNumber: B1, correctionId, correction });
    const corrected = (correction: BusinessCorrection): BusinessEvent => ({
      type: 'BusinessRecordCorrected',
      data: { businessNumber: B1, correctionId: CORRECTION_1, correction },
    });

    it.each<BusinessCorrection>([
      { field: 'name', value: 'Moselle Logistique' },
      { field: 'legalForm', value: 'SARL-S' },
      { field: 'registeredAddress', value: ESCH_ADDRESS },
    ])('records the correction of $field, linked to the request', (correction) => {
      spec
        .given([registered])
        .when(correct(correction))
        .then([corrected(correction)]);
    });

    it('corrects the record of a struck-off business', () => {
      spec
        .given([registered, struckOff])
        .when(correct({ field: 'name', value: 'Moselle Logistique' }))
        .then([corrected({ field: 'name', value: 'Moselle Logistique' })]);
    });

    it('decides nothing for a correction already applied', () => {
      spec
        .given([registered, corrected({ field: 'name', value: 'Moselle Logistique' })])
        .when(correct({ field: 'name', value: 'Moselle Logistique' }))
        .thenNothing();
    });

    it('rejects a registered office abroad and an unknown field', () => {
      spec
        .given([registered])
        .when(correct({ field: 'registeredAddress', value: METZ_ADDRESS }))
        .thenRejects('INVALID_INPUT', ['correction.value.country']);
      spec
        .given([registered])
        .when(correct({ field: 'managers', value: [] } as unknown as BusinessCorrection))
        .thenRejects('INVALID_INPUT', ['correction.field']);
    });

    it('rejects a business not registered', () => {
      spec
        .given([])
        .when(correct({ field: 'name', value: 'X Y' }))
        .thenRejects('NOT_REGISTERED', ['businessNumber']);
    });
  });

  describe('evolve', () => {
    it('folds the history into the record', () => {
      const state = evolveAll(businessDecider, [
        registered,
        {
          type: 'BusinessAddressChanged',
          data: { businessNumber: B1, registeredAddress: ESCH_ADDRESS },
        },
        {
          type: 'BusinessManagersChanged',
          data: { businessNumber: B1, managers: [{ nationalId: CARLA, role: 'director' }] },
        },
        {
          type: 'BusinessRecordCorrected',
          data: {
            businessNumber: B1,
            correctionId: CORRECTION_1,
            correction: { field: 'legalForm', value: 'SARL-S' },
          },
        },
        struckOff,
      ]);
      expect(state).toEqual({
        status: 'struck-off',
        record: {
          businessNumber: B1,
          name: 'Moselle Logistics',
          legalForm: 'SARL-S',
          registeredAddress: ESCH_ADDRESS,
          managers: [{ nationalId: CARLA, role: 'director' }],
        },
        strikeOff: { effectiveDate: '2026-01-31', ground: 'dissolution' },
        appliedCorrections: [CORRECTION_1],
      });
    });

    it('leaves the state as it is for an event that cannot apply to it', () => {
      const initial = businessDecider.initialState;
      expect(businessDecider.evolve(initial, struckOff)).toBe(initial);
      const once = businessDecider.evolve(initial, registered);
      expect(businessDecider.evolve(once, registered)).toBe(once);
    });
  });
});
