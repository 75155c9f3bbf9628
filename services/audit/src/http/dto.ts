import { z } from 'zod';

const size = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const NationalIdParam = z
  .string()
  .regex(/^\d{13}$/, 'a national identification number has 13 digits')
  .describe('The person’s national identification number (13 digits)');
export const EntryIdParam = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'an entry id (UUID)')
  .meta({ format: 'uuid' })
  .describe('The entry’s id: a UUID, lower case');
export const TreeSizeParam = size;

export const AccessLogQuery = z.strictObject({
  /** The `nextCursor` of the previous page. */
  cursor: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export type AccessLogQueryDto = z.output<typeof AccessLogQuery>;

export const InclusionQuery = z.strictObject({ treeSize: size.min(1).optional() });

export const ConsistencyQuery = z
  .strictObject({ first: size.min(1), second: size.min(1) })
  .refine((q) => q.first <= q.second, { message: 'first must not exceed second', path: ['first'] });

/** `consistencyFrom=100,250`: earlier tree heads to prove the export's head consistent with. */
export const CONSISTENCY_FROM = z
  .string()
  .regex(/^\d{1,15}(,\d{1,15}){0,19}$/, 'up to 20 tree sizes, comma-separated')
  .describe('Up to 20 earlier tree sizes, comma-separated');

export const ExportQuery = z.strictObject({
  consistencyFrom: CONSISTENCY_FROM.transform((list) => list.split(',').map(Number)).optional(),
});

/** A tree size in a path or a query, as the document states it (`TreeSizeParam` checks it). */
export const TREE_SIZE_SCHEMA = {
  type: 'integer',
  minimum: 0,
  maximum: Number.MAX_SAFE_INTEGER,
} as const;
