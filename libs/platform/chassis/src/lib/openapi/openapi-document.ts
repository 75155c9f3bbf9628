import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { INestApplication } from '@nestjs/common';

import { PROBLEM_CONTENT_TYPE } from '../errors/problem-details';
import { PROBLEM_DESCRIPTIONS, Problem } from '../http/openapi.decorators';
import { openApiSchema } from '../http/zod.pipe';
import { UNLIMITED_ROUTES } from '../rate-limit/rate-limit.guard';

/** How the service presents itself in its OpenAPI document. */
export interface OpenApiInfo {
  readonly title: string;
  readonly description: string;
  /** The API's version (not the build's), e.g. `1.0.0`. */
  readonly version: string;
}

/**
 * Holds the service's OpenAPI document. It can only be built from the created application
 * (the routes are read from it), after the providers that serve it exist.
 */
export class OpenApiDocumentRef {
  private document: OpenAPIObject | undefined;

  get(): OpenAPIObject {
    if (this.document === undefined) throw new Error('The OpenAPI document is not built yet');
    return this.document;
  }

  /**
   * Builds the document from the application's controllers and keeps it; `rateLimited` adds
   * the rate limit's 429 answer to every limited operation.
   */
  build(app: INestApplication, info: OpenApiInfo, rateLimited = false): OpenAPIObject {
    const config = new DocumentBuilder()
      .setTitle(info.title)
      .setDescription(info.description)
      .setVersion(info.version)
      // Routes that need a token reference this scheme (security: [{ bearer: [] }]).
      .addBearerAuth(
        { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A platform JWT' },
        'bearer',
      )
      .build();
    const document = SwaggerModule.createDocument(app, config);
    this.document = rateLimited ? withRateLimitResponses(document) : document;
    return this.document;
  }
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/**
 * Adds the 429 answer of the rate limit (see `RateLimitGuard`) to every operation it applies
 * to, in one place rather than on every route.
 */
function withRateLimitResponses(document: OpenAPIObject): OpenAPIObject {
  const tooManyRequests = {
    description: PROBLEM_DESCRIPTIONS[429] ?? 'Too many requests',
    headers: {
      'Retry-After': {
        description: 'Whole seconds until the principal may make a request again',
        schema: { type: 'integer', minimum: 1 },
      },
      RateLimit: {
        description:
          'The principal’s bucket: `"<class>";r=<requests left>;t=<seconds until full>` ' +
          '(draft-ietf-httpapi-ratelimit-headers)',
        schema: { type: 'string' },
      },
      'RateLimit-Policy': {
        description: '`"<class>";q=<burst>;w=<seconds to refill it>`',
        schema: { type: 'string' },
      },
    },
    content: { [PROBLEM_CONTENT_TYPE]: { schema: openApiSchema(Problem, 'output') } },
  };
  for (const [path, item] of Object.entries(document.paths)) {
    if (UNLIMITED_ROUTES.has(path)) continue;
    const operations = item as Record<string, { responses?: Record<string, unknown> } | undefined>;
    for (const method of HTTP_METHODS) {
      const operation = operations[method];
      if (operation === undefined) continue;
      operation.responses = { ...operation.responses, '429': tooManyRequests };
    }
  }
  return document;
}
