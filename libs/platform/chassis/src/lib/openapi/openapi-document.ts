import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { INestApplication } from '@nestjs/common';

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

  /** Builds the document from the application's controllers and keeps it. */
  build(app: INestApplication, info: OpenApiInfo): OpenAPIObject {
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
    this.document = SwaggerModule.createDocument(app, config);
    return this.document;
  }
}
