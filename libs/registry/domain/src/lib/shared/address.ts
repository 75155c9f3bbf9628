import type { Check } from './check';

/**
 * A postal address as the registers hold it. For Luxembourg the postcode is its four digits
 * (the `L-` postal prefix is accepted on input and dropped: the country says LU already).
 */
export interface Address {
  readonly street: string;
  readonly houseNumber: string;
  readonly postcode: string;
  readonly locality: string;
  /** ISO 3166-1 alpha-2, upper case. */
  readonly country: string;
}

/** Bounds of the address fields, in characters. */
export const ADDRESS_LIMITS = { street: 100, houseNumber: 16, postcode: 10, locality: 100 };

/** Checks and normalises an address at `path` (e.g. `address`, `registeredAddress`). */
export function checkAddress(check: Check, path: string, raw: Address): Address {
  const street = check.text(`${path}.street`, raw.street, ADDRESS_LIMITS.street, {
    letters: true,
  });
  const houseNumber = check.text(
    `${path}.houseNumber`,
    raw.houseNumber,
    ADDRESS_LIMITS.houseNumber,
  );
  const postcode = checkPostcode(check, `${path}.postcode`, raw.postcode, raw.country);
  const locality = check.text(`${path}.locality`, raw.locality, ADDRESS_LIMITS.locality, {
    letters: true,
  });
  const country = check.country(`${path}.country`, raw.country);
  return { street, houseNumber, postcode, locality, country };
}

function checkPostcode(check: Check, path: string, raw: string, rawCountry: string): string {
  const value = raw.trim().toUpperCase();
  if (rawCountry.trim().toUpperCase() === 'LU') {
    const digits = /^(?:L-)?(\d{4})$/.exec(value)?.[1];
    if (digits === undefined) {
      check.add(
        path,
        'invalid-postcode',
        'must be 4 digits for Luxembourg, optionally prefixed "L-"',
      );
      return value;
    }
    return digits;
  }
  if (!/^[A-Z0-9](?:[A-Z0-9 -]{0,8}[A-Z0-9])?$/.test(value)) {
    check.add(path, 'invalid-postcode', 'must be 1 to 10 letters, digits, spaces or hyphens');
  }
  return value;
}

/** Whether two normalised addresses are the same. */
export function sameAddress(a: Address, b: Address): boolean {
  return (
    a.street === b.street &&
    a.houseNumber === b.houseNumber &&
    a.postcode === b.postcode &&
    a.locality === b.locality &&
    a.country === b.country
  );
}
