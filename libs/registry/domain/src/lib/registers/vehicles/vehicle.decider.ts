import { DomainRejection } from '@gov/platform-decider';
import type { Decider } from '@gov/platform-decider';

import { Check } from '../../shared/check';
import { checkNationalId } from '../../shared/identifiers';
import { assertNever } from '../../shared/messages';
import type { RegistryRejectionCode } from '../../shared/rejection';
import { isBusinessNumber } from '../businesses/business';
import type { BusinessNumber } from '../businesses/business';
import {
  DEREGISTRATION_GROUNDS,
  VEHICLE_LIMITS,
  isRegistrationNumber,
  normaliseRegistrationNumber,
} from './vehicle';
import type { Deregistration, RegistrationNumber, VehicleOwner, VehicleRecord } from './vehicle';
import type {
  DeregisterVehicle,
  OwnerLookup,
  RegisterVehicle,
  TransferOwnership,
  VehicleCommand,
  VehicleOwnerInput,
} from './vehicle.commands';
import type { VehicleEvent } from './vehicle.events';

/** The state of one vehicle's stream, folded from its events by `evolveVehicle`. */
export type VehicleState =
  | { readonly status: 'unregistered' }
  | { readonly status: 'registered'; readonly record: VehicleRecord }
  | {
      readonly status: 'deregistered';
      readonly record: VehicleRecord;
      readonly deregistration: Deregistration;
    };

type OnRecord = Exclude<VehicleState, { status: 'unregistered' }>;

/** The state of a stream with no events. */
export function initialVehicleState(): VehicleState {
  return { status: 'unregistered' };
}

/**
 * Decides what a command on one vehicle's record produces. Pure; throws `DomainRejection`. A
 * command whose effect is already in place decides no events; one that contradicts the record
 * is rejected.
 */
export function decideVehicle(command: VehicleCommand, state: VehicleState): VehicleEvent[] {
  switch (command.type) {
    case 'RegisterVehicle':
      return registerVehicle(command, state);
    case 'TransferOwnership':
      return transferOwnership(command, state);
    case 'DeregisterVehicle':
      return deregisterVehicle(command, state);
    default:
      return assertNever(command, 'vehicle command');
  }
}

function registerVehicle({ data, metadata }: RegisterVehicle, state: VehicleState): VehicleEvent[] {
  if (state.status !== 'unregistered') {
    throw new DomainRejection<RegistryRejectionCode>(
      'ALREADY_REGISTERED',
      `vehicle ${state.record.registrationNumber} is already registered`,
      [
        {
          field: 'registrationNumber',
          code: 'already-registered',
          message: 'is already registered',
        },
      ],
    );
  }
  const check = new Check();
  const registrationNumber = checkRegistrationNumber(check, data.registrationNumber);
  const owner = checkOwner(check, data.owner);
  const make = check.text('make', data.make, VEHICLE_LIMITS.make, { letters: true });
  const model = check.text('model', data.model, VEHICLE_LIMITS.model);
  const firstRegistration = check.pastDate(
    'firstRegistration',
    data.firstRegistration,
    metadata.now,
  );
  check.rejectIfAny('RegisterVehicle');
  requireOwnerOnRecord(owner, data);
  return [
    {
      type: 'VehicleRegistered',
      data: { registrationNumber, owner, make, model, firstRegistration },
    },
  ];
}

function transferOwnership({ data }: TransferOwnership, state: VehicleState): VehicleEvent[] {
  const { record } = registered(state);
  const check = new Check();
  const owner = checkOwner(check, data.owner);
  check.rejectIfAny('TransferOwnership');
  if (sameOwner(owner, record.owner)) return [];
  requireOwnerOnRecord(owner, data);
  return [
    {
      type: 'VehicleOwnershipTransferred',
      data: { registrationNumber: record.registrationNumber, owner },
    },
  ];
}

function deregisterVehicle(
  { data, metadata }: DeregisterVehicle,
  state: VehicleState,
): VehicleEvent[] {
  const { record } = onRecord(state);
  const check = new Check();
  const effectiveDate = check.pastDate('effectiveDate', data.effectiveDate, metadata.now);
  const ground = check.oneOf('ground', data.ground, DEREGISTRATION_GROUNDS);
  if (check.isValid('effectiveDate') && effectiveDate < record.firstRegistration) {
    check.add(
      'effectiveDate',
      'before-first-registration',
      'must not be before the first registration',
    );
  }
  check.rejectIfAny('DeregisterVehicle');
  if (state.status === 'deregistered') {
    const { deregistration } = state;
    if (deregistration.effectiveDate === effectiveDate && deregistration.ground === ground) {
      return [];
    }
    throw deregistered(record.registrationNumber, deregistration);
  }
  return [
    {
      type: 'VehicleDeregistered',
      data: { registrationNumber: record.registrationNumber, effectiveDate, ground },
    },
  ];
}

