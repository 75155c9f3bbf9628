import { z } from 'zod';

import { DATA_CATEGORIES, DATA_SOURCES } from '@gov/platform-legal-bases';

// Request schemas check shapes and types; the domain checks meaning (expiry after start, the
// organisation known) and reports every offending field with the same paths.

const NATIONAL_ID = /^\d{13}$/;

/** A national identification number. */
export const NationalId = z
  .string()
  .regex(NATIONAL_ID, 'must be a national identification number (13 digits)')
  .describe('National identification number')
  .meta({ example: '1983081246785' });

const id = (description: string, example: string) =>
  z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and hyphens, at most 63')
    .describe(description)
    .meta({ example });

const instant = (description: string, example: string) =>
  z.iso
    .datetime({ offset: true })
    .transform((value) => new Date(value))
    .describe(`${description} (RFC 3339)`)
    .meta({ example });

/** A data category, e.g. `persons.address`. */
export const DataCategory = z
  .enum(DATA_CATEGORIES as [string, ...string[]])
  .describe('A data category: persons.<field>, businesses.<field> or personal-space.<item>');

/** A consent artefact id in a path. */
export const ConsentIdParam = z
  .uuid('must be a consent id (a UUID)')
  .describe('The consent artefact’s id')
  .meta({ example: '0b7e4a52-8b4e-4f0e-9d1a-3c2f1e0d9a01' });

/** A receipt id in a path. */
export const ReceiptIdParam = z.uuid('must be a receipt id (a UUID)').describe('The receipt’s id');

const terms = {
  subject: NationalId.optional().describe(
    'Your own national identification number (optional; anything else is refused)',
  ),
  organisationId: id('The organisation you grant the use to', 'ccss'),
  categories: z
    .array(DataCategory)
    .min(1)
    .max(DATA_CATEGORIES.length)
    .refine((list) => new Set(list).size === list.length, 'each category once')
    // The refinement says nothing in JSON Schema: `uniqueItems` says it in the document.
    .meta({ uniqueItems: true })
    .describe('The data categories it may use, each once'),
  purpose: z
    .string()
    .min(1)
    .max(200)
    .describe('What it may use them for')
    .meta({ example: 'family-allowance-eligibility' }),
  procedureId: id('The procedure the consent is given in (optional)', 'allocation-familiale')
    .nullable()
    .optional(),
  validFrom: instant('From when (default: now)', '2026-03-01T00:00:00Z').optional(),
  validUntil: instant(
    'Until when (exclusive): after validFrom and now, at most ten years after validFrom',
    '2036-02-01T00:00:00Z',
  ),
  maxUses: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .nullable()
    .optional()
    .describe('How many uses at most (optional: unlimited)'),
  language: z
    .string()
    .regex(/^[a-z]{2}(-[A-Z]{2})?$/, 'a BCP 47 language tag such as fr, de, en')
    .optional()
    .describe('The language of the notice you saw (default fr)'),
};

/** The body of a grant, and of a change (the new terms). */
export const GrantConsentBody = z.strictObject(terms).describe('The terms of the consent');
export type GrantConsentDto = z.output<typeof GrantConsentBody>;

/** Filters of `GET /consents`. */
export const ConsentListQuery = z.strictObject({
  subject: NationalId.optional(),
  organisationId: id('Organisation', 'ccss').optional(),
  status: z.enum(['ACTIVE', 'PAUSED', 'REVOKED', 'SUPERSEDED', 'EXPIRED']).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});
export type ConsentListQueryDto = z.output<typeof ConsentListQuery>;

const STATUS = z.enum(['ACTIVE', 'PAUSED', 'REVOKED', 'SUPERSEDED', 'EXPIRED']);

