import { z } from 'zod';

import { DEREGISTRATION_GROUNDS, VEHICLE_LIMITS } from '@gov/registry-domain';

import { BusinessNumberParam, NationalIdParam, localDate, text } from './common.dto';

/**
 * A registration number as people write it: two letters and four digits, with or without a
 * space or hyphen, in any case (`AB 1234`, `ab-1234`); the register keeps `AB1234`.
 */
export const RegistrationNumberParam = z
  .string()
  .regex(
    /^[A-Za-z]{2}[ -]?\d{4}$/,
    'must be two letters and four digits, e.g. AB 1234 (kept as AB1234)',
  )
  .describe('The registration number: two letters and four digits (kept without the space)')
  .meta({ example: 'AB1234' });

const Owner = z
  .discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('person'),
      nationalId: NationalIdParam.describe(
        'The owner’s national identification number: 13 digits; the check digits are verified; a living person of the register',
      ),
    }),
    z.strictObject({
      kind: z.literal('business'),
      businessNumber: BusinessNumberParam.describe(
        'The owner’s business number; a business on the register (not struck off)',
      ),
    }),
  ])
  .describe('The owner: a person or a business, which must be on record (else 422)');

const Deregistration = z.object({
  effectiveDate: z.string(),
  ground: z.enum(DEREGISTRATION_GROUNDS),
});

export const RegisterVehicleBody = z
  .strictObject({
    registrationNumber: RegistrationNumberParam,
    owner: Owner,
    make: text(VEHICLE_LIMITS.make, { letters: true })
      .describe(`The manufacturer; at most ${VEHICLE_LIMITS.make} characters`)
      .meta({ example: 'Renault' }),
    model: text(VEHICLE_LIMITS.model)
      .describe(`The commercial name; at most ${VEHICLE_LIMITS.model} characters`)
      .meta({ example: 'Zoe' }),
    firstRegistration: localDate('The date of first registration, anywhere', '2021-04-15'),
  })
  .describe('A vehicle to register, under the number the registrar issued');
/** The parsed RegisterVehicleBody. */
export type RegisterVehicleDto = z.output<typeof RegisterVehicleBody>;

export const TransferOwnershipBody = z
  .strictObject({ owner: Owner })
  .describe('The vehicle’s new owner');
/** The parsed TransferOwnershipBody. */
export type TransferOwnershipDto = z.output<typeof TransferOwnershipBody>;

export const DeregisterVehicleBody = z
  .strictObject({
    effectiveDate: localDate('When the deregistration took effect', '2026-02-20'),
    ground: z.enum(DEREGISTRATION_GROUNDS).describe('Why the vehicle leaves the register'),
  })
  .describe('The deregistration of the vehicle');
/** The parsed DeregisterVehicleBody. */
export type DeregisterVehicleDto = z.output<typeof DeregisterVehicleBody>;

export const VehicleWritten = z
  .object({
    registrationNumber: z.string().meta({ example: 'AB1234' }),
    version: z.int().describe('The record’s version now (also the ETag)').meta({ example: 1 }),
    changed: z.boolean().describe('false when the record already said so (nothing was recorded)'),
  })
  .describe('The record after the write');

export const VehicleView = z
  .object({
    registrationNumber: z.string().meta({ example: 'AB1234' }),
    status: z.enum(['registered', 'deregistered']),
    version: z.int().describe('The record’s version (also the ETag)'),
    owner: z
      .union([
        z.object({ kind: z.literal('person'), nationalId: z.string() }),
        z.object({ kind: z.literal('business'), businessNumber: z.string() }),
        z
          .object({ kind: z.literal('person'), erased: z.literal(true) })
          .describe('A person whose data was erased: the number is not shown'),
      ])
      .describe('The owner now'),
    make: z.string(),
    model: z.string(),
    firstRegistration: z.string(),
    deregistration: Deregistration.nullable(),
  })
  // An agency receives only the fields its legal basis allows; the others are absent.
  .partial({
    owner: true,
    make: true,
    model: true,
    firstRegistration: true,
    deregistration: true,
  })
  .describe(
    'A vehicle’s record. An agency receives only the fields its legal basis allows: the ' +
      'others are absent.',
  );

export const VEHICLE_EXAMPLES = {
  register: {
    registrationNumber: 'AB 1234',
    owner: { kind: 'person', nationalId: '1983081246785' },
    make: 'Renault',
    model: 'Zoe',
    firstRegistration: '2021-04-15',
  },
  transfer: { owner: { kind: 'business', businessNumber: 'B123456' } },
  deregister: { effectiveDate: '2026-02-20', ground: 'scrapped' },
} as const;
