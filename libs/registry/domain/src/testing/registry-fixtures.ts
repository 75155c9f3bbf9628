import { composeNationalId } from '../lib/national-id';
import type { Address } from '../lib/shared/address';
import type { CommandMetadata } from '../lib/shared/messages';

/** The time of every decision in the tests, unless a test is about time. */
export const NOW = new Date('2026-03-01T10:00:00.000Z');
/** Command metadata at `NOW`. */
export const AT_NOW: CommandMetadata = { now: NOW };

/** The people of the tests; each test file uses its own ids where streams could clash. */
export const ANNA = composeNationalId('1983-08-12', 467);
export const BEN = composeNationalId('1990-01-31', 12);
export const CARLA = composeNationalId('1975-06-03', 5);
export const DAVID = composeNationalId('1968-11-20', 321);

/** A Luxembourg address in normalised form. */
export const LUXEMBOURG_ADDRESS: Address = {
  street: 'Boulevard Royal',
  houseNumber: '12A',
  postcode: '2449',
  locality: 'Luxembourg',
  country: 'LU',
};

/** Another Luxembourg address in normalised form. */
export const ESCH_ADDRESS: Address = {
  street: "Rue de l'Alzette",
  houseNumber: '7',
  postcode: '4011',
  locality: 'Esch-sur-Alzette',
  country: 'LU',
};

/** An address abroad in normalised form. */
export const METZ_ADDRESS: Address = {
  street: 'Rue Serpenoise',
  houseNumber: '3',
  postcode: '57000',
  locality: 'Metz',
  country: 'FR',
};

/** Correction ids (UUIDs, as the application assigns them). */
export const CORRECTION_1 = '6f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7';
export const CORRECTION_2 = '0a1b2c3d-4e5f-4a6b-9c7d-8e9fa0b1c2d3';
