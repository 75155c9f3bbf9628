import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Param,
  Post,
  Query,
  Res,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';

import { ConsentService } from '@gov/consent-application';
import type {
  ConsentView,
  ConsentWritten,
  ReceiptView,
  RequestContext,
} from '@gov/consent-application';
import { AuthGuard, Roles } from '@gov/platform-auth';
import {
  ApiIfMatch,
  ApiJsonResponse,
  ApiProblems,
  IfMatch,
  ZodPipe,
  openApiSchema,
  setETag,
} from '@gov/platform-chassis';
import type { HttpReply } from '@gov/platform-chassis';
import { IdempotencyInterceptor, Idempotent } from '@gov/platform-service';

import {
  ConsentIdParam,
  ConsentListQuery,
  ConsentViewSchema,
  ConsentWrittenSchema,
  GrantConsentBody,
  ReceiptIdParam,
  ReceiptViewSchema,
} from './dto/consent.dto';
import type { ConsentListQueryDto, GrantConsentDto } from './dto/consent.dto';
import { Context } from './request-context';

const consentIdParam = new ZodPipe(ConsentIdParam, 'consentId');
const CONSENT_ID = '0b7e4a52-8b4e-4f0e-9d1a-3c2f1e0d9a01';
const GRANT_EXAMPLE = {
  organisationId: 'ccss',
  categories: ['persons.address', 'personal-space.bank-account'],
  purpose: 'family-allowance-eligibility',
  validUntil: '2026-09-01T00:00:00Z',
  maxUses: 10,
};
const WRITTEN_EXAMPLE = {
  consentId: CONSENT_ID,
  status: 'ACTIVE',
  version: 1,
  changed: true,
  receiptId: '01931f0e-8f6a-7c3e-9d4b-2a1c0e9f8d7b',
};

/** The media type of a bare compact JWS (RFC 7515). */
const JOSE = 'application/jose';

/** Consent artefacts over HTTP: the person grants and changes them; readers read. */
@ApiTags('consents')
@ApiBearerAuth()
@Controller('consents')
@UseGuards(AuthGuard)
@UseInterceptors(IdempotencyInterceptor)
export class ConsentsController {
  constructor(private readonly consents: ConsentService) {}

  @Post()
  @HttpCode(201)
  @Roles('citizen')
  @Idempotent({ required: true, answerWithAppend: true })
  @ApiOperation({
    summary: 'Grant an organisation the use of your data',
    description:
      'A citizen, for their own data: named categories, for a purpose, optionally for one ' +
      'procedure and a number of uses, until an instant. Answers the new artefact and the id of ' +
      'its signed receipt. 410 DATA_ERASED once the registry erased the person.',
  })
  @ApiBody({
    schema: openApiSchema(GrantConsentBody),
    examples: { grant: { value: GRANT_EXAMPLE } },
  })
  @ApiJsonResponse(201, 'Granted', ConsentWrittenSchema, WRITTEN_EXAMPLE, ['ETag', 'Location'])
  @ApiProblems(400, 401, 403, 409, 410, 413, 415)
  async grant(
    @Context() context: RequestContext,
    @Body(new ZodPipe(GrantConsentBody)) body: GrantConsentDto,
    @Res({ passthrough: true }) reply: HttpReply,
  ): Promise<ConsentWritten> {
    const result = await this.consents.grant(context, body);
    reply.header('location', `/consents/${result.consentId}`);
    setETag(reply, result.version);
    return result;
  }

  @Get()
  @Roles('citizen', 'agency', 'dpo')
  @ApiOperation({
    summary: 'List consents',
    description:
      'A citizen’s own; an organisation’s, those naming it; a data-protection officer’s, any ' +
      '(filter by subject). Newest first, each with its status now.',
  })
  @ApiJsonResponse(
    200,
    'The artefacts',
    z.object({ items: z.array(ConsentViewSchema) }),
    {
      items: [],
    },
    [],
  )
  @ApiProblems(400, 401, 403)
  async list(
    @Context() context: RequestContext,
    @Query(new ZodPipe(ConsentListQuery, 'query')) query: ConsentListQueryDto,
  ): Promise<{ items: ConsentView[] }> {
    return { items: await this.consents.list(context, query) };
  }

