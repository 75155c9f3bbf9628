import { DeciderSpecification, evolveAll } from '@gov/platform-decider';

import { ANNA, AT_NOW, BEN } from '../../../testing/registry-fixtures';
import type { BusinessNumber } from '../businesses/business';
import type { DeregistrationGround, RegistrationNumber } from './vehicle';
import type { RegisterVehicle, VehicleCommand, VehicleOwnerInput } from './vehicle.commands';
import { vehicleDecider } from './vehicle.decider';
import type { VehicleEvent, VehicleRegistered } from './vehicle.events';

const spec = DeciderSpecification.for(vehicleDecider);
const AB = 'AB1234' as RegistrationNumber;
const B1 = 'B123456' as BusinessNumber;

const register = (overrides: Partial<RegisterVehicle['data']> = {}): RegisterVehicle => ({
  type: 'RegisterVehicle',
  data: {
    registrationNumber: 'ab 1234',
    owner: { kind: 'person', nationalId: ANNA },
    make: ' Renault ',
    model: 'Zoe',
    firstRegistration: '2021-04-15',
    ownerOnRecord: true,
    ...overrides,
  },
  metadata: AT_NOW,
});

const registered: VehicleRegistered = {
  type: 'VehicleRegistered',
  data: {
    registrationNumber: AB,
    owner: { kind: 'person', nationalId: ANNA },
    make: 'Renault',
    model: 'Zoe',
    firstRegistration: '2021-04-15',
  },
};

const deregisteredEvent: VehicleEvent = {
  type: 'VehicleDeregistered',
  data: { registrationNumber: AB, effectiveDate: '2026-02-20', ground: 'scrapped' },
};

const command = <C extends VehicleCommand>(type: C['type'], data: C['data']): C =>
  ({ type, data, metadata: AT_NOW }) as C;

const transfer = (owner: VehicleOwnerInput, ownerOnRecord = true) =>
  command('TransferOwnership', { registrationNumber: AB, owner, ownerOnRecord });

