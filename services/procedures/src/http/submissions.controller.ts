import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  Res,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { z } from 'zod';

import { AuthGuard, Roles } from '@gov/platform-auth';
import {
  ApiIfMatch,
  ApiProblems,
  IfMatch,
  ZodPipe,
  openApiSchema,
  setETag,
} from '@gov/platform-chassis';
import type { HttpReply } from '@gov/platform-chassis';
import type { DataCategory } from '@gov/platform-legal-bases';
import { CaseService } from '@gov/procedures-application';
import type { RequestContext } from '@gov/procedures-application';
import { IdempotencyInterceptor, Idempotent } from '@gov/platform-service';

import {
  AnswerBody,
  CaseIdParam,
  ConsentGrantedBody,
  ConsentRequestBody,
  DecideBody,
  NoticeIdParam,
  QuestionBody,
  RequestIdParam,
  SubmissionsQuery,
} from './dto/procedures.dto';
import type { ConsentRequestDto, DecideDto } from './dto/procedures.dto';
import { Context } from './request-context';

const caseIdParam = new ZodPipe(CaseIdParam, 'id');

/**
 * The JSON answers, declared as objects: their shapes are the application's views, not written
 * out here yet.
 */
const ANSWER = { 'application/json': { schema: { type: 'object' as const } } };

/**
 * Submissions: the back office of the handling organisation (agency tokens) moves them to a
 * decision; the person reads theirs, answers questions and records consents given.
 */
@ApiTags('submissions')
@ApiBearerAuth()
@Controller()
@UseGuards(AuthGuard)
@UseInterceptors(IdempotencyInterceptor)
export class SubmissionsController {
  constructor(private readonly cases: CaseService) {}

  @Get('submissions')
  @ApiResponse({ status: 200, description: 'The submissions to handle', content: ANSWER })
  @ApiQuery({
    name: 'status',
    required: false,
    schema: openApiSchema(SubmissionsQuery.shape.status),
  })
  @Roles('agency')
  @ApiOperation({
    summary: 'The submissions your organisation handles, newest first',
    description:
      'A case whose applicant the registry erased is listed with `personalDataErased: true` and ' +
      'no open question (its status and dates stay: the administration’s file).',
  })
  @ApiProblems(400, 401, 403, 503)
  async list(
    @Context() context: RequestContext,
    @Query(new ZodPipe(SubmissionsQuery, 'query')) query: z.output<typeof SubmissionsQuery>,
  ) {
    return { items: await this.cases.submissions(context, query.status) };
  }

  @Get(['submissions/:id', 'drafts/:id'])
  @ApiResponse({ status: 200, description: 'The case', content: ANSWER })
  @ApiParam({ name: 'id', schema: openApiSchema(CaseIdParam) })
  @Roles('citizen', 'agency')
  @ApiOperation({
    summary: 'A case: its applicant, or its back office once submitted',
    description:
      'The personal values (prefilled values, form, open question, decision reason, corrected ' +
      'values) are opened from the log. Once the registry erased the applicant, the case is ' +
      'still answered (its status and timeline are the administration’s file, kept under a ' +
      'legal obligation) with `personalDataErased: true` and those values `null`; every change ' +
      'of it answers 410 DATA_ERASED. 503 KEY_NOT_REPLICATED on the embassy while the ' +
      'applicant’s key has not reached it yet.',
  })
  @ApiProblems(400, 401, 403, 404, 503)
  async get(
    @Context() context: RequestContext,
    @Param('id', caseIdParam) id: string,
    @Res({ passthrough: true }) reply: HttpReply,
  ) {
    const view = await this.cases.view(context, id);
    setETag(reply, view.version);
    return view;
  }

  @Get('submissions/:id/timeline')
  @ApiResponse({ status: 200, description: 'The case’s timeline', content: ANSWER })
  @ApiParam({ name: 'id', schema: openApiSchema(CaseIdParam) })
  @Roles('citizen', 'agency')
  @ApiOperation({
    summary: 'Every step of a case, with its time and actor',
    description:
      'Once the registry erased the applicant, the steps stay; the personal values in their ' +
      '`details` are `null` and the step says `personalDataErased: true`.',
  })
  @ApiProblems(400, 401, 403, 404, 503)
  timeline(@Context() context: RequestContext, @Param('id', caseIdParam) id: string) {
    return this.cases.timeline(context, id);
  }