  @Get(':consentId')
  @Roles('citizen', 'agency', 'dpo')
  @ApiOperation({
    summary: 'Read a consent artefact',
    description:
      'Its terms, its status now (EXPIRED from valid_until on), its use count and last use. ' +
      'The person, the organisation it names, or a data-protection officer.',
  })
  @ApiParam({ name: 'consentId', schema: openApiSchema(ConsentIdParam) })
  @ApiJsonResponse(200, 'The artefact', ConsentViewSchema, { consentId: CONSENT_ID })
  @ApiProblems(400, 401, 403, 404)
  async get(
    @Context() context: RequestContext,
    @Param('consentId', consentIdParam) consentId: string,
    @Res({ passthrough: true }) reply: HttpReply,
  ): Promise<ConsentView> {
    const view = await this.consents.get(context, consentId);
    setETag(reply, view.version);
    return view;
  }

  @Post(':consentId/change')
  @HttpCode(201)
  @Roles('citizen')
  @Idempotent({ required: true, answerWithAppend: true })
  @ApiOperation({
    summary: 'Change the terms: a new artefact supersedes this one',
    description:
      'Artefacts never change. The new terms become a new artefact; this one turns SUPERSEDED ' +
      '(with supersededBy), both in one transaction, each with a receipt.',
  })
  @ApiParam({ name: 'consentId', schema: openApiSchema(ConsentIdParam) })
  @ApiIfMatch()
  @ApiBody({ schema: openApiSchema(GrantConsentBody) })
  @ApiJsonResponse(
    201,
    'The new artefact',
    ConsentWrittenSchema,
    {
      ...WRITTEN_EXAMPLE,
      supersedes: CONSENT_ID,
    },
    ['ETag', 'Location'],
  )
  @ApiProblems(400, 401, 403, 404, 409, 410, 412, 413, 415)
  async change(
    @Context() context: RequestContext,
    @Param('consentId', consentIdParam) consentId: string,
    @IfMatch() expectedVersion: number | undefined,
    @Body(new ZodPipe(GrantConsentBody)) body: GrantConsentDto,
    @Res({ passthrough: true }) reply: HttpReply,
  ): Promise<ConsentWritten> {
    const result = await this.consents.change(context, consentId, body, expectedVersion);
    reply.header('location', `/consents/${result.consentId}`);
    setETag(reply, result.version);
    return result;
  }

  @Post(':consentId/pause')
  @HttpCode(200)
  @Roles('citizen')
  @Idempotent({ required: false, answerWithAppend: true })
  @ApiOperation({ summary: 'Pause: uses are denied until you resume (a repeat changes nothing)' })
  @ApiParam({ name: 'consentId', schema: openApiSchema(ConsentIdParam) })
  @ApiIfMatch()
  @ApiJsonResponse(200, 'Paused', ConsentWrittenSchema, { ...WRITTEN_EXAMPLE, status: 'PAUSED' })
  @ApiProblems(400, 401, 403, 404, 409, 412)
  async pause(
    @Context() context: RequestContext,
    @Param('consentId', consentIdParam) consentId: string,
    @IfMatch() expectedVersion: number | undefined,
    @Res({ passthrough: true }) reply: HttpReply,
  ): Promise<ConsentWritten> {
    return withVersion(reply, await this.consents.pause(context, consentId, expectedVersion));
  }

