import { z } from 'zod';

import { parseNationalId } from '@gov/registry-domain';

// Request schemas check shapes and types, so that the domain only ever sees well-typed
// commands; the domain checks meaning (bounds after normalisation, real dates, postcodes) and
// reports every offending field with the same paths. Both end up as one 400 problem.

/** A calendar date written `YYYY-MM-DD`. */
export const localDate = (description: string, example: string) =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date written YYYY-MM-DD')
    .describe(description)
    .meta({ example });

/** An ISO 3166-1 alpha-2 country code (upper-cased by the domain). */
export const countryCode = (description: string) =>
  z.string().describe(`${description}: an ISO 3166-1 alpha-2 code`).meta({ example: 'LU' });

/** A postal address. */
export const Address = z
  .strictObject({
    street: z.string().describe('Street name; at most 100 characters').meta({
      example: 'Boulevard Royal',
    }),
    houseNumber: z
      .string()
      .describe('House number with any suffix; at most 16 characters')
      .meta({ example: '12A' }),
    postcode: z
      .string()
      .describe('Postcode; for Luxembourg 4 digits, "L-" prefix accepted and dropped')
      .meta({ example: '2449' }),
    locality: z.string().describe('Town or village; at most 100 characters').meta({
      example: 'Luxembourg',
    }),
    country: countryCode('Country'),
  })
  .describe('A postal address');

/** A national identification number in a path. */
export const NationalIdParam = z
  .string()
  .refine((value) => parseNationalId(value).ok, {
    message: 'must be a valid national identification number (13 digits with check digits)',
  })
  .describe('The person’s national identification number')
  .meta({ example: '1983081246785' });

/** A business number in a path. */
export const BusinessNumberParam = z
  .string()
  .regex(/^B[1-9]\d{0,5}$/, 'must be B followed by 1 to 6 digits, without a leading zero')
  .describe('The business number')
  .meta({ example: 'B123456' });

/** A correction request id in a path. */
export const CorrectionIdParam = z
  .string()
  .regex(
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    'must be a UUID in lower-case canonical form',
  )
  .describe('The correction request’s id')
  .meta({ example: '6f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7' });

/** `?asOf=`: an instant with its offset. */
export const AsOfQuery = z.iso
  .datetime({
    offset: true,
    message: 'must be an ISO 8601 instant with offset, e.g. 2026-03-01T10:00:00Z',
  })
  .transform((value) => new Date(value))
  .optional()
  .describe(
    'Read the record as it stood at this instant (ISO 8601 with offset): the changes the ' +
      'registry had recorded by then',
  );

/** Who made a change, as the history shows it. */
export const Actor = z
  .object({
    kind: z.string().describe('registrar, citizen, agency, or service (the registry itself)'),
    id: z.string().describe('Staff id, national identification number, or client id'),
    organisationId: z.string().optional().describe('The organisation acted for'),
  })
  .describe('Who made the change');

/** One change in a record's history. */
export const HistoryEntry = z.object({
  version: z.int().describe('The record’s version after this change'),
  eventType: z.string().meta({ example: 'gov.registry.v1.PersonAddressChanged' }),
  recordedAt: z.iso.datetime().describe('When the registry recorded the change'),
  occurredAt: z.iso.datetime().describe('When the decision was made'),
  actor: Actor.nullable(),
  correlationId: z.string().describe('The request that caused the change'),
  causationId: z
    .string()
    .nullable()
    .describe('The event that caused it (an accepted correction), if any'),
  changedFields: z.array(z.string()).meta({ example: ['address'] }),
  changes: z.record(z.string(), z.unknown()).describe('The new values, by field'),
  correctionId: z.string().nullable().describe('The correction request applied, if any'),
});

/** A record's history. */
export const RecordHistory = z.object({
  recordId: z.string(),
  version: z.int().describe('The record’s current version'),
  entries: z.array(HistoryEntry).describe('Every change, oldest first'),
});
