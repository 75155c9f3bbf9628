import { z } from 'zod';

import { ADDRESS_LIMITS, ISO_3166_ALPHA_2, parseNationalId } from '@gov/registry-domain';

// Request schemas check shapes and types, so that the domain only ever sees well-typed
// commands; the domain checks meaning (bounds after normalisation, real dates, postcodes) and
// reports every offending field with the same paths. Both end up as one 400 problem.

/** A calendar date written `YYYY-MM-DD` (a real one: no 31 April). */
export const localDate = (description: string, example: string) =>
  z.iso.date('must be a date written YYYY-MM-DD').describe(description).meta({ example });

// What the domain's text check accepts (`Check.text`): after trimming and collapsing whitespace,
// printable characters only (letters, marks, digits, punctuation, symbols), at least one of
// them, and a letter where a name is meant. The patterns say the same of the raw value.
const PRINTABLE = '\\p{L}\\p{M}\\p{N}\\p{P}\\p{S}';
const SOME_TEXT = new RegExp(`^[${PRINTABLE}\\s]*[${PRINTABLE}][${PRINTABLE}\\s]*$`, 'u');
const SOME_LETTERS = new RegExp(`^[${PRINTABLE}\\s]*\\p{L}[${PRINTABLE}\\s]*$`, 'u');

/**
 * Free text as the registers keep it: at most `max` characters, printable, not blank, and with
 * a letter when `letters` (names, streets, localities). Surrounding and repeated whitespace is
 * dropped by the registry.
 */
export const text = (max: number, options: { readonly letters?: boolean } = {}) =>
  z
    .string()
    .max(max)
    .regex(
      options.letters === true ? SOME_LETTERS : SOME_TEXT,
      options.letters === true
        ? 'must be printable text with a letter'
        : 'must be printable text, not blank',
    );

/** An officially assigned ISO 3166-1 alpha-2 country code, upper case. */
export const countryCode = (description: string) =>
  z
    .enum([...ISO_3166_ALPHA_2].sort() as [string, ...string[]], {
      message: 'must be an ISO 3166-1 alpha-2 country code, upper case',
    })
    .describe(`${description}: an ISO 3166-1 alpha-2 code`)
    .meta({ example: 'LU' });

const POSTCODE = /^\s*[A-Za-z0-9](?:[A-Za-z0-9 -]{0,8}[A-Za-z0-9])?\s*$/;

/** A postal address. */
export const Address = z
  .strictObject({
    street: text(ADDRESS_LIMITS.street, { letters: true })
      .describe(`Street name; at most ${ADDRESS_LIMITS.street} characters`)
      .meta({ example: 'Boulevard Royal' }),
    houseNumber: text(ADDRESS_LIMITS.houseNumber)
      .describe(`House number with any suffix; at most ${ADDRESS_LIMITS.houseNumber} characters`)
      .meta({ example: '12A' }),
    postcode: z
      .string()
      .regex(POSTCODE, 'must be 1 to 10 letters, digits, spaces or hyphens')
      .describe(
        'Postcode: 1 to 10 letters, digits, spaces or hyphens; for Luxembourg (country LU) ' +
          'exactly 4 digits, a "L-" prefix accepted and dropped',
      )
      .meta({ example: '2449' }),
    locality: text(ADDRESS_LIMITS.locality, { letters: true })
      .describe(`Town or village; at most ${ADDRESS_LIMITS.locality} characters`)
      .meta({ example: 'Luxembourg' }),
    country: countryCode('Country'),
  })
  .describe('A postal address');

/** An address in Luxembourg: country LU, a postcode of 4 digits (`L-` prefix accepted). */
export const LuxembourgAddress = Address.extend({
  postcode: z
    .string()
    .regex(/^\s*(?:[Ll]-)?\d{4}\s*$/, 'must be 4 digits for Luxembourg, optionally prefixed "L-"')
    .describe('Postcode: 4 digits, a "L-" prefix accepted and dropped')
    .meta({ example: '2449' }),
  country: z.literal('LU').describe('Country: LU'),
}).describe('An address in Luxembourg');

/** The shape of a national identification number; its check digits are verified as well. */
export const NATIONAL_ID_PATTERN = /^\d{13}$/;

/** A national identification number in a path. */
export const NationalIdParam = z
  .string()
  .regex(NATIONAL_ID_PATTERN, 'must be 13 digits')
  .refine((value) => parseNationalId(value).ok, {
    message: 'must be a valid national identification number (13 digits with check digits)',
  })
  .describe(
    'The person’s national identification number: 13 digits (birth date, sequence number, ' +
      'check digits); the check digits are verified (400 when wrong)',
  )
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
