import { Controller, Get } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { OpenAPIObject } from '@nestjs/swagger';

import { OpenApiDocumentRef } from './openapi-document';

/** Serves the OpenAPI document as JSON; the document does not describe itself. */
@ApiExcludeController()
@Controller()
export class OpenApiController {
  constructor(private readonly document: OpenApiDocumentRef) {}

  @Get('openapi.json')
  openApi(): OpenAPIObject {
    return this.document.get();
  }
}
