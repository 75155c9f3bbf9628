import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';

import { PROBLEM_CONTENT_TYPE } from '../errors/problem-details';

/**
 * The problems (RFC 9457, `application/problem+json`) a route may answer with: one documented
 * response per status, described from the service's own table of what each status means there.
 */
export function ApiProblemResponses(
  descriptions: Readonly<Record<number, string>>,
  schema: object,
  statuses: readonly number[],
): MethodDecorator {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: descriptions[status] ?? 'A problem',
        content: { [PROBLEM_CONTENT_TYPE]: { schema } },
      }),
    ),
  );
}
