import type { Address } from '../../shared/address';
import type { LocalDate } from '../../shared/check';
import type { NationalId } from '../../national-id';

/**
 * The sex marker as the register of natural persons holds it, with the ICAO 9303 letters used
 * on travel documents: `F`, `M`, or `X` (unspecified).
 */
export type SexMarker = 'F' | 'M' | 'X';
/** Every sex marker, for validation. */
export const SEX_MARKERS: readonly SexMarker[] = ['F', 'M', 'X'];

/**
 * Civil status as recorded from civil-status acts. `partnered` is a declared partnership
 * (PACS); `separated` is a legal separation (séparation de corps), still married.
 */
export type CivilStatus = 'single' | 'married' | 'partnered' | 'separated' | 'divorced' | 'widowed';
/** Every civil status, for validation. */
export const CIVIL_STATUSES: readonly CivilStatus[] = [
  'single',
  'married',
  'partnered',
  'separated',
  'divorced',
  'widowed',
];

/**
 * Which civil status can follow which, as acts of civil status produce them. Anything else is
 * either an error in the record (a correction) or an error in the command (rejected).
 */
export const CIVIL_STATUS_TRANSITIONS: Readonly<Record<CivilStatus, readonly CivilStatus[]>> = {
  // A declared partnership is dissolved by declaration, by marriage, or by death.
  single: ['married', 'partnered'],
  married: ['separated', 'divorced', 'widowed'],
  partnered: ['single', 'married'],
  separated: ['married', 'divorced', 'widowed'],
  divorced: ['married', 'partnered'],
  widowed: ['married', 'partnered'],
};

/** Where a person was born, when the register knows it. */
export interface PlaceOfBirth {
  readonly locality: string;
  /** ISO 3166-1 alpha-2, upper case. */
  readonly country: string;
}

/** A person's name as the register holds it. */
export interface PersonName {
  /** All given names in order, separated by spaces (e.g. "Marie Josée"). */
  readonly givenNames: string;
  readonly familyName: string;
}

/** Bounds of the person fields, in characters. */
export const PERSON_LIMITS = {
  givenNames: 100,
  familyName: 100,
  placeOfBirth: 100,
  legalGround: 500,
};

/** A person's record as the register holds it: what `evolve` folds the stream into. */
export interface PersonRecord extends PersonName {
  readonly nationalId: NationalId;
  readonly birthDate: LocalDate;
  /** `null` when the register does not know it. */
  readonly placeOfBirth: PlaceOfBirth | null;
  readonly sex: SexMarker;
  /** ISO 3166-1 alpha-2 codes, at least one, no duplicates, in the order registered. */
  readonly nationalities: readonly string[];
  readonly address: Address;
  readonly civilStatus: CivilStatus;
  /** When the current civil status took effect; `null` when the register does not know it. */
  readonly civilStatusSince: LocalDate | null;
}
