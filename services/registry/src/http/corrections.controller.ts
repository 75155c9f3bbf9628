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
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';

import { AuthGuard, CurrentPrincipal, Roles } from '@gov/platform-auth';
import type { Principal } from '@gov/platform-auth';
import {
  ApiIfMatch,
  ApiJsonResponse,
  ApiProblems,
  IfMatch,
  openApiSchema,
  setETag,
  ZodPipe,
} from '@gov/platform-chassis';
import type { HttpReply } from '@gov/platform-chassis';
import { IdempotencyInterceptor, Idempotent } from '@gov/platform-service';
import { CorrectionService } from '@gov/registry-application';
import type {
  CorrectionAcceptance,
  CorrectionSummary,
  CorrectionView,
  CorrectionWritten,
} from '@gov/registry-application';

import { CorrectionIdParam } from './dto/common.dto';
import {
  AcceptCorrectionBody,
  CORRECTION_EXAMPLES,
  CorrectionList,
  CorrectionListQuery,
  CorrectionView as CorrectionViewSchema,
  CorrectionWritten as CorrectionWrittenSchema,
  RejectCorrectionBody,
  RequestCorrectionBody,
} from './dto/corrections.dto';
import type {
  CorrectionListQueryDto,
  RejectCorrectionDto,
  RequestCorrectionDto,
} from './dto/corrections.dto';
import { Meta, requestContext } from './request-meta';
import type { RequestMeta } from './request-meta';

const correctionIdParam = new ZodPipe(CorrectionIdParam, 'correctionId');
const CORRECTION_ID = '6f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7';

/** Correction requests over HTTP: citizens ask, registrars decide. */
@ApiTags('corrections')
@ApiBearerAuth()
@Controller('corrections')
@UseGuards(AuthGuard)
@UseInterceptors(IdempotencyInterceptor)
export class CorrectionsController {
  constructor(private readonly corrections: CorrectionService) {}

  @Post()
  @HttpCode(201)
  @Roles('citizen')
  @Idempotent({ required: true })
  @ApiOperation({
    summary: 'Ask to correct a field of a record',
    description:
      'A citizen, for their own person record or the record of a business they manage. A ' +
      'registrar of the record’s register accepts or rejects it; the requester follows it in ' +
      'GET /corrections.',
  })
  @ApiBody({
    schema: openApiSchema(RequestCorrectionBody),
    examples: {
      person: { value: CORRECTION_EXAMPLES.request },
      business: { value: CORRECTION_EXAMPLES.requestBusiness },
    },
  })
  @ApiJsonResponse(
    201,
    'Requested',
    CorrectionWrittenSchema,
    { correctionId: CORRECTION_ID, status: 'REQUESTED', version: 1, changed: true },
    ['ETag', 'Location'],
  )
  @ApiProblems(400, 401, 403, 404, 409, 413, 415)
  async request(
    @CurrentPrincipal() principal: Principal,
    @Meta() meta: RequestMeta,
    @Body(new ZodPipe(RequestCorrectionBody)) body: RequestCorrectionDto,
    @Res({ passthrough: true }) reply: HttpReply,
  ): Promise<CorrectionWritten> {
    const result = await this.corrections.request(requestContext(principal, meta), body);
    reply.header('location', `/corrections/${result.correctionId}`);
    setETag(reply, result.version);
    return result;
  }

