import { Get, NotFoundException } from '@nestjs/common';

import { PageController } from './page-controller';

/**
 * Any other address a browser asks for: the "page not found" page in the person's language,
 * not the services' JSON problem. Registered last; the router prefers every declared route.
 */
@PageController()
export class NotFoundController {
  @Get('*')
  notFound(): never {
    throw new NotFoundException();
  }
}