  @Post('submissions/:id/receive')
  @ApiResponse({ status: 200, description: 'The submission, received', content: ANSWER })
  @ApiParam({ name: 'id', schema: openApiSchema(CaseIdParam) })
  @HttpCode(200)
  @Roles('agency')
  @Idempotent({ required: false })
  @ApiIfMatch()
  @ApiOperation({ summary: 'Take the submission in' })
  @ApiProblems(400, 401, 403, 404, 409, 410, 412)
  receive(
    @Context() context: RequestContext,
    @Param('id', caseIdParam) id: string,
    @IfMatch() ifMatch: number | undefined,
    @Res({ passthrough: true }) reply: HttpReply,
  ) {
    return this.written(reply, this.cases.backOffice(context, id, { type: 'Receive' }, ifMatch));
  }

  @Post('submissions/:id/start-review')
  @ApiResponse({ status: 200, description: 'The submission, in review', content: ANSWER })
  @ApiParam({ name: 'id', schema: openApiSchema(CaseIdParam) })
  @HttpCode(200)
  @Roles('agency')
  @Idempotent({ required: false })
  @ApiIfMatch()
  @ApiOperation({ summary: 'Start reviewing it' })
  @ApiProblems(400, 401, 403, 404, 409, 410, 412)
  startReview(
    @Context() context: RequestContext,
    @Param('id', caseIdParam) id: string,
    @IfMatch() ifMatch: number | undefined,
    @Res({ passthrough: true }) reply: HttpReply,
  ) {
    return this.written(
      reply,
      this.cases.backOffice(context, id, { type: 'StartReview' }, ifMatch),
    );
  }

  @Post('submissions/:id/request-information')
  @ApiResponse({
    status: 200,
    description: 'The submission, waiting for information',
    content: ANSWER,
  })
  @ApiParam({ name: 'id', schema: openApiSchema(CaseIdParam) })
  @ApiBody({ schema: openApiSchema(QuestionBody) })
  @HttpCode(200)
  @Roles('agency')
  @Idempotent({ required: false })
  @ApiIfMatch()
  @ApiOperation({ summary: 'Ask the person a question (the review waits for the answer)' })
  @ApiProblems(400, 401, 403, 404, 409, 410, 412, 413, 415)
  requestInformation(
    @Context() context: RequestContext,
    @Param('id', caseIdParam) id: string,
    @Body(new ZodPipe(QuestionBody)) body: z.output<typeof QuestionBody>,
    @IfMatch() ifMatch: number | undefined,
    @Res({ passthrough: true }) reply: HttpReply,
  ) {
    return this.written(
      reply,
      this.cases.backOffice(
        context,
        id,
        { type: 'RequestInformation', question: body.question },
        ifMatch,
      ),
    );
  }

  @Post('submissions/:id/information')
  @ApiResponse({ status: 200, description: 'The submission, with the answer', content: ANSWER })
  @ApiParam({ name: 'id', schema: openApiSchema(CaseIdParam) })
  @ApiBody({ schema: openApiSchema(AnswerBody) })
  @HttpCode(200)
  @Roles('citizen')
  @Idempotent({ required: false })
  @ApiIfMatch()
  @ApiOperation({ summary: 'Answer the back office’s question (the review resumes)' })
  @ApiProblems(400, 401, 403, 404, 409, 410, 412, 413, 415)
  answer(
    @Context() context: RequestContext,
    @Param('id', caseIdParam) id: string,
    @Body(new ZodPipe(AnswerBody)) body: z.output<typeof AnswerBody>,
    @IfMatch() ifMatch: number | undefined,
    @Res({ passthrough: true }) reply: HttpReply,
  ) {
    return this.written(reply, this.cases.answer(context, id, body.answer, ifMatch));
  }

  @Post('submissions/:id/decide')
  @ApiResponse({ status: 200, description: 'The submission, decided', content: ANSWER })
  @ApiParam({ name: 'id', schema: openApiSchema(CaseIdParam) })
  @ApiBody({ schema: openApiSchema(DecideBody) })
  @HttpCode(200)
  @Roles('agency')
  @Idempotent({ required: false })
  @ApiIfMatch()
  @ApiOperation({
    summary: 'Decide: approved, or rejected with a reason',
    description:
      'The decision letter (PDF) then goes to the person’s letter box with your token; if the ' +
      'letterbox cannot be reached, the decision stands and the letter follows (letterId null).',
  })
  @ApiProblems(400, 401, 403, 404, 409, 410, 412, 413, 415)
  decide(
    @Context() context: RequestContext,
    @Param('id', caseIdParam) id: string,
    @Body(new ZodPipe(DecideBody)) body: DecideDto,
    @IfMatch() ifMatch: number | undefined,
    @Res({ passthrough: true }) reply: HttpReply,
  ) {
    return this.written(reply, this.cases.decide(context, id, body, ifMatch));
  }

