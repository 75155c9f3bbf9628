import { applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';
import type { z } from 'zod';

import { ApiProblemResponses } from '@gov/platform-chassis';

import { Problem } from './dto/common.dto';
import { openApiSchema } from './zod.pipe';

const PROBLEMS: Readonly<Record<number, string>> = {
  400: 'Invalid input: every offending field is listed in `errors`, by its path',
  401: 'No bearer token, or one that is invalid or expired',
  403: 'The caller may not do this',
  404: 'No such record',
  409: 'The record’s state does not allow it (see `code`), or the Idempotency-Key is in use',
  412: 'If-Match names a version the record is no longer at (see `currentVersion`)',
  413: 'The body is larger than 1 MiB',
  415: 'The body is not application/json',
};

/** The problems (RFC 9457) a route may answer with, with the problem schema. */
export function ApiProblems(...statuses: (keyof typeof PROBLEMS)[]): MethodDecorator {
  return ApiProblemResponses(PROBLEMS, openApiSchema(Problem, 'output'), statuses);
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

/** `If-Match` on a change. */
export const ApiIfMatch = (): MethodDecorator =>
  ApiHeader({
    name: 'If-Match',
    required: false,
    description:
      'The version (ETag) the change is based on; if the record is elsewhere, 412 and nothing ' +
      'changes. Without it, the change applies to the current version.',
    schema: { type: 'string', example: '"2"' },
  });

/** An agency's declaration of a read. */
export const ApiReadDeclaration = (): MethodDecorator =>
  applyDecorators(
    ApiHeader({
      name: 'X-Purpose',
      required: false,
      description:
        'Agencies: why the data is read (required for them, 400 without); recorded in the ' +
        'person’s access log',
      schema: { type: 'string', maxLength: 200, example: 'family-allowance-eligibility' },
    }),
    ApiHeader({
      name: 'X-Legal-Basis',
      required: false,
      description: 'Agencies: the provision that allows the read (required for them)',
      schema: { type: 'string', maxLength: 500, example: 'loi du 19 juin 2013, art. 10' },
    }),
    ApiHeader({
      name: 'traceparent',
      required: false,
      description: 'W3C trace context; its trace id is recorded with the access',
      schema: {
        type: 'string',
        example: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      },
    }),
  );
