import { z } from 'zod';

import {
  BUSINESS_LIMITS,
  CORRECTION_LIMITS,
  LEGAL_FORMS,
  PERSON_LIMITS,
  SEX_MARKERS,
} from '@gov/registry-domain';

import {
  Address,
  BusinessNumberParam,
  LuxembourgAddress,
  NATIONAL_ID_PATTERN,
  text,
} from './common.dto';
import { Nationalities, PlaceOfBirth } from './persons.dto';

const correction = <F extends string, V extends z.ZodType>(field: F, value: V) =>
  z.strictObject({ field: z.literal(field), value });

const PersonCorrection = z
  .discriminatedUnion('field', [
    correction('givenNames', text(PERSON_LIMITS.givenNames, { letters: true })),
    correction('familyName', text(PERSON_LIMITS.familyName, { letters: true })),
    correction('placeOfBirth', PlaceOfBirth),
    correction('sex', z.enum(SEX_MARKERS)),
    correction('nationalities', Nationalities),
    correction('address', Address),
  ])
  .describe('The field of a person’s record to correct, and its correct value');

const BusinessCorrection = z
  .discriminatedUnion('field', [
    correction('name', text(BUSINESS_LIMITS.name)),
    correction('legalForm', z.enum(LEGAL_FORMS)),
    correction('registeredAddress', LuxembourgAddress),
  ])
  .describe('The field of a business’s record to correct, and its correct value');

const Target = z
  .discriminatedUnion('register', [
    z.strictObject({
      register: z.literal('persons'),
      recordId: z
        .string()
        .regex(NATIONAL_ID_PATTERN, 'must be 13 digits')
        .describe('Your own national identification number (13 digits)')
        .meta({ example: '1983081246785' }),
      correction: PersonCorrection,
    }),
    z.strictObject({
      register: z.literal('businesses'),
      recordId: BusinessNumberParam.describe('The number of a business you manage'),
      correction: BusinessCorrection,
    }),
  ])
  .describe('The record and the field to correct');

export const RequestCorrectionBody = z
  .strictObject({
    target: Target,
    justification: text(CORRECTION_LIMITS.justification, { letters: true })
      .describe('Why the record is wrong, and the documents that show it; at most 2000 characters')
      .meta({ example: 'My birth certificate spells my family name Schmidt.' }),
  })
  .describe('A request to correct one field of a record');
/** The parsed RequestCorrectionBody. */
export type RequestCorrectionDto = z.output<typeof RequestCorrectionBody>;

export const RejectCorrectionBody = z
  .strictObject({
    reason: text(CORRECTION_LIMITS.reason, { letters: true })
      .describe(`Why, for the requester; at most ${CORRECTION_LIMITS.reason} characters`)
      .meta({ example: 'The birth certificate shows the recorded spelling.' }),
  })
  .describe('The rejection of a correction request');
/** The parsed RejectCorrectionBody. */
export type RejectCorrectionDto = z.output<typeof RejectCorrectionBody>;

/** `POST /corrections/{id}/accept` takes no body; an empty object is accepted too. */
export const AcceptCorrectionBody = z.strictObject({}).optional();

const Status = z.enum(['REQUESTED', 'ACCEPTED', 'REJECTED']);

export const CorrectionListQuery = z.strictObject({
  status: Status.optional().describe('Only requests with this status'),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(500)
    .optional()
    .describe('At most this many (100 unless given)'),
});
/** The parsed CorrectionListQuery. */
export type CorrectionListQueryDto = z.output<typeof CorrectionListQuery>;

export const CorrectionWritten = z
  .object({
    correctionId: z.string().meta({ example: '6f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7' }),
    status: Status,
    version: z.int().describe('The request’s version now (also the ETag)'),
    changed: z.boolean().describe('false when the request already stood so'),
    record: z
      .object({
        register: z.enum(['persons', 'businesses']),
        recordId: z.string(),
        version: z.int().describe('The corrected record’s version now'),
        changed: z.boolean(),
      })
      .optional()
      .describe('On acceptance: the record the value went into'),
  })
  .describe('The correction request after the command');

export const CorrectionView = z
  .object({
    correctionId: z.string(),
    status: Status,
    register: z.enum(['persons', 'businesses']),
    recordId: z.string(),
    field: z.string().meta({ example: 'familyName' }),
    value: z.unknown().describe('The proposed value'),
    justification: z.string(),
    requester: z.string().describe('National identification number of the requester'),
    requestedAt: z.iso.datetime(),
    decidedAt: z.iso.datetime().nullable(),
    decidedBy: z.string().nullable().describe('Staff id of the registrar who decided'),
    reason: z.string().nullable().describe('Why it was rejected'),
    communicatedTo: z
      .array(
        z.object({
          organisationId: z.string().meta({ example: 'ccss' }),
          lastReceivedAt: z.iso
            .datetime()
            .describe('When it last read the field before the acceptance'),
          purpose: z.string().describe('The purpose it declared for that read'),
          legalBasis: z
            .string()
            .describe('What allowed that read: a legal provision or consent/<artefact id>'),
          procedureId: z.string().nullable().describe('The procedure that read was made for'),
          communicatedAt: z.iso.datetime().describe('When the correction was sent to it'),
          sealedUntil: z.iso
            .datetime()
            .nullable()
            .describe(
              'In a registrar’s view: until when the person does not see this recipient (every ' +
                'read of it was under a covert legal basis); always null in the person’s view',
            ),
        }),
      )
      .nullable()
      .describe(
        'An accepted correction of a person’s record: the organisations it was sent to because ' +
          'they had received the old value (GDPR Art. 19), by organisation id; empty when none ' +
          'had. The person does not see a recipient under a covert legal basis before its seal ' +
          'ends. null while not communicated (not accepted yet, just accepted) and for a ' +
          'business’s record.',
      ),
    version: z.int(),
  })
  .describe('A correction request');

export const CorrectionList = z
  .object({
    items: z.array(
      z.object({
        correctionId: z.string(),
        status: Status,
        register: z.enum(['persons', 'businesses']),
        recordId: z.string(),
        field: z.string(),
        requester: z.string(),
        requestedAt: z.iso.datetime(),
        decidedAt: z.iso.datetime().nullable(),
        decidedBy: z.string().nullable(),
        reason: z.string().nullable(),
        appliedToRecord: z.boolean().describe('Whether an accepted value is in the record yet'),
        communicatedAt: z.iso
          .datetime()
          .nullable()
          .describe(
            'When an accepted correction of a person’s record was communicated to the ' +
              'organisations that had the old value (GET /corrections/{id} names them)',
          ),
        version: z.int(),
      }),
    ),
  })
  .describe('Correction requests, newest first');

export const CORRECTION_EXAMPLES = {
  request: {
    target: {
      register: 'persons',
      recordId: '1983081246785',
      correction: { field: 'familyName', value: 'Schmidt' },
    },
    justification: 'My birth certificate spells my family name Schmidt.',
  },
  requestBusiness: {
    target: {
      register: 'businesses',
      recordId: 'B123456',
      correction: { field: 'legalForm', value: 'SARL-S' },
    },
    justification: 'Incorporated as a simplified SARL, see the deed of 2 March 2026.',
  },
  reject: { reason: 'The birth certificate shows the recorded spelling.' },
} as const;
