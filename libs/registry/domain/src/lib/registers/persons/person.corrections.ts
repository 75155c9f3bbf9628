import { checkAddress } from '../../shared/address';
import type { Address } from '../../shared/address';
import type { Check } from '../../shared/check';
import { assertNever } from '../../shared/messages';
import { PERSON_LIMITS, SEX_MARKERS } from './person';
import type { PersonRecord, PlaceOfBirth, SexMarker } from './person';

/**
 * The fields of a person's record its data subject may ask to correct, each with the type of
 * its value: a closed set. Left out on purpose: the birth date (the national identification
 * number encodes it, so changing it is a new number, a registrar's procedure) and the civil
 * status (it follows civil-status acts with their dates, through `ChangeCivilStatus`).
 */
export type PersonCorrection =
  | { readonly field: 'givenNames'; readonly value: string }
  | { readonly field: 'familyName'; readonly value: string }
  | { readonly field: 'placeOfBirth'; readonly value: PlaceOfBirth }
  | { readonly field: 'sex'; readonly value: SexMarker }
  | { readonly field: 'nationalities'; readonly value: readonly string[] }
  | { readonly field: 'address'; readonly value: Address };

/** The correctable fields of a person's record. */
export type PersonCorrectableField = PersonCorrection['field'];

/** Every correctable field of a person's record. */
export const PERSON_CORRECTABLE_FIELDS: readonly PersonCorrectableField[] = [
  'givenNames',
  'familyName',
  'placeOfBirth',
  'sex',
  'nationalities',
  'address',
];

/** Checks and normalises a list of nationalities at `path`. */
export function checkNationalities(
  check: Check,
  path: string,
  raw: readonly string[],
): readonly string[] {
  if (raw.length === 0) check.add(path, 'empty', 'must hold at least one nationality');
  const codes = raw.map((code, i) => check.country(`${path}[${i}]`, code));
  codes.forEach((code, i) => {
    if (codes.indexOf(code) !== i) check.add(`${path}[${i}]`, 'repeated', `repeats ${code}`);
  });
  return codes;
}

/** Checks and normalises a place of birth at `path`. */
export function checkPlaceOfBirth(check: Check, path: string, raw: PlaceOfBirth): PlaceOfBirth {
  return {
    locality: check.text(`${path}.locality`, raw.locality, PERSON_LIMITS.placeOfBirth, {
      letters: true,
    }),
    country: check.country(`${path}.country`, raw.country),
  };
}

/**
 * Checks and normalises a proposed correction; `path` is where it sits in the command
 * (issues are reported at `${path}.value…`).
 */
export function checkPersonCorrection(
  check: Check,
  path: string,
  raw: PersonCorrection,
): PersonCorrection {
  const at = `${path}.value`;
  switch (raw.field) {
    case 'givenNames':
      return {
        field: raw.field,
        value: check.text(at, raw.value, PERSON_LIMITS.givenNames, { letters: true }),
      };
    case 'familyName':
      return {
        field: raw.field,
        value: check.text(at, raw.value, PERSON_LIMITS.familyName, { letters: true }),
      };
    case 'placeOfBirth':
      return { field: raw.field, value: checkPlaceOfBirth(check, at, raw.value) };
    case 'sex':
      return { field: raw.field, value: check.oneOf(at, raw.value, SEX_MARKERS) };
    case 'nationalities':
      return { field: raw.field, value: checkNationalities(check, at, raw.value) };
    case 'address':
      return { field: raw.field, value: checkAddress(check, at, raw.value) };
    default: {
      // The never check; a field that bypassed the types (an unchecked HTTP body) is reported
      // as a violation, so the command is rejected with 400 instead of failing.
      const unknownField: never = raw;
      check.add(
        `${path}.field`,
        'not-allowed',
        `must be one of ${PERSON_CORRECTABLE_FIELDS.join(', ')}`,
      );
      return unknownField;
    }
  }
}

/** The record with a correction applied. */
export function applyPersonCorrection(
  record: PersonRecord,
  correction: PersonCorrection,
): PersonRecord {
  switch (correction.field) {
    case 'givenNames':
      return { ...record, givenNames: correction.value };
    case 'familyName':
      return { ...record, familyName: correction.value };
    case 'placeOfBirth':
      return { ...record, placeOfBirth: correction.value };
    case 'sex':
      return { ...record, sex: correction.value };
    case 'nationalities':
      return { ...record, nationalities: correction.value };
    case 'address':
      return { ...record, address: correction.value };
    default:
      return assertNever(correction, 'person correction');
  }
}
