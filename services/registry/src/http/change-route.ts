import { HttpCode, applyDecorators } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam } from '@nestjs/swagger';
import type { z } from 'zod';

import { Roles } from '@gov/platform-auth';
import { ApiIfMatch, ApiJsonResponse, ApiProblems, openApiSchema } from '@gov/platform-chassis';
import { Idempotent } from '@gov/platform-service';

/** What distinguishes one change of a record from another. */
export interface ChangeRouteOptions {
  readonly summary: string;
  readonly description?: string;
  /** The record's id in the path: its name and schema. */
  readonly param: { readonly name: string; readonly schema: z.ZodType };
  readonly body: z.ZodType;
  /** The body's example in the document: its name and value. */
  readonly example: readonly [name: string, value: unknown];
  /** The 200 answer: description, schema, example. */
  readonly answer: {
    readonly description: string;
    readonly schema: z.ZodType;
    readonly example: unknown;
  };
}

/**
 * A change of an existing record by a registrar of its register: 200 with the record's new
 * version, `If-Match` for a conditional change, an optional `Idempotency-Key`, and the problems
 * every change can answer. Behaviour and document from one place, for every register.
 */
export const ChangeRoute = (options: ChangeRouteOptions): MethodDecorator =>
  applyDecorators(
    HttpCode(200),
    Roles('registrar'),
    Idempotent({ required: false, answerWithAppend: true }),
    ApiOperation({
      summary: options.summary,
      ...(options.description === undefined ? {} : { description: options.description }),
    }),
    ApiParam({ name: options.param.name, schema: openApiSchema(options.param.schema) }),
    ApiIfMatch(),
    ApiBody({
      schema: openApiSchema(options.body),
      examples: { [options.example[0]]: { value: options.example[1] } },
    }),
    ApiJsonResponse(200, options.answer.description, options.answer.schema, options.answer.example),
    ApiProblems(400, 401, 403, 404, 409, 410, 412, 413, 415),
  );
