import { checkAddress } from '../../shared/address';
import type { Address } from '../../shared/address';
import type { Check } from '../../shared/check';
import { assertNever } from '../../shared/messages';
import { BUSINESS_LIMITS, LEGAL_FORMS } from './business';
import type { BusinessRecord, LegalForm } from './business';

/**
 * The fields of a business's record its managers may ask to correct: a closed set. The managers
 * themselves are not in it: appointments are filed acts, changed by `ChangeManagers`.
 */
export type BusinessCorrection =
  | { readonly field: 'name'; readonly value: string }
  | { readonly field: 'legalForm'; readonly value: LegalForm }
  | { readonly field: 'registeredAddress'; readonly value: Address };

/** The correctable fields of a business's record. */
export type BusinessCorrectableField = BusinessCorrection['field'];

/** Every correctable field of a business's record. */
export const BUSINESS_CORRECTABLE_FIELDS: readonly BusinessCorrectableField[] = [
  'name',
  'legalForm',
  'registeredAddress',
];

/** Checks and normalises a registered office: any valid address, in Luxembourg. */
export function checkRegisteredAddress(check: Check, path: string, raw: Address): Address {
  const address = checkAddress(check, path, raw);
  if (check.isValid(`${path}.country`) && address.country !== 'LU') {
    check.add(
      `${path}.country`,
      'not-in-luxembourg',
      'must be LU: the registered office is in Luxembourg',
    );
  }
  return address;
}

/** Checks and normalises a proposed correction (issues at `${path}.value…`). */
export function checkBusinessCorrection(
  check: Check,
  path: string,
  raw: BusinessCorrection,
): BusinessCorrection {
  const at = `${path}.value`;
  switch (raw.field) {
    case 'name':
      return { field: raw.field, value: check.text(at, raw.value, BUSINESS_LIMITS.name) };
    case 'legalForm':
      return { field: raw.field, value: check.oneOf(at, raw.value, LEGAL_FORMS) };
    case 'registeredAddress':
      return { field: raw.field, value: checkRegisteredAddress(check, at, raw.value) };
    default: {
      // The never check; a field that bypassed the types is a violation (400), not a crash.
      const unknownField: never = raw;
      check.add(
        `${path}.field`,
        'not-allowed',
        `must be one of ${BUSINESS_CORRECTABLE_FIELDS.join(', ')}`,
      );
      return unknownField;
    }
  }
}

/** The record with a correction applied. */
export function applyBusinessCorrection(
  record: BusinessRecord,
  correction: BusinessCorrection,
): BusinessRecord {
  switch (correction.field) {
    case 'name':
      return { ...record, name: correction.value };
    case 'legalForm':
      return { ...record, legalForm: correction.value };
    case 'registeredAddress':
      return { ...record, registeredAddress: correction.value };
    default:
      return assertNever(correction, 'business correction');
  }
}
