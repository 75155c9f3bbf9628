/**
 * Pure domain code of the registry of authentic sources: the registers (persons, businesses,
 * vehicles) and correction requests, as deciders. No framework or I/O imports. See README.md.
 *
 * @packageDocumentation
 */
export {
  parseNationalId,
  composeNationalId,
  luhnCheckDigit,
  verhoeffCheckDigit,
} from './lib/national-id';
export type { NationalId, NationalIdProblem, NationalIdResult } from './lib/national-id';

export { assertNever } from './lib/shared/messages';
export type { Command, CommandMetadata, Event } from './lib/shared/messages';
export type { RegistryRejectionCode } from './lib/shared/rejection';
export { REGISTER_TIME_ZONE, isLocalDate, registerToday } from './lib/shared/check';
export type { LocalDate } from './lib/shared/check';
export { ADDRESS_LIMITS } from './lib/shared/address';
export type { Address } from './lib/shared/address';
export { ISO_3166_ALPHA_2, isCountryCode } from './lib/shared/country-codes';

export { REGISTER_NAMES } from './lib/registers/registers';
export type { RegisterName } from './lib/registers/registers';
export * from './lib/registers/persons';
export * from './lib/registers/businesses';
export * from './lib/registers/vehicles';
export * from './lib/corrections';
