import { Controller, Get, NotFoundException, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';

import { PageGuard } from './page-context';
import { PageErrorFilter } from './page-error.filter';

/**
 * Any other address a browser asks for: the "page not found" page in the person's language,
 * not the services' JSON problem. Registered last; the router prefers every declared route.
 */
@ApiExcludeController()
@Controller()
@UseGuards(PageGuard)
@UseFilters(PageErrorFilter)
export class NotFoundController {
  @Get('*')
  notFound(): never {
    throw new NotFoundException();
  }
}