  @Get()
  @ApiOperation({
    summary: 'List correction requests',
    description:
      'A citizen’s own requests with their status; for a registrar, the requests on the ' +
      'registers they keep (their work list with ?status=REQUESTED). Newest first.',
  })
  @ApiQuery({ name: 'status', required: false, enum: ['REQUESTED', 'ACCEPTED', 'REJECTED'] })
  @ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: 500 },
  })
  @ApiJsonResponse(
    200,
    'The requests',
    CorrectionList,
    {
      items: [
        {
          correctionId: CORRECTION_ID,
          status: 'ACCEPTED',
          register: 'persons',
          recordId: '1983081246785',
          field: 'familyName',
          requester: '1983081246785',
          requestedAt: '2026-03-01T10:00:00.000Z',
          decidedAt: '2026-03-02T09:00:00.000Z',
          decidedBy: 'clerk-1',
          reason: null,
          appliedToRecord: true,
          communicatedAt: '2026-03-02T09:00:00.050Z',
          version: 3,
        },
      ],
    },
    [],
  )
  @ApiProblems(400, 401, 403)
  async list(
    @CurrentPrincipal() principal: Principal,
    @Meta() meta: RequestMeta,
    @Query(new ZodPipe(CorrectionListQuery, 'query')) query: CorrectionListQueryDto,
  ): Promise<{ items: CorrectionSummary[] }> {
    return { items: await this.corrections.list(requestContext(principal, meta), query) };
  }

  @Get(':correctionId')
  @ApiOperation({
    summary: 'Read a correction request',
    description:
      'Its requester, or a registrar of the record’s register. Once a correction of a person’s ' +
      'record is accepted, `communicatedTo` names the organisations it was sent to because ' +
      'they had received the old value (each gets a notice on registry.correction-notices.v1).',
  })
  @ApiParam({ name: 'correctionId', schema: openApiSchema(CorrectionIdParam) })
  @ApiJsonResponse(200, 'The request', CorrectionViewSchema, {
    correctionId: CORRECTION_ID,
    status: 'ACCEPTED',
    register: 'persons',
    recordId: '1983081246785',
    field: 'familyName',
    value: 'Schmidt',
    justification: CORRECTION_EXAMPLES.request.justification,
    requester: '1983081246785',
    requestedAt: '2026-03-01T10:00:00.000Z',
    decidedAt: '2026-03-02T09:00:00.000Z',
    decidedBy: 'clerk-1',
    reason: null,
    communicatedTo: [
      {
        organisationId: 'ccss',
        lastReceivedAt: '2026-02-20T08:15:00.000Z',
        purpose: 'family-allowance-eligibility',
        legalBasis: 'Code de la sécurité sociale, art. 269',
        procedureId: null,
        communicatedAt: '2026-03-02T09:00:00.050Z',
        sealedUntil: null,
      },
    ],
    version: 3,
  })
  @ApiProblems(400, 401, 403, 404)
  async get(
    @CurrentPrincipal() principal: Principal,
    @Meta() meta: RequestMeta,
    @Param('correctionId', correctionIdParam) correctionId: string,
    @Res({ passthrough: true }) reply: HttpReply,
  ): Promise<CorrectionView> {
    const view = await this.corrections.get(requestContext(principal, meta), correctionId);
    setETag(reply, view.version);
    return view;
  }

  @Post(':correctionId/accept')
  @HttpCode(200)
  @Roles('registrar')
  @Idempotent({ required: false })
  @ApiOperation({
    summary: 'Accept a correction request',
    description:
      'A registrar of the record’s register (never on their own record or request). The ' +
      'accepted value then goes into the record, by the record’s own correction event; a ' +
      'correction of a person’s record is then communicated to every organisation that had ' +
      'read the field before (the request’s version moves again: 3). Repeating it changes ' +
      'nothing.',
  })
  @ApiParam({ name: 'correctionId', schema: openApiSchema(CorrectionIdParam) })
  @ApiIfMatch()
  @ApiBody({ required: false, schema: openApiSchema(AcceptCorrectionBody) })
  @ApiJsonResponse(200, 'Accepted (or already so)', CorrectionWrittenSchema, {
    correctionId: CORRECTION_ID,
    status: 'ACCEPTED',
    version: 3,
    changed: true,
    record: { register: 'persons', recordId: '1983081246785', version: 3, changed: true },
  })
  @ApiProblems(400, 401, 403, 404, 409, 412)
  async accept(
    @CurrentPrincipal() principal: Principal,
    @Meta() meta: RequestMeta,
    @Param('correctionId', correctionIdParam) correctionId: string,
    @IfMatch() expectedVersion: number | undefined,
    @Body(new ZodPipe(AcceptCorrectionBody)) _body: unknown,
    @Res({ passthrough: true }) reply: HttpReply,
  ): Promise<CorrectionAcceptance> {
    const result = await this.corrections.accept(requestContext(principal, meta), correctionId, {
      expectedVersion,
    });
    setETag(reply, result.version);
    return result;
  }

  @Post(':correctionId/reject')
  @HttpCode(200)
  @Roles('registrar')
  @Idempotent({ required: false })
  @ApiOperation({
    summary: 'Reject a correction request, with a reason for the requester',
    description: 'A registrar of the record’s register. The record is unchanged.',
  })
  @ApiParam({ name: 'correctionId', schema: openApiSchema(CorrectionIdParam) })
  @ApiIfMatch()
  @ApiBody({
    schema: openApiSchema(RejectCorrectionBody),
    examples: { reject: { value: CORRECTION_EXAMPLES.reject } },
  })
  @ApiJsonResponse(200, 'Rejected (or already so)', CorrectionWrittenSchema, {
    correctionId: CORRECTION_ID,
    status: 'REJECTED',
    version: 2,
    changed: true,
  })
  @ApiProblems(400, 401, 403, 404, 409, 412, 413, 415)
  async reject(
    @CurrentPrincipal() principal: Principal,
    @Meta() meta: RequestMeta,
    @Param('correctionId', correctionIdParam) correctionId: string,
    @IfMatch() expectedVersion: number | undefined,
    @Body(new ZodPipe(RejectCorrectionBody)) body: RejectCorrectionDto,
    @Res({ passthrough: true }) reply: HttpReply,
  ): Promise<CorrectionWritten> {
    const result = await this.corrections.reject(
      requestContext(principal, meta),
      correctionId,
      body.reason,
      { expectedVersion },
    );
    setETag(reply, result.version);
    return result;
  }
}
