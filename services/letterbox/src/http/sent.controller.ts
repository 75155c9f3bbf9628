import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';

import { LetterService } from '@gov/letterbox-application';
import type { LetterView, RequestContext } from '@gov/letterbox-application';
import { AuthGuard, Roles } from '@gov/platform-auth';
import { ApiJsonResponse, ApiProblems } from '@gov/platform-chassis';

import { LetterListSchema } from './dto/letter.dto';
import { Context } from './request-context';

/** What an administration sent, with the states the recipients brought it to. */
@ApiTags('letters')
@ApiBearerAuth()
@Controller('sent')
@UseGuards(AuthGuard)
export class SentController {
  constructor(private readonly letters: LetterService) {}

  @Get()
  @Roles('agency')
  @ApiOperation({
    summary: 'Letters your organisation sent',
    description: 'Newest first, each with its state (AVAILABLE, READ, RECEIPT_CONFIRMED).',
  })
  @ApiJsonResponse(200, 'The letters', LetterListSchema, { items: [] }, [])
  @ApiProblems(401, 403)
  async sent(@Context() context: RequestContext): Promise<{ items: LetterView[] }> {
    return { items: await this.letters.sent(context) };
  }
}
