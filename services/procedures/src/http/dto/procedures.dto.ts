import { z } from 'zod';

import { DATA_CATEGORIES } from '@gov/platform-legal-bases';

// Request schemas check shapes and types; the catalogue's JSON Schema checks a form, the
// deciders check meaning (state, who may act), each naming the offending fields.

// `.trim().min(1)`: blank text is refused; the pattern says so in the document.
const text = (max: number, description: string) =>
  z.string().trim().min(1).max(max).meta({ pattern: '\\S' }).describe(`${description}; not blank`);

/** A procedure definition id in a path or body. */
export const ProcedureId = z
  .string()
  .regex(/^[a-z][a-z0-9-]{1,62}$/, 'lower-case letters, digits and hyphens')
  .describe('A procedure of the catalogue')
  .meta({ example: 'family-allowance' });

/** A definition version in a path. */
export const VersionParam = z.coerce
  .number()
  .int()
  .min(1)
  .max(10_000)
  .describe('A version of the definition');

/** A case (draft or submission) id in a path. */
export const CaseIdParam = z
  .uuid('must be a case id (a UUID)')
  .describe('The case’s id (a draft’s and its submission’s)');

/** A request id (a back office's consent request) in a path. */
export const RequestIdParam = z
  .uuid('must be a request id (a UUID)')
  .describe('The consent request’s id');

export const NoticeIdParam = z
  .uuid('must be a correction notice id (a UUID)')
  .describe('The correction notice’s id');

/** `POST /drafts`. */
export const StartDraftBody = z.strictObject({
  procedureId: ProcedureId,
  procedureVersion: z.number().int().min(1).max(10_000).optional(),
  businessNumber: z
    .string()
    .regex(/^B[1-9]\d{0,5}$/, 'must be B followed by 1 to 6 digits, without a leading zero')
    .optional(),
  registrationNumber: z
    .string()
    .regex(/^[A-Za-z]{2}[ -]?\d{4}$/, 'must be two letters and four digits, e.g. AB 1234')
    .optional()
    .describe('A vehicle procedure’s vehicle, which the registry must show the person owns'),
});
export type StartDraftDto = z.output<typeof StartDraftBody>;

const Source = z.enum(['persons', 'businesses', 'vehicles', 'personal-space']);

/** `POST /drafts/{id}/prefill`. */
export const PrefillBody = z.strictObject({
  previewId: z.uuid('must be the id of a preview'),
  sources: z
    .strictObject({
      persons: z.boolean().optional(),
      businesses: z.boolean().optional(),
      vehicles: z.boolean().optional(),
      'personal-space': z.boolean().optional(),
    })
    .describe('Yes (true) or No (false) per source of the preview; a source left out is a No'),
});
export type PrefillDto = z.output<typeof PrefillBody>;
export { Source };

/** `POST /drafts/{id}/submit`: the fields the person gives, over the prefilled ones. */
export const SubmitBody = z.strictObject({
  form: z.record(z.string().max(100), z.unknown()).default({}),
});
export type SubmitDto = z.output<typeof SubmitBody>;

/** `POST /submissions/{id}/request-information`. */
export const QuestionBody = z.strictObject({ question: text(2000, 'The question to the person') });
/** `POST /submissions/{id}/information`. */
export const AnswerBody = z.strictObject({ answer: text(4000, 'The person’s answer') });

/** `POST /submissions/{id}/decide`. */
export const DecideBody = z.strictObject({
  outcome: z.enum(['approved', 'rejected']),
  reason: z.string().trim().max(4000).default(''),
});
export type DecideDto = z.output<typeof DecideBody>;

/** `POST /submissions/{id}/consent-requests`. */
export const ConsentRequestBody = z.strictObject({
  categories: z
    .array(z.enum(DATA_CATEGORIES as [string, ...string[]]))
    .min(1)
    .max(20),
  purpose: text(200, 'What the back office would use the data for'),
});
export type ConsentRequestDto = z.output<typeof ConsentRequestBody>;

/** `POST /submissions/{id}/consent-requests/{requestId}/granted`. */
export const ConsentGrantedBody = z.strictObject({
  consentId: z.uuid('must be a consent id (a UUID)'),
});

/** `GET /submissions?status=`. */
export const SubmissionsQuery = z.strictObject({
  status: z
    .enum(['submitted', 'received', 'in-review', 'information-requested', 'decided'])
    .optional(),
});

/** A personal-space item in a path. */
export const ItemParam = z
  .enum(['bank-account', 'phone', 'email'])
  .describe('The item: an IBAN, a phone number or an e-mail address');

/** `PUT /personal-space/{item}`: the value, checked per item. */
export const ItemBody = z.strictObject({
  value: z
    .string()
    .trim()
    .min(1)
    .max(254)
    .meta({ pattern: '\\S' })
    .describe('The value, checked per item: an IBAN, a phone number or an e-mail address'),
});

const ITEM_VALUES = {
  'bank-account': z
    .string()
    .transform((v) => v.replace(/\s+/g, '').toUpperCase())
    .pipe(z.string().regex(/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/, 'must be an IBAN')),
  phone: z.string().regex(/^\+?[0-9 ]{6,20}$/, 'must be a phone number'),
  email: z.string().regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'must be an e-mail address'),
} as const;

/** The value of `item`, normalised, or the reason it is not one. */
export function itemValue(
  item: z.output<typeof ItemParam>,
  value: string,
): { ok: true; value: string } | { ok: false; message: string } {
  const parsed = ITEM_VALUES[item].safeParse(value);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, message: parsed.error.issues[0]?.message ?? 'invalid' };
}
