import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Put,
  Query,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';

import { PrefillService } from '@gov/consent-application';
import type {
  PrefillAnswerView,
  PrefillPreferenceView,
  RequestContext,
} from '@gov/consent-application';
import { AuthGuard, Roles } from '@gov/platform-auth';
import { ApiJsonResponse, ApiProblems, ZodPipe, openApiSchema } from '@gov/platform-chassis';
import type { DataSource } from '@gov/platform-legal-bases';
import { IdempotencyInterceptor, Idempotent } from '@gov/platform-service';

import {
  NationalId,
  PrefillBody,
  PrefillQuery,
  ProcedureIdParam,
  SourceParam,
} from './dto/consent.dto';
import type { PrefillDto, PrefillQueryDto } from './dto/consent.dto';
import { Context } from './request-context';

const sourceParam = new ZodPipe(SourceParam, 'source');
const procedureParam = new ZodPipe(ProcedureIdParam, 'procedureId');
const Written = z.object({ changed: z.boolean(), version: z.number() });

/**
 * The Yes/No to prefilling: the person sets it; procedures ask it. Setting or withdrawing one
 * answers 410 `DATA_ERASED` once the registry erased the person.
 */
@ApiTags('prefill')
@ApiBearerAuth()
@Controller('prefill-preferences')
@UseGuards(AuthGuard)
@UseInterceptors(IdempotencyInterceptor)
export class PrefillController {
  constructor(private readonly prefill: PrefillService) {}

  @Get()
  @Roles('citizen')
  @ApiOperation({ summary: 'Your prefill preferences (none set: Yes everywhere)' })
  @ApiJsonResponse(
    200,
    'Your preferences',
    z.object({ items: z.array(z.record(z.string(), z.unknown())) }),
    { items: [{ source: 'persons', procedureId: null, preference: 'NEVER' }] },
    [],
  )
  @ApiProblems(401, 403)
  async list(@Context() context: RequestContext): Promise<{ items: PrefillPreferenceView[] }> {
    return { items: await this.prefill.list(context) };
  }

  @Put('sources/:source')
  @HttpCode(200)
  @Roles('citizen')
  @Idempotent({ required: false })
  @ApiOperation({
    summary: 'Say Yes or No to prefilling from a source, in every procedure',
    description: '410 DATA_ERASED once the registry erased the person.',
  })
  @ApiBody({
    schema: openApiSchema(PrefillBody),
    examples: { no: { value: { preference: 'NEVER' } } },
  })
  @ApiParam({ name: 'source', schema: openApiSchema(SourceParam) })
  @ApiJsonResponse(200, 'Set (or already so)', Written, { changed: true, version: 1 }, [])
  @ApiProblems(400, 401, 403, 410, 413, 415)
  setSource(
    @Context() context: RequestContext,
    @Param('source', sourceParam) source: DataSource,
    @Body(new ZodPipe(PrefillBody)) body: PrefillDto,
  ) {
    return this.prefill.set(context, source, null, body.preference);
  }

  @Put('sources/:source/procedures/:procedureId')
  @HttpCode(200)
  @Roles('citizen')
  @Idempotent({ required: false })
  @ApiOperation({
    summary: 'Say Yes or No for one procedure (overrides the source’s)',
    description: '410 DATA_ERASED once the registry erased the person.',
  })
  @ApiBody({
    schema: openApiSchema(PrefillBody),
    examples: { no: { value: { preference: 'NEVER' } } },
  })
  @ApiParam({ name: 'source', schema: openApiSchema(SourceParam) })
  @ApiParam({ name: 'procedureId', schema: openApiSchema(ProcedureIdParam) })
  @ApiJsonResponse(200, 'Set (or already so)', Written, { changed: true, version: 2 }, [])
  @ApiProblems(400, 401, 403, 410, 413, 415)
  setProcedure(
    @Context() context: RequestContext,
    @Param('source', sourceParam) source: DataSource,
    @Param('procedureId', procedureParam) procedureId: string,
    @Body(new ZodPipe(PrefillBody)) body: PrefillDto,
  ) {
    return this.prefill.set(context, source, procedureId, body.preference);
  }

  @Delete('sources/:source/procedures/:procedureId')
  @HttpCode(200)
  @Roles('citizen')
  @Idempotent({ required: false })
  @ApiOperation({
    summary: 'Withdraw a procedure’s own preference: the source’s applies',
    description: '410 DATA_ERASED once the registry erased the person.',
  })
  @ApiParam({ name: 'source', schema: openApiSchema(SourceParam) })
  @ApiParam({ name: 'procedureId', schema: openApiSchema(ProcedureIdParam) })
  @ApiJsonResponse(200, 'Cleared (or nothing to clear)', Written, { changed: true, version: 3 }, [])
  @ApiProblems(400, 401, 403, 410)
  clear(
    @Context() context: RequestContext,
    @Param('source', sourceParam) source: DataSource,
    @Param('procedureId', procedureParam) procedureId: string,
  ) {
    return this.prefill.clear(context, source, procedureId);
  }

  @Get(':nationalId')
  @Roles('agency', 'citizen', 'dpo')
  @ApiOperation({
    summary: 'May a procedure prefill from a source for this person?',
    description:
      'For the procedures service and back offices (agency tokens), the person, or a DPO: the ' +
      'procedure’s own preference, else the source’s, else Yes; No (rule `erased`) once the ' +
      'registry erased the person.',
  })
  @ApiParam({ name: 'nationalId', schema: openApiSchema(NationalId) })
  @ApiQuery({ name: 'source', required: true, schema: openApiSchema(SourceParam) })
  @ApiQuery({ name: 'procedure', required: false, schema: openApiSchema(ProcedureIdParam) })
  @ApiJsonResponse(
    200,
    'The answer',
    z.object({
      subject: z.string(),
      source: z.string(),
      procedureId: z.string().nullable(),
      prefill: z.boolean(),
      rule: z.enum(['procedure', 'source', 'default', 'erased']),
    }),
    {
      subject: '1983081246785',
      source: 'persons',
      procedureId: 'allocation-familiale',
      prefill: false,
      rule: 'source',
    },
    [],
  )
  @ApiProblems(400, 401, 403)
  answer(
    @Context() context: RequestContext,
    @Param('nationalId', new ZodPipe(NationalId, 'nationalId')) nationalId: string,
    @Query(new ZodPipe(PrefillQuery, 'query')) query: PrefillQueryDto,
  ): Promise<PrefillAnswerView> {
    return this.prefill.answer(context, nationalId, query.source, query.procedure ?? null);
  }
}