/** An artefact as a reader sees it. */
export const ConsentViewSchema = z.object({
  consentId: z.string(),
  subject: z.string(),
  organisationId: z.string(),
  organisationName: z.string().nullable(),
  categories: z.array(z.string()),
  purpose: z.string(),
  procedureId: z.string().nullable(),
  validFrom: z.string(),
  validUntil: z.string(),
  maxUses: z.number().nullable(),
  uses: z.number(),
  lastUseAt: z.string().nullable(),
  status: STATUS,
  supersedes: z.string().nullable(),
  supersededBy: z.string().nullable(),
  grantedAt: z.string(),
  endedAt: z.string().nullable(),
  language: z.string(),
  version: z.number(),
});

/** The outcome of a command on an artefact. */
export const ConsentWrittenSchema = z.object({
  consentId: z.string(),
  status: STATUS,
  version: z.number(),
  changed: z.boolean(),
  receiptId: z.string().nullable(),
  supersedes: z.string().optional(),
});

/** A receipt. */
export const ReceiptViewSchema = z.object({
  receiptId: z.string(),
  eventType: z.enum(['given', 'modified', 'superseded', 'withdrawn']),
  issuedAt: z.string(),
  jws: z.string().describe('The receipt as a compact JWS (EdDSA), verifiable with the JWKS'),
  receipt: z.record(z.string(), z.unknown()).describe('The JWS payload, decoded'),
});

/** The body of `POST /decisions`. */
export const DecisionBody = z.strictObject({
  subject: NationalId.describe('Whose data'),
  categories: z.array(DataCategory).min(1).max(DATA_CATEGORIES.length),
  purpose: z
    .string()
    .min(1)
    .max(200)
    .describe('Why the organisation uses them')
    .meta({ example: 'family-allowance-eligibility' }),
  procedureId: id('The procedure (optional)', 'allocation-familiale').nullable().optional(),
  accessRecordedBy: id(
    'The platform service that reads the data and records that read itself (e.g. registry)',
    'registry',
  )
    .nullable()
    .optional(),
});
export type DecisionDto = z.output<typeof DecisionBody>;

/** The answer of `POST /decisions`. */
export const DecisionSchema = z.object({
  decision: z.enum(['permit', 'deny']),
  decisionId: z.string().optional().describe('permit: the id of the recorded permit'),
  categories: z.array(z.string()).optional().describe('permit: the categories permitted'),
  deniedCategories: z.array(z.string()).describe('The asked categories not permitted'),
  basis: z.enum(['consent', 'legal-basis']).optional(),
  consentId: z.string().nullable().optional().describe('permit on a consent: the artefact'),
  useNumber: z.number().nullable().optional().describe('permit on a consent: which use'),
  legalBasisId: z.string().nullable().optional().describe('permit on a legal basis: its id'),
  provision: z.string().nullable().optional(),
  sealedUntil: z
    .string()
    .nullable()
    .optional()
    .describe('permit on a covert basis: hidden from the person until then'),
  code: z
    .enum([
      'NO_BASIS',
      'UNKNOWN_ORGANISATION',
      'SUBJECT_ERASED',
      'USE_NOT_YET_VALID',
      'USE_PAUSED',
      'USE_ENDED',
      'USE_EXHAUSTED',
    ])
    .optional()
    .describe('deny: why, for a machine'),
  reason: z.string().optional().describe('deny: why, for a person'),
  decidedAt: z.string(),
});

/** A source of prefilled data in a path. */
// DATA_SOURCES are the platform's built-in sources; the register of vehicles is declared in the
// catalogue file (`sources`) and prefills too (a procedure asks the Yes/No for it).
export const SourceParam = z
  .enum([...DATA_SOURCES, 'vehicles'])
  .describe('The source of prefilled data');

/** A procedure id in a path. */
export const ProcedureIdParam = id('A procedure definition id', 'allocation-familiale');

/** The body of a preference. */
export const PrefillBody = z.strictObject({
  preference: z.enum(['ALLOW', 'NEVER']).describe('Yes (ALLOW) or No (NEVER) to prefilling'),
});
export type PrefillDto = z.output<typeof PrefillBody>;

/** The query of a prefill answer. */
export const PrefillQuery = z.strictObject({
  source: SourceParam,
  procedure: ProcedureIdParam.optional(),
});
export type PrefillQueryDto = z.output<typeof PrefillQuery>;