/** Checks a registration number as written (`ab 1234`) and returns its kept form. */
function checkRegistrationNumber(check: Check, raw: string): RegistrationNumber {
  const value = normaliseRegistrationNumber(raw);
  if (!isRegistrationNumber(value)) {
    check.add(
      'registrationNumber',
      'invalid-registration-number',
      'must be two letters and four digits, e.g. AB 1234',
    );
  }
  return value as RegistrationNumber;
}

/** Checks the owner's number. */
function checkOwner(check: Check, raw: VehicleOwnerInput): VehicleOwner {
  let owner: VehicleOwner;
  let path: string;
  switch (raw.kind) {
    case 'person':
      path = 'owner.nationalId';
      owner = { kind: 'person', nationalId: checkNationalId(check, path, raw.nationalId) };
      break;
    case 'business': {
      path = 'owner.businessNumber';
      const businessNumber = raw.businessNumber.trim();
      if (!isBusinessNumber(businessNumber)) {
        check.add(
          path,
          'invalid-business-number',
          'must be B followed by 1 to 6 digits, without a leading zero',
        );
      }
      owner = { kind: 'business', businessNumber: businessNumber as BusinessNumber };
      break;
    }
    default: {
      // The never check; an owner kind that bypassed the types is a violation (400), not a crash.
      const unknownOwner: never = raw;
      check.add('owner.kind', 'not-allowed', 'must be person or business');
      return unknownOwner;
    }
  }
  return owner;
}

/**
 * Refuses, once the input is valid, an owner the application did not find on record: a valid
 * request that the registers' state refuses (`OWNER_NOT_ON_RECORD`), not malformed input.
 */
function requireOwnerOnRecord(owner: VehicleOwner, lookup: OwnerLookup): void {
  if (lookup.ownerOnRecord) return;
  const [field, message] =
    owner.kind === 'person'
      ? ['owner.nationalId', 'names no living person of the register of natural persons']
      : ['owner.businessNumber', 'names no business on the register of businesses'];
  throw new DomainRejection<RegistryRejectionCode>(
    'OWNER_NOT_ON_RECORD',
    `the owner ${field} ${message}`,
    [{ field, code: 'unknown-owner', message }],
  );
}

function sameOwner(a: VehicleOwner, b: VehicleOwner): boolean {
  if (a.kind === 'person') return b.kind === 'person' && a.nationalId === b.nationalId;
  return b.kind === 'business' && a.businessNumber === b.businessNumber;
}

function onRecord(state: VehicleState): OnRecord {
  if (state.status === 'unregistered') {
    throw new DomainRejection<RegistryRejectionCode>(
      'NOT_REGISTERED',
      'no vehicle is registered with this number',
      [{ field: 'registrationNumber', code: 'not-registered', message: 'is not registered' }],
    );
  }
  return state;
}

function registered(state: VehicleState): OnRecord & { status: 'registered' } {
  const current = onRecord(state);
  if (current.status === 'deregistered') {
    throw deregistered(current.record.registrationNumber, current.deregistration);
  }
  return current;
}

function deregistered(
  registrationNumber: RegistrationNumber,
  deregistration: Deregistration,
): DomainRejection<RegistryRejectionCode> {
  return new DomainRejection<RegistryRejectionCode>(
    'VEHICLE_DEREGISTERED',
    `vehicle ${registrationNumber} was deregistered on ${deregistration.effectiveDate} (${deregistration.ground}); the record is closed`,
    [{ field: 'registrationNumber', code: 'deregistered', message: 'is deregistered' }],
  );
}

/**
 * Folds one event into the state. Total: an event that cannot apply to the state leaves it as
 * it is (see `evolvePerson`).
 */
export function evolveVehicle(state: VehicleState, event: VehicleEvent): VehicleState {
  switch (event.type) {
    case 'VehicleRegistered':
      if (state.status !== 'unregistered') return state;
      return { status: 'registered', record: { ...event.data } };
    case 'VehicleOwnershipTransferred':
      if (state.status === 'unregistered') return state;
      return { ...state, record: { ...state.record, owner: event.data.owner } };
    case 'VehicleDeregistered':
      if (state.status === 'unregistered') return state;
      return {
        status: 'deregistered',
        record: state.record,
        deregistration: { effectiveDate: event.data.effectiveDate, ground: event.data.ground },
      };
    default:
      return assertNever(event, 'vehicle event');
  }
}

/**
 * The register of vehicles as a decider: one stream per vehicle, its id the registration
 * number (`AB1234`).
 */
export const vehicleDecider: Decider<VehicleCommand, VehicleEvent, VehicleState> = {
  decide: decideVehicle,
  evolve: evolveVehicle,
  // Shared by every load: states are immutable values.
  initialState: initialVehicleState(),
};
