import { z } from 'zod';

import {
  BUSINESS_LIMITS,
  LEGAL_FORMS,
  MANAGER_ROLES,
  STRIKE_OFF_GROUNDS,
} from '@gov/registry-domain';

import { Address, LuxembourgAddress, NationalIdParam, localDate, text } from './common.dto';

const LegalForm = z.enum(LEGAL_FORMS).describe('Legal form under Luxembourg law');

const Manager = z
  .strictObject({
    nationalId: NationalIdParam.describe(
      'The manager’s national identification number: 13 digits; the check digits are verified',
    ),
    role: z.enum(MANAGER_ROLES).describe('The capacity in which they manage'),
  })
  .describe('A person who manages the business');

const Managers = z
  .array(Manager)
  .min(1)
  .max(BUSINESS_LIMITS.managers)
  .describe('The complete list: at least one, at most 100, each person once');

const RegisteredAddress = LuxembourgAddress.describe('The registered office; in Luxembourg');

export const RegisterBusinessBody = z
  .strictObject({
    name: text(BUSINESS_LIMITS.name)
      .describe(`Registered name; at most ${BUSINESS_LIMITS.name} characters`)
      .meta({ example: 'Moselle Logistics' }),
    legalForm: LegalForm,
    registeredAddress: RegisteredAddress,
    managers: Managers,
  })
  .describe('A business to register; the registry assigns the business number');
/** The parsed RegisterBusinessBody. */
export type RegisterBusinessDto = z.output<typeof RegisterBusinessBody>;

export const ChangeBusinessAddressBody = z
  .strictObject({ registeredAddress: RegisteredAddress })
  .describe('The new registered office');
/** The parsed ChangeBusinessAddressBody. */
export type ChangeBusinessAddressDto = z.output<typeof ChangeBusinessAddressBody>;

export const ChangeManagersBody = z
  .strictObject({ managers: Managers })
  .describe('The managers as they now are (replaces the list)');
/** The parsed ChangeManagersBody. */
export type ChangeManagersDto = z.output<typeof ChangeManagersBody>;

export const StrikeOffBody = z
  .strictObject({
    effectiveDate: localDate('When the strike-off took effect', '2026-02-27'),
    ground: z.enum(STRIKE_OFF_GROUNDS).describe('Why the business leaves the register'),
  })
  .describe('The strike-off of the business');
/** The parsed StrikeOffBody. */
export type StrikeOffDto = z.output<typeof StrikeOffBody>;

export const BusinessWritten = z
  .object({
    businessNumber: z.string().meta({ example: 'B123456' }),
    version: z.int().describe('The record’s version now (also the ETag)').meta({ example: 1 }),
    changed: z.boolean().describe('false when the record already said so (nothing was recorded)'),
  })
  .describe('The record after the write');

export const BusinessView = z
  .object({
    businessNumber: z.string().meta({ example: 'B123456' }),
    status: z.enum(['active', 'struck-off']),
    version: z.int().describe('The record’s version (also the ETag)'),
    name: z.string(),
    legalForm: LegalForm,
    registeredAddress: Address,
    managers: z.array(Manager),
    strikeOff: z
      .object({ effectiveDate: z.string(), ground: z.enum(STRIKE_OFF_GROUNDS) })
      .nullable(),
  })
  // An agency receives only the fields its legal basis allows; the others are absent.
  .partial({
    name: true,
    legalForm: true,
    registeredAddress: true,
    managers: true,
    strikeOff: true,
  })
  .describe(
    'A business’s record. An agency receives only the fields its legal basis allows: the ' +
      'others are absent.',
  );

export const ManagedBusinesses = z
  .object({
    nationalId: z.string().meta({ example: '1983081246785' }),
    businesses: z
      .array(
        z.object({
          businessNumber: z.string().meta({ example: 'B123456' }),
          name: z.string().meta({ example: 'Moselle Logistics' }),
          legalForm: LegalForm,
          status: z.enum(['active', 'struck-off']),
          role: z.enum(MANAGER_ROLES).describe('The person’s capacity among the managers'),
        }),
      )
      .describe('By business number; struck-off businesses included'),
  })
  .describe('The businesses whose records name the person as a manager now');

export const BUSINESS_EXAMPLES = {
  register: {
    name: 'Moselle Logistics',
    legalForm: 'SARL',
    registeredAddress: {
      street: 'Boulevard Royal',
      houseNumber: '12A',
      postcode: '2449',
      locality: 'Luxembourg',
      country: 'LU',
    },
    managers: [{ nationalId: '1983081246785', role: 'manager' }],
  },
  changeAddress: {
    registeredAddress: {
      street: "Rue de l'Alzette",
      houseNumber: '7',
      postcode: '4011',
      locality: 'Esch-sur-Alzette',
      country: 'LU',
    },
  },
  changeManagers: {
    managers: [
      { nationalId: '1983081246785', role: 'managing-director' },
      { nationalId: '1990013101277', role: 'director' },
    ],
  },
  strikeOff: { effectiveDate: '2026-02-27', ground: 'dissolution' },
} as const;
