import { parseNationalId } from '../national-id';
import type { NationalId } from '../national-id';
import type { Check } from './check';

/** Checks a national identification number (format, birth date, both check digits). */
export function checkNationalId(check: Check, path: string, raw: string): NationalId {
  const parsed = parseNationalId(raw.trim());
  if (!parsed.ok) {
    check.add(
      path,
      'invalid-national-id',
      `is not a valid national identification number: ${parsed.problem.detail}`,
    );
    return raw as NationalId;
  }
  return parsed.value;
}