  @Post(':consentId/resume')
  @HttpCode(200)
  @Roles('citizen')
  @Idempotent({ required: false, answerWithAppend: true })
  @ApiOperation({ summary: 'Resume a paused consent (a repeat changes nothing)' })
  @ApiParam({ name: 'consentId', schema: openApiSchema(ConsentIdParam) })
  @ApiIfMatch()
  @ApiJsonResponse(200, 'Active again', ConsentWrittenSchema, WRITTEN_EXAMPLE)
  @ApiProblems(400, 401, 403, 404, 409, 412)
  async resume(
    @Context() context: RequestContext,
    @Param('consentId', consentIdParam) consentId: string,
    @IfMatch() expectedVersion: number | undefined,
    @Res({ passthrough: true }) reply: HttpReply,
  ): Promise<ConsentWritten> {
    return withVersion(reply, await this.consents.resume(context, consentId, expectedVersion));
  }

  @Post(':consentId/revoke')
  @HttpCode(200)
  @Roles('citizen')
  @Idempotent({ required: false, answerWithAppend: true })
  @ApiOperation({
    summary: 'Revoke: uses are denied for good; yields a receipt (a repeat changes nothing)',
  })
  @ApiParam({ name: 'consentId', schema: openApiSchema(ConsentIdParam) })
  @ApiIfMatch()
  @ApiJsonResponse(200, 'Revoked', ConsentWrittenSchema, { ...WRITTEN_EXAMPLE, status: 'REVOKED' })
  @ApiProblems(400, 401, 403, 404, 409, 412)
  async revoke(
    @Context() context: RequestContext,
    @Param('consentId', consentIdParam) consentId: string,
    @IfMatch() expectedVersion: number | undefined,
    @Res({ passthrough: true }) reply: HttpReply,
  ): Promise<ConsentWritten> {
    return withVersion(reply, await this.consents.revoke(context, consentId, expectedVersion));
  }

  @Get(':consentId/receipts')
  @Roles('citizen', 'agency', 'dpo')
  @ApiOperation({
    summary: 'The receipts of a consent',
    description:
      'One per grant, change and revocation: Kantara Consent Receipt v1.1 and ISO/IEC TS 27560 ' +
      'fields, signed as a compact JWS (EdDSA); verify offline with GET /.well-known/jwks.json.',
  })
  @ApiParam({ name: 'consentId', schema: openApiSchema(ConsentIdParam) })
  @ApiJsonResponse(
    200,
    'The receipts',
    z.object({ items: z.array(ReceiptViewSchema) }),
    {
      items: [],
    },
    [],
  )
  @ApiProblems(400, 401, 403, 404)
  async receipts(
    @Context() context: RequestContext,
    @Param('consentId', consentIdParam) consentId: string,
  ): Promise<{ items: ReceiptView[] }> {
    return { items: await this.consents.receipts(context, consentId) };
  }

  @Get(':consentId/receipts/:receiptId')
  @Roles('citizen', 'agency', 'dpo')
  @ApiOperation({
    summary: 'One receipt',
    description: `JSON by default; with \`Accept: ${JOSE}\`, the bare compact JWS.`,
  })
  @ApiParam({ name: 'consentId', schema: openApiSchema(ConsentIdParam) })
  @ApiParam({ name: 'receiptId', schema: openApiSchema(ReceiptIdParam) })
  @ApiJsonResponse(200, 'The receipt', ReceiptViewSchema, { receiptId: CONSENT_ID }, [])
  @ApiProblems(400, 401, 403, 404)
  async receipt(
    @Context() context: RequestContext,
    @Param('consentId', consentIdParam) consentId: string,
    @Param('receiptId', new ZodPipe(ReceiptIdParam, 'receiptId')) receiptId: string,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: HttpReply,
  ): Promise<ReceiptView | string> {
    const receipt = await this.consents.receipt(context, consentId, receiptId);
    if (accept?.includes(JOSE) === true) {
      reply.header('content-type', JOSE);
      return receipt.jws;
    }
    return receipt;
  }
}

function withVersion(reply: HttpReply, written: ConsentWritten): ConsentWritten {
  setETag(reply, written.version);
  return written;
}
