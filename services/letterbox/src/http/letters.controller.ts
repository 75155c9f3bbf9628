import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  PayloadTooLargeException,
  Post,
  Query,
  Res,
  StreamableFile,
  UnsupportedMediaTypeException,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';

import { LetterService } from '@gov/letterbox-application';
import { LETTER_LIMITS } from '@gov/letterbox-domain';
import type { Delivered, LetterBox, LetterView, RequestContext } from '@gov/letterbox-application';
import { AuthGuard, Roles } from '@gov/platform-auth';
import {
  ApiJsonResponse,
  ApiProblemResponses,
  ApiProblems,
  Problem,
  ZodPipe,
  openApiSchema,
} from '@gov/platform-chassis';
import type { HttpReply } from '@gov/platform-chassis';
import { isDomainRejection } from '@gov/platform-decider';
import { IdempotencyInterceptor, Idempotent } from '@gov/platform-service';

import {
  DeliverLetterBody,
  DeliveredSchema,
  LetterBoxSchema,
  LetterIdParam,
  LetterListQuery,
  LetterViewSchema,
} from './dto/letter.dto';
import type { DeliverLetterDto, LetterListQueryDto } from './dto/letter.dto';
import { DELIVERY_BODY_LIMIT_BYTES } from './delivery-body-limit';
import { Context } from './request-context';

const letterIdParam = new ZodPipe(LetterIdParam, 'letterId');
const LETTER_ID = '5f0c8a52-8b4e-4f0e-9d1a-3c2f1e0d9a01';
const DELIVER_EXAMPLE = {
  recipient: { kind: 'person', id: '1983081246785' },
  subject: 'Décision: allocation familiale',
  procedureId: 'proc-0b7e4a52',
  contentType: 'text/plain',
  content: 'Qm9uam91ciw=',
  retentionDays: 3650,
  receiptRequested: true,
};

const problem = openApiSchema(Problem, 'output');
const KEY_NOT_REPLICATED =
  'this site has not received the recipient’s key yet (code KEY_NOT_REPLICATED, with ' +
  'Retry-After: the keys topic is behind the log; retry)';
/** The answers of a route that opens a letter to a person (sealed under their key). */
const SEALED_READ_PROBLEMS = {
  410:
    'The letter’s recipient (a person) was erased by the registry (code DATA_ERASED): its ' +
    'subject line and document cannot be read any more; nothing was recorded',
  503:
    'A business’s letter while the registry cannot be asked; or ' +
    KEY_NOT_REPLICATED +
    '; or this site is read-only (code READ_ONLY_SITE)',
};

/**
 * The two refusals of a document that HTTP has its own statuses for; the chassis' rejection
 * statuses stop at 422, so the route answers them itself.
 */
function asHttpRefusal(error: unknown): unknown {
  if (isDomainRejection(error, 'UNSUPPORTED_CONTENT_TYPE')) {
    return new UnsupportedMediaTypeException(error.message, { cause: error });
  }
  if (isDomainRejection(error, 'CONTENT_TOO_LARGE')) {
    return new PayloadTooLargeException(error.message, { cause: error });
  }
  return error;
}

/** Letters over HTTP: administrations deliver; the recipient reads and confirms. */
@ApiTags('letters')
@ApiBearerAuth()
@Controller('letters')
@UseGuards(AuthGuard)
@UseInterceptors(IdempotencyInterceptor)
export class LettersController {
  constructor(private readonly letters: LetterService) {}

  @Post()
  @HttpCode(201)
  @Roles('agency')
  @Idempotent({ required: true })
  @ApiOperation({
    summary: 'Deliver a document to a person or a business',
    description:
      'An administration (agency token; the sender is its organisation). The document is ' +
      'base64, at most 10 MiB decoded, of an allowed type whose bytes match it; it is ' +
      'available at once (the legal-effect instant). Answers the letter id and the SHA-256 of ' +
      'the document. A business’s letter goes to the managers the registry names. A delivery ' +
      'agent (LETTERBOX_DELIVERY_AGENTS) may name `onBehalfOf`, the organisation it delivers ' +
      'for, which becomes the sender; for anyone else that is 403. A letter to a person is ' +
      'sealed under their key (its subject line and document); to a person the registry ' +
      'erased it answers 410 and stores nothing.',
  })
  @ApiBody({
    schema: openApiSchema(DeliverLetterBody),
    examples: { deliver: { value: DELIVER_EXAMPLE } },
  })
  @ApiJsonResponse(
    201,
    'Delivered',
    DeliveredSchema,
    { letterId: LETTER_ID, sha256: 'e3b0c442…', state: 'AVAILABLE' },
    ['Location'],
  )
  @ApiProblems(400, 401, 403, 409, 415, 422)
  @ApiProblemResponses(
    {
      413:
        `The body is larger than this route accepts (${DELIVERY_BODY_LIMIT_BYTES} bytes: a ` +
        `document of ${LETTER_LIMITS.maxContentBytes} bytes in base64, and the other fields), ` +
        'or the decoded document is larger than that',
    },
    problem,
    [413],
  )
  @ApiProblemResponses(
    {
      410:
        'The recipient (a person) was erased by the registry (code DATA_ERASED): nothing is ' +
        'delivered or stored',
    },
    problem,
    [410],
  )
  async deliver(
    @Context() context: RequestContext,
    @Body(new ZodPipe(DeliverLetterBody)) body: DeliverLetterDto,
    @Res({ passthrough: true }) reply: HttpReply,
  ): Promise<Delivered> {
    try {
      const delivered = await this.letters.deliver(context, {
        ...body,
        content: Buffer.from(body.content, 'base64'),
      });
      reply.header('location', `/letters/${delivered.letterId}`);
      return delivered;
    } catch (error) {
      throw asHttpRefusal(error);
    }
  }

