import type { LocalDate } from '../../shared/check';
import type { Command } from '../../shared/messages';
import type { DeregistrationGround } from './vehicle';

/** An owner as a command gives it: the number is checked. */
export type VehicleOwnerInput =
  | { readonly kind: 'person'; readonly nationalId: string }
  | { readonly kind: 'business'; readonly businessNumber: string };

/**
 * A lookup the application makes before deciding (`decide` reads nothing itself): whether the
 * owner's record is in its register and open, i.e. a living person whose data is not erased,
 * or a business not struck off. `false` refuses the owner (`unknown-owner`).
 */
export interface OwnerLookup {
  readonly ownerOnRecord: boolean;
}

/** Registers a vehicle under the registration number the registrar issued (the stream id). */
export type RegisterVehicle = Command<
  'RegisterVehicle',
  {
    readonly registrationNumber: string;
    readonly owner: VehicleOwnerInput;
    readonly make: string;
    readonly model: string;
    readonly firstRegistration: LocalDate;
  } & OwnerLookup
>;

/** Records that the vehicle now belongs to another owner. */
export type TransferOwnership = Command<
  'TransferOwnership',
  { readonly registrationNumber: string; readonly owner: VehicleOwnerInput } & OwnerLookup
>;

/** Takes the vehicle off the register. Afterwards the record no longer changes. */
export type DeregisterVehicle = Command<
  'DeregisterVehicle',
  {
    readonly registrationNumber: string;
    readonly effectiveDate: LocalDate;
    readonly ground: DeregistrationGround;
  }
>;

/** Every command of the register of vehicles. */
export type VehicleCommand = RegisterVehicle | TransferOwnership | DeregisterVehicle;
