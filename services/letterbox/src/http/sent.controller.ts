import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';

import { LetterService } from '@gov/letterbox-application';
import type { LetterView, RequestContext } from '@gov/letterbox-application';
import { AuthGuard, Roles } from '@gov/platform-auth';
import {
  ApiJsonResponse,
  ApiProblemResponses,
  ApiProblems,
  Problem,
  ZodPipe,
  openApiSchema,
} from '@gov/platform-chassis';

import { LetterListQuery, LetterListSchema } from './dto/letter.dto';
import type { LetterListQueryDto } from './dto/letter.dto';
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
    description:
      'Newest first, each with its state (AVAILABLE, READ, RECEIPT_CONFIRMED). A letter to a ' +
      'person the registry erased keeps its delivery facts (the proof of delivery: recipient, ' +
      'times, SHA-256 of the document) with `recipientErasedAt`, without its subject line.',
  })
  @ApiJsonResponse(200, 'The letters', LetterListSchema, { items: [] }, [])
  @ApiQuery({
    name: 'procedureId',
    required: false,
    schema: openApiSchema(LetterListQuery.shape.procedureId),
  })
  @ApiProblems(400, 401, 403)
  @ApiProblemResponses(
    {
      503:
        'The subject lines cannot be opened: this site has not received a recipient’s key yet ' +
        '(code KEY_NOT_REPLICATED, with Retry-After; retry)',
    },
    openApiSchema(Problem, 'output'),
    [503],
  )
  async sent(
    @Context() context: RequestContext,
    @Query(new ZodPipe(LetterListQuery, 'query')) query: LetterListQueryDto,
  ): Promise<{ items: LetterView[] }> {
    return { items: await this.letters.sent(context, query) };
  }
}