  @Post('submissions/:id/consent-requests')
  @ApiResponse({ status: 201, description: 'The consent request', content: ANSWER })
  @ApiParam({ name: 'id', schema: openApiSchema(CaseIdParam) })
  @ApiBody({ schema: openApiSchema(ConsentRequestBody) })
  @HttpCode(201)
  @Roles('agency')
  @Idempotent({ required: false })
  @ApiIfMatch()
  @ApiOperation({
    summary: 'Ask the person, within the procedure, to consent to a reuse beyond the form',
  })
  @ApiProblems(400, 401, 403, 404, 409, 410, 412, 413, 415)
  requestConsent(
    @Context() context: RequestContext,
    @Param('id', caseIdParam) id: string,
    @Body(new ZodPipe(ConsentRequestBody)) body: ConsentRequestDto,
    @IfMatch() ifMatch: number | undefined,
    @Res({ passthrough: true }) reply: HttpReply,
  ) {
    return this.written(
      reply,
      this.cases.backOffice(
        context,
        id,
        {
          type: 'RequestConsent',
          categories: body.categories as DataCategory[],
          purpose: body.purpose,
        },
        ifMatch,
      ),
    );
  }

  @Post('submissions/:id/consent-requests/:requestId/granted')
  @ApiResponse({
    status: 200,
    description: 'The submission, with the granted data',
    content: ANSWER,
  })
  @ApiParam({ name: 'id', schema: openApiSchema(CaseIdParam) })
  @ApiParam({ name: 'requestId', schema: openApiSchema(RequestIdParam) })
  @ApiBody({ schema: openApiSchema(ConsentGrantedBody) })
  @HttpCode(200)
  @Roles('citizen')
  @Idempotent({ required: false })
  @ApiOperation({
    summary: 'Record the consent you granted in the consent service for a request',
    description:
      'The consent is read from the consent service with your token and must answer the ' +
      'request: yours, ACTIVE, the organisation, purpose and procedure asked, every category.',
  })
  @ApiProblems(400, 401, 403, 404, 410, 413, 415, 422, 503)
  consentGranted(
    @Context() context: RequestContext,
    @Param('id', caseIdParam) id: string,
    @Param('requestId', new ZodPipe(RequestIdParam, 'requestId')) requestId: string,
    @Body(new ZodPipe(ConsentGrantedBody)) body: z.output<typeof ConsentGrantedBody>,
    @Res({ passthrough: true }) reply: HttpReply,
  ) {
    return this.written(reply, this.cases.consentGiven(context, id, requestId, body.consentId));
  }

  @Post('submissions/:id/correction-notices/:noticeId/acknowledgement')
  @ApiResponse({
    status: 200,
    description: 'The submission, the notice acknowledged',
    content: ANSWER,
  })
  @ApiParam({ name: 'id', schema: openApiSchema(CaseIdParam) })
  @ApiParam({ name: 'noticeId', schema: openApiSchema(NoticeIdParam) })
  @HttpCode(200)
  @Roles('agency')
  @Idempotent({ required: false })
  @ApiIfMatch()
  @ApiOperation({
    summary: 'Take note of a registry correction notice of the submission',
    description:
      'The registry corrected a field of the person’s record that your organisation (or the ' +
      'prefill) had received with its old value; acknowledging it clears the case’s flag in ' +
      'your list (`openCorrectionNotices`). Again: no change.',
  })
  @ApiProblems(400, 401, 403, 404, 409, 410, 412)
  acknowledgeCorrectionNotice(
    @Context() context: RequestContext,
    @Param('id', caseIdParam) id: string,
    @Param('noticeId', new ZodPipe(NoticeIdParam, 'noticeId')) noticeId: string,
    @IfMatch() ifMatch: number | undefined,
    @Res({ passthrough: true }) reply: HttpReply,
  ) {
    return this.written(
      reply,
      this.cases.acknowledgeCorrectionNotice(context, id, noticeId, ifMatch),
    );
  }

  private async written<T extends { version: number }>(reply: HttpReply, result: Promise<T>) {
    const written = await result;
    setETag(reply, written.version);
    return written;
  }
}
