import type { LocalDate } from '../../shared/check';
import type { Event } from '../../shared/messages';
import type { DeregistrationGround, RegistrationNumber, VehicleOwner } from './vehicle';

// As for persons and businesses: each event names its record and carries the whole new value
// of what changed (the complete owner), never a diff or the previous value.

/** A vehicle was entered in the register. */
export type VehicleRegistered = Event<
  'VehicleRegistered',
  {
    readonly registrationNumber: RegistrationNumber;
    readonly owner: VehicleOwner;
    readonly make: string;
    readonly model: string;
    readonly firstRegistration: LocalDate;
  }
>;

/** The vehicle changed hands; the new owner. */
export type VehicleOwnershipTransferred = Event<
  'VehicleOwnershipTransferred',
  { readonly registrationNumber: RegistrationNumber; readonly owner: VehicleOwner }
>;

/** The vehicle left the register. The record is closed. */
export type VehicleDeregistered = Event<
  'VehicleDeregistered',
  {
    readonly registrationNumber: RegistrationNumber;
    readonly effectiveDate: LocalDate;
    readonly ground: DeregistrationGround;
  }
>;

/** Every event of the register of vehicles. */
export type VehicleEvent = VehicleRegistered | VehicleOwnershipTransferred | VehicleDeregistered;
