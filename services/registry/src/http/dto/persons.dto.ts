import { z } from 'zod';

import { MAX_BULK_REGISTRATIONS } from '@gov/registry-application';
import { CIVIL_STATUSES, PERSON_LIMITS, SEX_MARKERS } from '@gov/registry-domain';

import { Address, NATIONAL_ID_PATTERN, countryCode, localDate, text } from './common.dto';

const Sex = z.enum(SEX_MARKERS).describe('Sex marker (ICAO 9303): F, M or X');
const CivilStatus = z.enum(CIVIL_STATUSES).describe('Civil status');

export const PlaceOfBirth = z
  .strictObject({
    locality: text(PERSON_LIMITS.placeOfBirth, { letters: true })
      .describe(`Locality of birth; at most ${PERSON_LIMITS.placeOfBirth} characters`)
      .meta({ example: 'Ettelbruck' }),
    country: countryCode('Country of birth'),
  })
  .describe('Where the person was born');

/** A person's nationalities. */
export const Nationalities = z
  .array(countryCode('A nationality'))
  .min(1)
  .refine((codes) => new Set(codes).size === codes.length, 'must not repeat a nationality')
  // `.refine` says nothing in JSON Schema: the document states it with `uniqueItems`.
  .meta({ uniqueItems: true, example: ['LU', 'PT'] })
  .describe('At least one, no repeats');

const names = {
  givenNames: text(PERSON_LIMITS.givenNames, { letters: true })
    .describe('All given names in order, separated by spaces; at most 100 characters')
    .meta({ example: 'Anna Maria' }),
  familyName: text(PERSON_LIMITS.familyName, { letters: true })
    .describe('Family name; at most 100 characters')
    .meta({ example: 'Schmit' }),
};

export const RegisterPersonBody = z
  .strictObject({
    ...names,
    birthDate: localDate('Birth date; not in the future (Luxembourg calendar)', '1983-08-12'),
    placeOfBirth: PlaceOfBirth.nullable()
      .default(null)
      .describe('Where the person was born; null or absent when unknown'),
    sex: Sex,
    nationalities: Nationalities.meta({ example: ['LU', 'PT'] }),
    address: Address,
    civilStatus: CivilStatus,
  })
  .describe('A person to register; the registry assigns the national identification number');
/** The parsed RegisterPersonBody. */
export type RegisterPersonDto = z.output<typeof RegisterPersonBody>;

export const RegisterPersonsBody = z
  .strictObject({
    persons: z
      .array(RegisterPersonBody)
      .min(1)
      .max(MAX_BULK_REGISTRATIONS)
      .describe(`1 to ${MAX_BULK_REGISTRATIONS} persons, registered all or none`),
  })
  .describe('Persons to register at once (a bulk import)');
/** The parsed RegisterPersonsBody. */
export type RegisterPersonsDto = z.output<typeof RegisterPersonsBody>;

export const ChangeNameBody = z.strictObject(names).describe('The name as it now is');
/** The parsed ChangeNameBody. */
export type ChangeNameDto = z.output<typeof ChangeNameBody>;

export const ChangeAddressBody = z
  .strictObject({ address: Address })
  .describe('The new address of residence');
/** The parsed ChangeAddressBody. */
export type ChangeAddressDto = z.output<typeof ChangeAddressBody>;

export const ChangeCivilStatusBody = z
  .strictObject({
    civilStatus: CivilStatus,
    effectiveDate: localDate('When the civil-status act took effect', '2024-05-04'),
  })
  .describe('A civil-status act (marriage, divorce, …)');
/** The parsed ChangeCivilStatusBody. */
export type ChangeCivilStatusDto = z.output<typeof ChangeCivilStatusBody>;

export const RecordDeathBody = z
  .strictObject({ dateOfDeath: localDate('Date of death', '2026-02-01') })
  .describe('The death of the person');
/** The parsed RecordDeathBody. */
export type RecordDeathDto = z.output<typeof RecordDeathBody>;

export const ErasePersonBody = z
  .strictObject({
    legalGround: text(PERSON_LIMITS.legalGround)
      .describe(
        `Why the person’s data may be erased: the legal provision or decision (at most ${PERSON_LIMITS.legalGround} ` +
          'characters); kept in the log with the erasure',
      )
      .meta({ example: 'Art. 17(1)(d) GDPR: registered in error, court decision 2026/123' }),
  })
  .describe('The erasure of a person’s data from the register');
/** The parsed ErasePersonBody. */
export type ErasePersonDto = z.output<typeof ErasePersonBody>;

export const PersonErasure = z
  .object({
    nationalId: z.string().meta({ example: '1983081246785' }),
    version: z.int().describe('The record’s version now: that of its PersonErased event'),
    changed: z.boolean().describe('false when the data was erased before (nothing changed)'),
    erasedAt: z.iso.datetime().describe('When the person’s key was destroyed on this site'),
  })
  .describe('An erased record: only its number remains');

export const PersonWritten = z
  .object({
    nationalId: z.string().regex(NATIONAL_ID_PATTERN).meta({ example: '1983081246785' }),
    version: z.int().describe('The record’s version now (also the ETag)').meta({ example: 1 }),
    changed: z.boolean().describe('false when the record already said so (nothing was recorded)'),
  })
  .describe('The record after the write');

export const PersonsRegistered = z
  .object({
    registered: z.array(PersonWritten).describe('Every person registered, in the order sent'),
  })
  .describe('The records created by a bulk registration');

export const PersonView = z
  .object({
    nationalId: z.string().meta({ example: '1983081246785' }),
    status: z.enum(['registered', 'deceased']),
    version: z.int().describe('The record’s version (also the ETag)').meta({ example: 2 }),
    ...names,
    birthDate: z.string().meta({ example: '1983-08-12' }),
    placeOfBirth: PlaceOfBirth.nullable(),
    sex: Sex,
    nationalities: z.array(z.string()),
    address: Address,
    civilStatus: CivilStatus,
    civilStatusSince: z.string().nullable().describe('When the civil status took effect, if known'),
    dateOfDeath: z.string().nullable(),
  })
  // Data minimisation: an agency receives only the fields its legal basis or the person's
  // consent allows; the others are absent from its answer.
  .partial({
    givenNames: true,
    familyName: true,
    birthDate: true,
    placeOfBirth: true,
    sex: true,
    nationalities: true,
    address: true,
    civilStatus: true,
    civilStatusSince: true,
    dateOfDeath: true,
  })
  .describe(
    'A person’s record. An agency receives only the fields its legal basis or the person’s ' +
      'consent allows: the others are absent.',
  );

/** Examples shown in the OpenAPI document (and checked against the schemas by the unit tests). */
export const PERSON_EXAMPLES = {
  register: {
    givenNames: 'Anna Maria',
    familyName: 'Schmit',
    birthDate: '1983-08-12',
    placeOfBirth: { locality: 'Ettelbruck', country: 'LU' },
    sex: 'F',
    nationalities: ['LU', 'PT'],
    address: {
      street: 'Boulevard Royal',
      houseNumber: '12A',
      postcode: '2449',
      locality: 'Luxembourg',
      country: 'LU',
    },
    civilStatus: 'single',
  },
  changeName: { givenNames: 'Anna Maria', familyName: 'Schmit-Weber' },
  changeAddress: {
    address: {
      street: "Rue de l'Alzette",
      houseNumber: '7',
      postcode: '4011',
      locality: 'Esch-sur-Alzette',
      country: 'LU',
    },
  },
  changeCivilStatus: { civilStatus: 'married', effectiveDate: '2024-05-04' },
  recordDeath: { dateOfDeath: '2026-02-01' },
} as const;