  @Get()
  @Roles('citizen')
  @ApiOperation({
    summary: 'Your letterbox',
    description:
      'The letters delivered to you and to the businesses the registry names you a manager ' +
      'of, newest first, with their states and recipients. `businessLetters: unavailable` ' +
      'when the registry could not be asked: your own letters are listed, and only the ' +
      'business letters it could check. Once the registry erased you, your letters are ' +
      'gone from it.',
  })
  @ApiJsonResponse(
    200,
    'The letters',
    LetterBoxSchema,
    { items: [], businessLetters: 'included' },
    [],
  )
  @ApiQuery({
    name: 'procedureId',
    required: false,
    schema: openApiSchema(LetterListQuery.shape.procedureId),
  })
  @ApiProblems(400, 401, 403)
  @ApiProblemResponses(
    { 503: `The subject lines cannot be opened: ${KEY_NOT_REPLICATED}` },
    problem,
    [503],
  )
  async box(
    @Context() context: RequestContext,
    @Query(new ZodPipe(LetterListQuery, 'query')) query: LetterListQueryDto,
  ): Promise<LetterBox> {
    return this.letters.box(context, query);
  }

  @Get(':letterId')
  @Roles('citizen', 'agency')
  @ApiOperation({
    summary: 'A letter and its states',
    description:
      'Its recipient (the person, or a current manager of the business), or the organisation ' +
      'that sent it. Anyone else gets 404, as for an unknown letter; 503 for a business’s ' +
      'letter while the registry cannot be asked. A letter to a person the registry erased ' +
      'answers 410 (its sender lists its delivery facts under /sent).',
  })
  @ApiParam({ name: 'letterId', schema: openApiSchema(LetterIdParam) })
  @ApiJsonResponse(200, 'The letter', LetterViewSchema, { letterId: LETTER_ID }, [])
  @ApiProblems(400, 401, 403, 404)
  @ApiProblemResponses(SEALED_READ_PROBLEMS, problem, [410, 503])
  get(
    @Context() context: RequestContext,
    @Param('letterId', letterIdParam) letterId: string,
  ): Promise<LetterView> {
    return this.letters.get(context, letterId);
  }

  @Get(':letterId/content')
  @Roles('citizen')
  @ApiOperation({
    summary: 'Open the document',
    description:
      'The recipient only (for a business, a manager the registry names; 503 while it cannot ' +
      'be asked). The bytes with their media type, after their SHA-256 is checked ' +
      'again (the `Digest`-like `X-Content-SHA256` header carries it). The first opening makes ' +
      'the letter READ; every opening is recorded. 409 once retention removed the content; ' +
      '410 once the registry erased the recipient (a person).',
  })
  @ApiParam({ name: 'letterId', schema: openApiSchema(LetterIdParam) })
  @ApiProblems(400, 401, 403, 404, 409)
  @ApiProblemResponses(SEALED_READ_PROBLEMS, problem, [410, 503])
  async content(
    @Context() context: RequestContext,
    @Param('letterId', letterIdParam) letterId: string,
    @Res({ passthrough: true }) reply: HttpReply,
  ): Promise<StreamableFile> {
    const opened = await this.letters.open(context, letterId);
    reply.header('x-content-sha256', opened.sha256);
    reply.header('cache-control', 'private, no-store');
    return new StreamableFile(opened.bytes, {
      type: opened.contentType,
      length: opened.bytes.length,
      disposition: 'inline',
    });
  }

  @Post(':letterId/receipt')
  @HttpCode(200)
  @Roles('citizen')
  @Idempotent({ required: false })
  @ApiOperation({
    summary: 'Confirm receipt',
    description:
      'The recipient, once the letter is read and when the sender asked for a receipt; a ' +
      'repeat changes nothing. Answers the letter with its states; 410 once the registry ' +
      'erased the recipient (a person).',
  })
  @ApiParam({ name: 'letterId', schema: openApiSchema(LetterIdParam) })
  @ApiJsonResponse(200, 'Confirmed', LetterViewSchema, { letterId: LETTER_ID }, [])
  @ApiProblems(400, 401, 403, 404, 409)
  @ApiProblemResponses(SEALED_READ_PROBLEMS, problem, [410, 503])
  confirmReceipt(
    @Context() context: RequestContext,
    @Param('letterId', letterIdParam) letterId: string,
  ): Promise<LetterView> {
    return this.letters.confirmReceipt(context, letterId);
  }
}
