import { Controller, UseFilters, UseGuards, applyDecorators } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';

import { PageGuard } from './page-context';
import { PageErrorFilter } from './page-error.filter';

/**
 * A controller of pages: its routes get the page context (language, session, anti-forgery
 * token) from `PageGuard`, show errors as pages (`PageErrorFilter`), and stay out of the
 * OpenAPI document, which lists APIs, not pages.
 */
export function PageController(prefix = ''): ClassDecorator {
  return applyDecorators(
    ApiExcludeController(),
    Controller(prefix),
    UseGuards(PageGuard),
    UseFilters(PageErrorFilter),
  );
}
