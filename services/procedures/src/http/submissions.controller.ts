import {
  Body,
  Controller,
  Get,
  Param,
  Post,
  Query,
  Res,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { z } from 'zod';

import { AuthGuard, Roles } from '@gov/platform-auth';
import { ApiProblems, IfMatch, ZodPipe, openApiSchema, setETag } from '@gov/platform-chassis';
import type { HttpReply } from '@gov/platform-chassis';
import type { DataCategory } from '@gov/platform-legal-bases';
import { CaseService } from '@gov/procedures-application';
import type { RequestContext } from '@gov/procedures-application';
import { IdempotencyInterceptor } from '@gov/platform-service';

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
import { CaseStepRoute, JSON_ANSWER } from './case-step-route';
import { Context } from './request-context';

const caseIdParam = new ZodPipe(CaseIdParam, 'id');

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
  @ApiResponse({ status: 200, description: 'The submissions to handle', content: JSON_ANSWER })
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
  @ApiResponse({ status: 200, description: 'The case', content: JSON_ANSWER })
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
  @ApiResponse({ status: 200, description: 'The case’s timeline', content: JSON_ANSWER })
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
  @CaseStepRoute({
    role: 'agency',
    summary: 'Take the submission in',
    answer: { description: 'The submission, received' },
    problems: [400, 401, 403, 404, 409, 410, 412],
  })
  receive(
    @Context() context: RequestContext,
    @Param('id', caseIdParam) id: string,
    @IfMatch() ifMatch: number | undefined,
    @Res({ passthrough: true }) reply: HttpReply,
  ) {
    return this.written(reply, this.cases.backOffice(context, id, { type: 'Receive' }, ifMatch));
  }

  @Post('submissions/:id/start-review')
  @CaseStepRoute({
    role: 'agency',
    summary: 'Start reviewing it',
    answer: { description: 'The submission, in review' },
    problems: [400, 401, 403, 404, 409, 410, 412],
  })
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
  @CaseStepRoute({
    role: 'agency',
    summary: 'Ask the person a question (the review waits for the answer)',
    answer: { description: 'The submission, waiting for information' },
    body: QuestionBody,
    problems: [400, 401, 403, 404, 409, 410, 412, 413, 415],
  })
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
  @CaseStepRoute({
    role: 'citizen',
    summary: 'Answer the back office’s question (the review resumes)',
    answer: { description: 'The submission, with the answer' },
    body: AnswerBody,
    problems: [400, 401, 403, 404, 409, 410, 412, 413, 415],
  })
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
  @CaseStepRoute({
    role: 'agency',
    summary: 'Decide: approved, or rejected with a reason',
    description:
      'The decision letter (PDF) then goes to the person’s letter box with your token; if the ' +
      'letterbox cannot be reached, the decision stands and the letter follows (letterId null).',
    answer: { description: 'The submission, decided' },
    body: DecideBody,
    problems: [400, 401, 403, 404, 409, 410, 412, 413, 415],
  })
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
  @CaseStepRoute({
    role: 'agency',
    summary: 'Ask the person, within the procedure, to consent to a reuse beyond the form',
    answer: { status: 201, description: 'The consent request' },
    body: ConsentRequestBody,
    problems: [400, 401, 403, 404, 409, 410, 412, 413, 415],
  })
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
  @CaseStepRoute({
    role: 'citizen',
    summary: 'Record the consent you granted in the consent service for a request',
    description:
      'The consent is read from the consent service with your token and must answer the ' +
      'request: yours, ACTIVE, the organisation, purpose and procedure asked, every category.',
    answer: { description: 'The submission, with the granted data' },
    params: [{ name: 'requestId', schema: RequestIdParam }],
    body: ConsentGrantedBody,
    ifMatch: false,
    problems: [400, 401, 403, 404, 410, 413, 415, 422, 503],
  })
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
  @CaseStepRoute({
    role: 'agency',
    summary: 'Take note of a registry correction notice of the submission',
    description:
      'The registry corrected a field of the person’s record that your organisation (or the ' +
      'prefill) had received with its old value; acknowledging it clears the case’s flag in ' +
      'your list (`openCorrectionNotices`). Again: no change.',
    answer: { description: 'The submission, the notice acknowledged' },
    params: [{ name: 'noticeId', schema: NoticeIdParam }],
    problems: [400, 401, 403, 404, 409, 410, 412],
  })
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
