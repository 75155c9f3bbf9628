import { HttpCode, applyDecorators } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiResponse } from '@nestjs/swagger';
import type { z } from 'zod';

import { Roles } from '@gov/platform-auth';
import type { PrincipalKind } from '@gov/platform-auth';
import { ApiIfMatch, ApiProblems, openApiSchema } from '@gov/platform-chassis';
import { Idempotent } from '@gov/platform-service';

import { CaseIdParam } from './dto/procedures.dto';

/**
 * The JSON answers, declared as objects: their shapes are the application's views, not written
 * out here yet.
 */
export const JSON_ANSWER = { 'application/json': { schema: { type: 'object' as const } } };

/** What distinguishes one step on a case from another. */
export interface CaseStepOptions {
  /** Who takes the step: the back office (`agency`) or the person (`citizen`). */
  readonly role: Extract<PrincipalKind, 'agency' | 'citizen'>;
  readonly summary: string;
  readonly description?: string;
  /** The answer's status (200 by default) and what it holds. */
  readonly answer: { readonly status?: 200 | 201; readonly description: string };
  /** The path's parameters after the case's `id`: their names and schemas. */
  readonly params?: readonly { readonly name: string; readonly schema: z.ZodType }[];
  readonly body?: z.ZodType;
  /** Whether the step takes `If-Match` (the case's version); true by default. */
  readonly ifMatch?: boolean;
  /** Every problem status the step can answer. */
  readonly problems: readonly number[];
}

/**
 * A step on an existing case (`/submissions/{id}/…`, `/drafts/{id}/…`): the case's id in the
 * path, an optional `Idempotency-Key`, `If-Match` for a conditional step, and the case as the
 * JSON answer. Behaviour and document from one place for every step.
 */
export const CaseStepRoute = (options: CaseStepOptions): MethodDecorator => {
  const status = options.answer.status ?? 200;
  return applyDecorators(
    ApiResponse({ status, description: options.answer.description, content: JSON_ANSWER }),
    ApiParam({ name: 'id', schema: openApiSchema(CaseIdParam) }),
    ...(options.params ?? []).map((param) =>
      ApiParam({ name: param.name, schema: openApiSchema(param.schema) }),
    ),
    ...(options.body === undefined ? [] : [ApiBody({ schema: openApiSchema(options.body) })]),
    HttpCode(status),
    Roles(options.role),
    Idempotent({ required: false }),
    ...(options.ifMatch === false ? [] : [ApiIfMatch()]),
    ApiOperation({
      summary: options.summary,
      ...(options.description === undefined ? {} : { description: options.description }),
    }),
    ApiProblems(...options.problems),
  );
};
