/**
 * The national identification number of a natural person, as in Luxembourg's national
 * register: 13 digits, `YYYYMMDD` (birth date), a 3-digit sequence, a Luhn check digit and a
 * Verhoeff check digit, both computed over the first 11 digits. Example: `1983081246785`.
 */
export type NationalId = string & { readonly __brand: 'NationalId' };

/** Why a string is not a valid national identification number. */
export type NationalIdProblem =
  | { readonly kind: 'format'; readonly detail: string }
  | { readonly kind: 'birth-date'; readonly detail: string }
  | { readonly kind: 'luhn'; readonly detail: string }
  | { readonly kind: 'verhoeff'; readonly detail: string };

export type NationalIdResult =
  | { readonly ok: true; readonly value: NationalId }
  | { readonly ok: false; readonly problem: NationalIdProblem };

/** Luhn (mod 10) check digit for a string of digits. */
export function luhnCheckDigit(digits: string): number {
  let sum = 0;
  // Walking from the right, the digit next to the (future) check digit is doubled first.
  for (let i = 0; i < digits.length; i += 1) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return (10 - (sum % 10)) % 10;
}

// Verhoeff's dihedral group D5: multiplication, permutation and inverse tables.
const D: readonly (readonly number[])[] = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const P: readonly (readonly number[])[] = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];
const INV: readonly number[] = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9];

const at = (table: readonly number[], index: number): number => {
  const value = table[index];
  if (value === undefined) throw new RangeError(`table index ${index} out of range`);
  return value;
};

/** Verhoeff check digit for a string of digits. */
export function verhoeffCheckDigit(digits: string): number {
  let c = 0;
  for (let i = 0; i < digits.length; i += 1) {
    const digit = Number(digits[digits.length - 1 - i]);
    const permutation = P[(i + 1) % 8];
    const row = D[c];
    if (!permutation || !row) throw new RangeError('Verhoeff tables are incomplete');
    c = at(row, at(permutation, digit));
  }
  return at(INV, c);
}

/** Validates a national identification number: format, birth date and both check digits. */
export function parseNationalId(input: string): NationalIdResult {
  if (!/^\d{13}$/.test(input)) {
    return { ok: false, problem: { kind: 'format', detail: 'must be exactly 13 digits' } };
  }
  const year = Number(input.slice(0, 4));
  const month = Number(input.slice(4, 6));
  const day = Number(input.slice(6, 8));
  const date = new Date(Date.UTC(year, month - 1, day));
  if (
    year < 1850 ||
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day
  ) {
    return {
      ok: false,
      problem: {
        kind: 'birth-date',
        detail: `digits 1-8 are not a valid birth date (${input.slice(0, 8)})`,
      },
    };
  }
  const payload = input.slice(0, 11);
  if (luhnCheckDigit(payload) !== Number(input[11])) {
    return {
      ok: false,
      problem: { kind: 'luhn', detail: 'the Luhn check digit (12th) does not match' },
    };
  }
  if (verhoeffCheckDigit(payload) !== Number(input[12])) {
    return {
      ok: false,
      problem: { kind: 'verhoeff', detail: 'the Verhoeff check digit (13th) does not match' },
    };
  }
  return { ok: true, value: input as NationalId };
}

/**
 * Builds the national identification number for a birth date (`YYYY-MM-DD`) and a sequence
 * number (0-999) by appending both check digits. The registry picks the sequence.
 */
export function composeNationalId(birthDate: string, sequence: number): NationalId {
  if (!Number.isInteger(sequence) || sequence < 0 || sequence > 999) {
    throw new RangeError(`sequence must be an integer 0-999, got ${sequence}`);
  }
  const payload = `${birthDate.replace(/-/g, '')}${String(sequence).padStart(3, '0')}`;
  const id = `${payload}${luhnCheckDigit(payload)}${verhoeffCheckDigit(payload)}`;
  const parsed = parseNationalId(id);
  if (!parsed.ok) throw new RangeError(`cannot compose a national id: ${parsed.problem.detail}`);
  return parsed.value;
}
