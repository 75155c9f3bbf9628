/** Pure domain code of the registry of authentic sources. No framework or I/O imports. */
export {
  parseNationalId,
  composeNationalId,
  luhnCheckDigit,
  verhoeffCheckDigit,
} from './lib/national-id';
export type { NationalId, NationalIdProblem, NationalIdResult } from './lib/national-id';
