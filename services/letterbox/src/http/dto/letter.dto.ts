import { z } from 'zod';

import { LETTER_CONTENT_TYPES, LETTER_LIMITS } from '@gov/letterbox-domain';

// Request schemas check shapes and types; the domain checks meaning (the content's type by its
// bytes, the size once decoded, the retention's range) and names each offending field.

// A character class under a star, never a repeated group: V8's regexp engine recurses per
// repetition of a group and overflows its stack on a 14 MB string (a 500 before this).
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A letter's recipient: a person by national id, a business by business number. */
export const RecipientSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('person'),
    id: z
      .string()
      .regex(/^\d{13}$/, 'must be a national identification number (13 digits)')
      .meta({ example: '1983081246785' }),
  }),
  z.object({
    kind: z.literal('business'),
    id: z
      .string()
      .regex(/^B[1-9]\d{0,5}$/, 'must be B followed by 1 to 6 digits, without a leading zero')
      .meta({ example: 'B123456' }),
  }),
]);

/** `POST /letters`. */
export const DeliverLetterBody = z.strictObject({
  recipient: RecipientSchema,
  subject: z
    .string()
    .min(1)
    .max(LETTER_LIMITS.subjectLength)
    .regex(/\S/, 'must not be blank')
    .describe(`The subject line; not blank, at most ${LETTER_LIMITS.subjectLength} characters`),
  procedureId: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe('The procedure the letter belongs to (its id in the procedures service)'),
  contentType: z
    .string()
    .min(1)
    .max(100)
    .describe(
      `The document's media type: ${LETTER_CONTENT_TYPES.join(', ')}; the content's own ` +
        'signature (magic bytes) must match it (422 CONTENT_MISMATCH otherwise)',
    )
    .meta({ example: 'application/pdf' }),
  content: z
    .string()
    .min(1)
    .regex(BASE64, 'must be base64 (RFC 4648, with padding)')
    .refine((value) => value.length % 4 === 0, 'must be base64 (RFC 4648, with padding)')
    .describe('The document, base64 with padding; at most 10 MiB once decoded (413 beyond)')
    // The refinement (length a multiple of 4) says nothing in JSON Schema: this pattern says
    // all of it. Documentation only: the check itself stays a character class (see BASE64).
    .meta({
      pattern: '^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$',
      example: 'JVBERi0xLjcK',
    }),
  retentionDays: z
    .number()
    .int()
    .min(LETTER_LIMITS.minRetentionDays)
    .max(LETTER_LIMITS.maxRetentionDays)
    .describe('How long the content is kept after delivery, in days'),
  receiptRequested: z.boolean().optional().describe('Ask the recipient to confirm receipt'),
  onBehalfOf: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be an organisation id')
    .optional()
    .describe(
      'A delivery agent only (LETTERBOX_DELIVERY_AGENTS, `procedures` by default): the ' +
        'organisation it delivers for, which becomes the sender; anyone else naming one gets 403',
    )
    .meta({ example: 'cae' }),
  reference: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/, 'letters, digits and . _ : - (at most 200)')
    .optional()
    .describe(
      'Your own reference for the letter, unique within your organisation: delivering again ' +
        'with the same reference (after a lost answer, or by a delivery agent for you) names ' +
        'the same letter and records nothing new; another letter under it answers 409. Kept ' +
        'in clear for as long as the letter (also after its recipient is erased): never put ' +
        'personal data (a name, a national number) in it',
    )
    .meta({ example: 'decision-letter-6f1c9f8e' }),
});
export type DeliverLetterDto = z.infer<typeof DeliverLetterBody>;

/** A letter id in a path. */
export const LetterIdParam = z.uuid('must be a letter id (a UUID)').describe('The letter’s id');

const instant = z.string().describe('RFC 3339');

/** The answer to a delivery. */
export const DeliveredSchema = z.object({
  letterId: z.uuid(),
  sha256: z.string().describe('SHA-256 of the document, lower-case hex'),
  state: z
    .enum(['AVAILABLE', 'READ', 'RECEIPT_CONFIRMED'])
    .describe(
      'AVAILABLE for a new letter; a letter delivered again under its reference has its own',
    ),
});

/** A letter with its states. */
export const LetterViewSchema = z.object({
  letterId: z.uuid(),
  sender: z.string().describe('The sending organisation'),
  deliveredBy: z
    .string()
    .nullable()
    .describe(
      'The delivery agent that delivered it on the sender’s behalf; null when the sender did',
    ),
  recipient: RecipientSchema,
  subject: z
    .string()
    .nullable()
    .describe(
      'The subject line; null once the recipient (a person) was erased (see recipientErasedAt)',
    ),
  procedureId: z.string().nullable(),
  contentType: z.string(),
  sha256: z
    .string()
    .describe('SHA-256 of the document as delivered: the proof of what was delivered'),
  sizeBytes: z.number().int(),
  receiptRequested: z.boolean(),
  state: z.enum(['CREATED', 'AVAILABLE', 'READ', 'RECEIPT_CONFIRMED']),
  createdAt: instant,
  availableAt: instant.nullable().describe('The legal-effect instant'),
  readAt: instant.nullable().describe('The recipient’s first opening'),
  receiptConfirmedAt: instant.nullable(),
  retainUntil: instant.nullable().describe('When the content is removed'),
  contentRemovedAt: instant.nullable().describe('When it was removed; null while kept'),
  recipientErasedAt: instant
    .nullable()
    .describe(
      'When the registry erased the recipient (a person): the delivery facts stay for the ' +
        'sender, the subject line and document are gone; null otherwise',
    ),
});

/** The query of a list of letters. */
export const LetterListQuery = z.strictObject({
  procedureId: z.string().min(1).max(100).optional().describe('Only the letters of this procedure'),
});
export type LetterListQueryDto = z.infer<typeof LetterListQuery>;

/** A list of letters. */
export const LetterListSchema = z.object({ items: z.array(LetterViewSchema) });

/** A citizen's box. */
export const LetterBoxSchema = z.object({
  items: z.array(LetterViewSchema),
  businessLetters: z
    .enum(['included', 'unavailable'])
    .describe(
      'unavailable: the registry could not say who manages a business with letters, so the ' +
        'letters of a business you manage may be missing (never another’s shown); try again later',
    ),
});
