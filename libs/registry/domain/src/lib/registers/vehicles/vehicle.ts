import type { LocalDate } from '../../shared/check';
import type { NationalId } from '../../national-id';
import type { BusinessNumber } from '../businesses/business';

/**
 * A vehicle's registration number, as the register keeps it: two letters and four digits
 * (`AB1234`), upper case, without the space of the plate (`AB 1234`), so every vehicle has
 * exactly one spelling of its number. Chosen by the registrar (a plate is issued, not
 * allocated); it is the record id.
 */
export type RegistrationNumber = string & { readonly __brand: 'RegistrationNumber' };

/** Whether `value` is a registration number in its kept form (`AB1234`). */
export function isRegistrationNumber(value: string): value is RegistrationNumber {
  return /^[A-Z]{2}\d{4}$/.test(value);
}

/**
 * The kept form of a registration number as people write it (`ab 1234`, `AB-1234`): upper
 * case, spaces and hyphens removed. It may still not be one (check with
 * {@link isRegistrationNumber}).
 */
export function normaliseRegistrationNumber(raw: string): string {
  return raw
    .trim()
    .toUpperCase()
    .replace(/[\s-]+/gu, '');
}

/**
 * Who owns a vehicle (its holder of record): a natural person, by national identification
 * number, or a business, by business number. A reference only: the vehicle's record never
 * copies the owner's name or address, which stay in their own register.
 */
export type VehicleOwner =
  | { readonly kind: 'person'; readonly nationalId: NationalId }
  | { readonly kind: 'business'; readonly businessNumber: BusinessNumber };

/** Why a vehicle left the register. */
export type DeregistrationGround = 'scrapped' | 'exported' | 'stolen' | 'withdrawn';

/** Every deregistration ground, for validation. */
export const DEREGISTRATION_GROUNDS: readonly DeregistrationGround[] = [
  'scrapped',
  'exported',
  'stolen',
  'withdrawn',
];

/** Bounds of the vehicle fields, in characters. */
export const VEHICLE_LIMITS = { make: 50, model: 80 };

/** A vehicle's record as the register holds it: what `evolve` folds the stream into. */
export interface VehicleRecord {
  readonly registrationNumber: RegistrationNumber;
  readonly owner: VehicleOwner;
  /** The manufacturer, e.g. `Renault`. */
  readonly make: string;
  /** The commercial name, e.g. `Zoe`. */
  readonly model: string;
  /** The date of first registration (anywhere), `YYYY-MM-DD`. */
  readonly firstRegistration: LocalDate;
}

/** A deregistration, as recorded. */
export interface Deregistration {
  readonly effectiveDate: LocalDate;
  readonly ground: DeregistrationGround;
}
