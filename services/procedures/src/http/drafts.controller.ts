import {
  Body,
  Controller,
  HttpCode,
  Param,
  Post,
  Res,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';

import { AuthGuard, Roles } from '@gov/platform-auth';
import { ApiProblems, IfMatch, ZodPipe, openApiSchema, setETag } from '@gov/platform-chassis';
import type { HttpReply } from '@gov/platform-chassis';
import { CaseService } from '@gov/procedures-application';
import type { RequestContext } from '@gov/procedures-application';
import { IdempotencyInterceptor, Idempotent } from '@gov/platform-service';

import { CaseIdParam, PrefillBody, StartDraftBody, SubmitBody } from './dto/procedures.dto';
import type { PrefillDto, StartDraftDto, SubmitDto } from './dto/procedures.dto';
import { CaseStepRoute, JSON_ANSWER } from './case-step-route';
import { Context } from './request-context';

const caseIdParam = new ZodPipe(CaseIdParam, 'id');

/** A person's drafts: start, preview the prefill, prefill what they accept, submit. */
@ApiTags('drafts')
@ApiBearerAuth()
@Controller('drafts')
@UseGuards(AuthGuard)
@UseInterceptors(IdempotencyInterceptor)
export class DraftsController {
  constructor(private readonly cases: CaseService) {}

  @Post()
  @ApiResponse({
    status: 201,
    description: 'The draft, prefilled where the person said Yes',
    content: JSON_ANSWER,
  })
  @ApiBody({ schema: openApiSchema(StartDraftBody) })
  @HttpCode(201)
  @Roles('citizen')
  @Idempotent({ required: false })
  @ApiOperation({
    summary: 'Start a procedure',
    description:
      'At its latest version unless `procedureVersion` names one. A business procedure names ' +
      'the business (`businessNumber`): the registry must list the person among its managers. ' +
      'A person the registry erased starts none (410 DATA_ERASED).',
  })
  @ApiProblems(400, 401, 403, 404, 410, 413, 415, 503)
  async start(
    @Context() context: RequestContext,
    @Body(new ZodPipe(StartDraftBody)) body: StartDraftDto,
    @Res({ passthrough: true }) reply: HttpReply,
  ) {
    const written = await this.cases.start(context, body);
    reply.header('location', `/drafts/${written.caseId}`);
    setETag(reply, written.version);
    return written;
  }

  @Post(':id/prefill-preview')
  @CaseStepRoute({
    role: 'citizen',
    summary: 'Which fields would come from which source',
    description:
      'Per source, the fields it would fill and the person’s standing Yes/No from the consent ' +
      'service (the default). Nothing is read from the sources. The preview is used once and ' +
      'expires (PREFILL_PREVIEW_TTL_MS).',
    answer: { status: 201, description: 'What the prefill would fill in, and from where' },
    ifMatch: false,
    problems: [400, 401, 403, 404, 409, 410, 503],
  })
  preview(@Context() context: RequestContext, @Param('id', caseIdParam) id: string) {
    return this.cases.preview(context, id);
  }

  @Post(':id/prefill')
  @CaseStepRoute({
    role: 'citizen',
    summary: 'Prefill from the sources you accept on a preview',
    description:
      'Only the accepted sources are read (the registry with purpose procedure-prefill, so the ' +
      'read is audited) and only their fields filled. A used or expired preview, or a source ' +
      'you said No to in the consent service, answers 409 and reads nothing.',
    answer: { description: 'The draft, prefilled' },
    body: PrefillBody,
    ifMatch: false,
    problems: [400, 401, 403, 404, 409, 410, 413, 415, 422, 503],
  })
  prefill(
    @Context() context: RequestContext,
    @Param('id', caseIdParam) id: string,
    @Body(new ZodPipe(PrefillBody)) body: PrefillDto,
  ) {
    return this.cases.prefill(context, id, body);
  }

  @Post(':id/submit')
  @CaseStepRoute({
    role: 'citizen',
    summary: 'Submit the form',
    description:
      'The prefilled fields, overridden by `form`, checked against the definition’s JSON ' +
      'Schema (400 naming every offending field as form.<path>).',
    answer: { description: 'The submission' },
    body: SubmitBody,
    problems: [400, 401, 403, 404, 409, 410, 412, 413, 415],
  })
  async submit(
    @Context() context: RequestContext,
    @Param('id', caseIdParam) id: string,
    @Body(new ZodPipe(SubmitBody)) body: SubmitDto,
    @IfMatch() ifMatch: number | undefined,
    @Res({ passthrough: true }) reply: HttpReply,
  ) {
    const written = await this.cases.submit(context, id, body.form, ifMatch);
    setETag(reply, written.version);
    return written;
  }
}
