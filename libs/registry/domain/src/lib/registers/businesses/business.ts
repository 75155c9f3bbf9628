import type { Address } from '../../shared/address';
import type { LocalDate } from '../../shared/check';
import type { NationalId } from '../../national-id';

/**
 * A business's number in the trade and companies register: `B` and 1 to 6 digits without a
 * leading zero (`B123456`), so every business has exactly one spelling of its number. Assigned
 * by the application; it is the stream id.
 */
export type BusinessNumber = string & { readonly __brand: 'BusinessNumber' };

/** Whether `value` is a well-formed business number. */
export function isBusinessNumber(value: string): value is BusinessNumber {
  return /^B[1-9]\d{0,5}$/.test(value);
}

/**
 * Legal forms under Luxembourg law: public and private limited companies (SA, SARL, simplified
 * SARL-S, simplified SAS), partnerships (SCA, SCS, special SCSp, SNC), cooperatives (SC),
 * European companies (SE), non-profit associations (ASBL), and sole traders.
 */
export type LegalForm =
  | 'SA'
  | 'SARL'
  | 'SARL-S'
  | 'SAS'
  | 'SCA'
  | 'SCS'
  | 'SCSp'
  | 'SNC'
  | 'SC'
  | 'SE'
  | 'ASBL'
  | 'SOLE_TRADER';
/** Every legal form, for validation. */
export const LEGAL_FORMS: readonly LegalForm[] = [
  'SA',
  'SARL',
  'SARL-S',
  'SAS',
  'SCA',
  'SCS',
  'SCSp',
  'SNC',
  'SC',
  'SE',
  'ASBL',
  'SOLE_TRADER',
];

/**
 * The capacity in which a person manages a business: `manager` (gérant of a SARL), `director`
 * (board member of an SA), `managing-director` (administrateur délégué), `daily-manager`
 * (délégué à la gestion journalière).
 */
export type ManagerRole = 'manager' | 'director' | 'managing-director' | 'daily-manager';
/** Every manager role, for validation. */
export const MANAGER_ROLES: readonly ManagerRole[] = [
  'manager',
  'director',
  'managing-director',
  'daily-manager',
];

/**
 * A natural person who manages the business, by national identification number. One entry per
 * person. (Legal persons as managers are a later addition, as a new kind of entry.)
 */
export interface Manager {
  readonly nationalId: NationalId;
  readonly role: ManagerRole;
}

/** Why a business left the register. */
export type StrikeOffGround = 'dissolution' | 'bankruptcy' | 'merger' | 'administrative';
/** Every strike-off ground, for validation. */
export const STRIKE_OFF_GROUNDS: readonly StrikeOffGround[] = [
  'dissolution',
  'bankruptcy',
  'merger',
  'administrative',
];

/** Bounds of the business fields. */
export const BUSINESS_LIMITS = { name: 200, managers: 100 };

/** A business's record as the register holds it: what `evolve` folds the stream into. */
export interface BusinessRecord {
  readonly businessNumber: BusinessNumber;
  readonly name: string;
  readonly legalForm: LegalForm;
  /** The registered office, in Luxembourg. */
  readonly registeredAddress: Address;
  /** At least one; sorted by national identification number. */
  readonly managers: readonly Manager[];
}

/** A strike-off, as recorded. */
export interface StrikeOff {
  readonly effectiveDate: LocalDate;
  readonly ground: StrikeOffGround;
}
