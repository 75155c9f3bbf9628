import { ApiHeader, ApiResponse } from '@nestjs/swagger';
import { z } from 'zod';

import { ApiProblemResponses } from '../openapi/problem-responses';

import { openApiSchema } from './zod.pipe';

/**
 * An RFC 9457 problem, as every error of every service is answered, with every extension member
 * the platform's answers carry. A service documents its own `code` values in its routes'
 * descriptions; the members themselves are the same everywhere, and closed
 * (`additionalProperties: false`): an answer with another member is a bug of the service, and
 * the contract fuzz test (`libs/platform/contract-fuzz`) finds it.
 */
export const Problem = z
  .strictObject({
    type: z.string().meta({ example: 'about:blank' }),
    title: z.string().meta({ example: 'Bad Request' }),
    status: z.int().min(400).max(599).meta({ example: 400 }),
    detail: z.string().optional(),
    instance: z.string().meta({ example: '/persons' }),
    requestId: z.string().optional().describe('As in the x-request-id header and the logs'),
    code: z
      .string()
      .optional()
      .describe(
        'Why, machine-readable: a rejection code of the service (e.g. INVALID_INPUT, ' +
          'PERSON_DECEASED) or of the platform (ALREADY_APPLIED, IDEMPOTENCY_KEY_REUSED, ' +
          'IDEMPOTENCY_KEY_IN_USE, READ_ONLY_SITE, POSITION_NOT_REACHED)',
      ),
    errors: z
      .array(z.strictObject({ field: z.string(), message: z.string() }))
      .optional()
      .describe('For 400: every offending field, by its path (address.postcode, managers[1].role)'),
    fields: z
      .array(z.string())
      .optional()
      .describe('For a rejection by a business rule: the paths of the fields it concerns'),
    currentVersion: z.int().optional().describe('For 412: the record’s current version'),
    siteRole: z
      .enum(['primary', 'replica', 'fenced'])
      .optional()
      .describe('For READ_ONLY_SITE: the role of the site that refused the write'),
    head: z.string().optional().describe('For POSITION_NOT_REACHED: the log’s gapless head'),
    treeSize: z
      .int()
      .optional()
      .describe('For BEYOND_TREE (audit): the size of the largest tree head there is'),
    checks: z
      .array(
        z.strictObject({
          name: z.string(),
          status: z.enum(['up', 'down']),
          durationMs: z.number(),
          error: z.string().optional(),
        }),
      )
      .optional()
      .describe('For an unready service (503 on /health/ready): each dependency’s check'),
  })
  .describe('application/problem+json (RFC 9457)');

/** What each status means on a platform route unless the service says otherwise. */
export const PROBLEM_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'Invalid input: every offending field is listed in `errors`, by its path',
  401: 'No bearer token, or one that is invalid or expired',
  403: 'The caller may not do this',
  404: 'No such record',
  409: 'The record’s state does not allow it (see `code`), or the Idempotency-Key is in use',
  410: 'The record’s personal data was erased (code DATA_ERASED or RECORD_ERASED): it cannot be read or changed any more',
  412: 'If-Match names a version the record is no longer at (see `currentVersion`)',
  413: 'The body is larger than the service accepts (1 MiB)',
  415: 'The body is not application/json',
  422: 'A business rule refuses the request (see `code` and `fields`)',
  429: 'Too many requests from this principal (or client address): retry after `Retry-After` seconds',
  503: 'This site is read-only (code READ_ONLY_SITE: a replica or a fenced primary), or a dependency is down',
};

/** The problems (RFC 9457) a route may answer with, with the platform's problem schema. */
export function ApiProblems(...statuses: number[]): MethodDecorator {
  return ApiProblemResponses(PROBLEM_DESCRIPTIONS, openApiSchema(Problem, 'output'), statuses);
}

/** A JSON response with its schema, an example, and the headers it sets. */
export function ApiJsonResponse(
  status: number,
  description: string,
  schema: z.ZodType,
  example: unknown,
  headers: readonly ('ETag' | 'Location')[] = ['ETag'],
): MethodDecorator {
  return ApiResponse({
    status,
    description,
    content: { 'application/json': { schema: openApiSchema(schema, 'output'), example } },
    headers: Object.fromEntries(
      headers.map((name) => [
        name,
        name === 'ETag'
          ? {
              description: 'The record’s version, for If-Match',
              schema: { type: 'string', example: '"2"' },
            }
          : { description: 'Where the new record is', schema: { type: 'string' } },
      ]),
    ),
  });
}

/** `If-Match` on a change (see `IfMatch`). */
export const ApiIfMatch = (): MethodDecorator =>
  ApiHeader({
    name: 'If-Match',
    required: false,
    description:
      'The version (ETag) the change is based on; if the record is elsewhere, 412 and nothing ' +
      'changes. Without it, the change applies to the current version.',
    schema: { type: 'string', pattern: '^(\\*|"[0-9]{1,15}")$', example: '"2"' },
  });