describe('register of vehicles', () => {
  describe('RegisterVehicle', () => {
    it('registers the vehicle under the kept form of its number, the text normalised', () => {
      spec.given([]).when(register()).then([registered]);
    });

    it('registers a vehicle owned by a business', () => {
      spec
        .given([])
        .when(
          register({
            registrationNumber: 'AB-1234',
            owner: { kind: 'business', businessNumber: B1 },
          }),
        )
        .then([
          {
            ...registered,
            data: { ...registered.data, owner: { kind: 'business', businessNumber: B1 } },
          },
        ]);
    });

    it('rejects a second registration of the same number', () => {
      spec
        .given([registered])
        .when(register())
        .thenRejects('ALREADY_REGISTERED', ['registrationNumber']);
    });

    it('rejects every malformed field at once', () => {
      spec
        .given([])
        .when(
          register({
            registrationNumber: 'ABC 12',
            owner: { kind: 'person', nationalId: '1983081246780' },
            make: '  ',
            model: 'x'.repeat(81),
            firstRegistration: '2026-03-02',
          }),
        )
        .thenRejects('INVALID_INPUT', [
          'registrationNumber',
          'owner.nationalId',
          'make',
          'model',
          'firstRegistration',
        ]);
    });

    it('refuses an owner who is not on record, once the input is valid, naming the owner field', () => {
      const rejection = spec
        .given([])
        .when(register({ ownerOnRecord: false }))
        .thenRejects('OWNER_NOT_ON_RECORD', ['owner.nationalId']);
      expect(rejection.fields[0]?.code).toBe('unknown-owner');
      spec
        .given([])
        .when(
          register({ owner: { kind: 'business', businessNumber: 'B123' }, ownerOnRecord: false }),
        )
        .thenRejects('OWNER_NOT_ON_RECORD', ['owner.businessNumber']);
      spec
        .given([])
        .when(register({ registrationNumber: 'A1', ownerOnRecord: false }))
        .thenRejects('INVALID_INPUT', ['registrationNumber']);
    });

    it('rejects an owner kind the types do not know', () => {
      spec
        .given([])
        .when(register({ owner: { kind: 'association' } as unknown as VehicleOwnerInput }))
        .thenRejects('INVALID_INPUT', ['owner.kind']);
    });
  });

  describe('TransferOwnership', () => {
    it('records the new owner', () => {
      spec
        .given([registered])
        .when(transfer({ kind: 'person', nationalId: BEN }))
        .then([
          {
            type: 'VehicleOwnershipTransferred',
            data: { registrationNumber: AB, owner: { kind: 'person', nationalId: BEN } },
          },
        ]);
    });

    it('decides nothing when the owner is already the one named', () => {
      spec
        .given([registered])
        .when(transfer({ kind: 'person', nationalId: ` ${ANNA}` }))
        .thenNothing();
    });

    it('rejects a new owner not on record', () => {
      spec
        .given([registered])
        .when(transfer({ kind: 'business', businessNumber: B1 }, false))
        .thenRejects('OWNER_NOT_ON_RECORD', ['owner.businessNumber']);
    });

    it('rejects a vehicle not registered, and a deregistered one', () => {
      spec
        .given([])
        .when(transfer({ kind: 'person', nationalId: BEN }))
        .thenRejects('NOT_REGISTERED', ['registrationNumber']);
      spec
        .given([registered, deregisteredEvent])
        .when(transfer({ kind: 'person', nationalId: BEN }))
        .thenRejects('VEHICLE_DEREGISTERED', ['registrationNumber']);
    });
  });

  describe('DeregisterVehicle', () => {
    const deregister = (effectiveDate = '2026-02-20', ground: DeregistrationGround = 'scrapped') =>
      command('DeregisterVehicle', { registrationNumber: AB, effectiveDate, ground });

    it('deregisters the vehicle with the date and the ground', () => {
      spec.given([registered]).when(deregister()).then([deregisteredEvent]);
    });

    it('decides nothing when the same deregistration is recorded again', () => {
      spec.given([registered, deregisteredEvent]).when(deregister()).thenNothing();
    });

    it('rejects a different deregistration once deregistered', () => {
      spec
        .given([registered, deregisteredEvent])
        .when(deregister('2026-02-20', 'exported'))
        .thenRejects('VEHICLE_DEREGISTERED', ['registrationNumber']);
    });

    it('rejects a date in the future or before the first registration, and an unknown ground', () => {
      spec
        .given([registered])
        .when(deregister('2026-03-02', 'sunk' as DeregistrationGround))
        .thenRejects('INVALID_INPUT', ['effectiveDate', 'ground']);
      spec
        .given([registered])
        .when(deregister('2020-01-01'))
        .thenRejects('INVALID_INPUT', ['effectiveDate']);
    });

    it('rejects a vehicle not registered', () => {
      spec.given([]).when(deregister()).thenRejects('NOT_REGISTERED', ['registrationNumber']);
    });
  });

  describe('evolve', () => {
    it('folds the history into the record', () => {
      const state = evolveAll(vehicleDecider, [
        registered,
        {
          type: 'VehicleOwnershipTransferred',
          data: { registrationNumber: AB, owner: { kind: 'business', businessNumber: B1 } },
        },
        deregisteredEvent,
      ]);
      expect(state).toEqual({
        status: 'deregistered',
        record: { ...registered.data, owner: { kind: 'business', businessNumber: B1 } },
        deregistration: { effectiveDate: '2026-02-20', ground: 'scrapped' },
      });
    });

    it('leaves the state as it is for an event that cannot apply to it', () => {
      const initial = vehicleDecider.initialState;
      expect(vehicleDecider.evolve(initial, deregisteredEvent)).toBe(initial);
      const once = vehicleDecider.evolve(initial, registered);
      expect(vehicleDecider.evolve(once, registered)).toBe(once);
    });
  });
});
