import type { PipeTransform } from '@nestjs/common';
import type { SchemaObject } from '@nestjs/swagger';
import { z } from 'zod';

import { ApplicationError } from '../errors/application-error';
import type { FieldError } from '../errors/problem-details';

/**
 * Validates a request part (body, a path parameter, the query) with a zod schema and hands the
 * parsed value to the handler; anything else is a 400 problem listing every offending field by
 * its path, written as the domain writes its paths (`address.postcode`, `managers[1].role`).
 */
export class ZodPipe<Schema extends z.ZodType> implements PipeTransform<unknown, z.output<Schema>> {
  /**
   * @param schema - What the part must look like.
   * @param part - How the part is named in errors about it as a whole (`body`, `asOf`).
   */
  constructor(
    private readonly schema: Schema,
    private readonly part = 'body',
  ) {}

  transform(value: unknown): z.output<Schema> {
    const result = this.schema.safeParse(value);
    if (result.success) return result.data;
    throw ApplicationError.validationFailed(
      `the request ${this.part === 'body' ? 'body' : `parameter ${this.part}`} is invalid; see errors`,
      fieldErrors(result.error.issues, this.part),
    );
  }
}

/** zod issues as field errors: one per offending field, by its path. */
export function fieldErrors(issues: readonly z.core.$ZodIssue[], part: string): FieldError[] {
  return issues.flatMap((issue): FieldError[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        field: fieldPath([...issue.path, key], part),
        message: 'is not a known field',
      }));
    }
    return [{ field: fieldPath(issue.path, part), message: issue.message }];
  });
}

function fieldPath(path: readonly PropertyKey[], part: string): string {
  if (path.length === 0) return part;
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

/**
 * The OpenAPI 3.0 schema of a zod schema: of what a client sends (`input`, the default) or of
 * what it receives (`output`). One schema validates and documents a request.
 */
export function openApiSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): SchemaObject {
  return z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io,
    unrepresentable: 'any',
  }) as SchemaObject;
}
