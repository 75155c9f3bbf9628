import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Put,
  Query,
  Res,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';

import { AuthGuard, CurrentPrincipal, Roles } from '@gov/platform-auth';
import type { Principal } from '@gov/platform-auth';
import {
  ApiJsonResponse,
  ApiProblems,
  IfMatch,
  openApiSchema,
  setETag,
  withETag,
  ZodPipe,
} from '@gov/platform-chassis';
import type { HttpReply } from '@gov/platform-chassis';
import { IdempotencyInterceptor, Idempotent } from '@gov/platform-service';
import { BusinessService } from '@gov/registry-application';
import type { BusinessRead, BusinessWritten, RecordHistory } from '@gov/registry-application';

import {
  BUSINESS_EXAMPLES,
  BusinessView as BusinessViewSchema,
  BusinessWritten as BusinessWrittenSchema,
  ChangeBusinessAddressBody,
  ChangeManagersBody,
  RegisterBusinessBody,
  StrikeOffBody,
} from './dto/businesses.dto';
import type {
  ChangeBusinessAddressDto,
  ChangeManagersDto,
  RegisterBusinessDto,
  StrikeOffDto,
} from './dto/businesses.dto';
import {
  AsOfQuery,
  BusinessNumberParam,
  RecordHistory as RecordHistorySchema,
} from './dto/common.dto';
import { ChangeRoute } from './change-route';
import { ApiReadDeclaration, Meta, requestContext } from './request-meta';
import type { RequestMeta } from './request-meta';

const businessNumberParam = new ZodPipe(BusinessNumberParam, 'businessNumber');
const WRITTEN_EXAMPLE = { businessNumber: 'B123456', version: 2, changed: true };
const BUSINESS_NUMBER_PARAM = { name: 'businessNumber', schema: BusinessNumberParam };

/** The register of businesses over HTTP; every rule is the application's. */
@ApiTags('businesses')
@ApiBearerAuth()
@Controller('businesses')
@UseGuards(AuthGuard)
@UseInterceptors(IdempotencyInterceptor)
export class BusinessesController {
  constructor(private readonly businesses: BusinessService) {}

  @Post()
  @HttpCode(201)
  @Roles('registrar')
  @Idempotent({ required: true, answerWithAppend: true })
  @ApiOperation({
    summary: 'Register a business',
    description: 'A registrar of the businesses register; the registry assigns the number.',
  })
  @ApiBody({
    schema: openApiSchema(RegisterBusinessBody),
    examples: { sarl: { value: BUSINESS_EXAMPLES.register } },
  })
  @ApiJsonResponse(201, 'Registered', BusinessWrittenSchema, { ...WRITTEN_EXAMPLE, version: 1 }, [
    'ETag',
    'Location',
  ])
  @ApiProblems(400, 401, 403, 409, 413, 415)
  async register(
    @CurrentPrincipal() principal: Principal,
    @Meta() meta: RequestMeta,
    @Body(new ZodPipe(RegisterBusinessBody)) body: RegisterBusinessDto,
    @Res({ passthrough: true }) reply: HttpReply,
  ): Promise<BusinessWritten> {
    const result = await this.businesses.register(requestContext(principal, meta), body);
    reply.header('location', `/businesses/${result.businessNumber}`);
    return withETag(reply, result);
  }

  @Get(':businessNumber')
  @ApiOperation({
    summary: 'Read a business’s record, now or as of an instant',
    description:
      'Registrars of the businesses register; agencies stating X-Purpose (and optionally ' +
      'X-Legal-Basis, the id of one of their legal bases in the catalogue), on a basis of ' +
      'theirs that allows the purpose on business records, receiving only the fields it allows.',
  })
  @ApiParam({ name: 'businessNumber', schema: openApiSchema(BusinessNumberParam) })
  @ApiQuery({ name: 'asOf', required: false, schema: openApiSchema(AsOfQuery) })
  @ApiReadDeclaration()
  @ApiJsonResponse(200, 'The record', BusinessViewSchema, {
    businessNumber: 'B123456',
    status: 'active',
    version: 1,
    ...BUSINESS_EXAMPLES.register,
    strikeOff: null,
  })
  @ApiProblems(400, 401, 403, 404)
  async get(
    @CurrentPrincipal() principal: Principal,
    @Meta() meta: RequestMeta,
    @Param('businessNumber', businessNumberParam) businessNumber: string,
    @Query('asOf', new ZodPipe(AsOfQuery, 'asOf')) asOf: Date | undefined,
    @Res({ passthrough: true }) reply: HttpReply,
  ): Promise<BusinessRead> {
    const view = await this.businesses.get(requestContext(principal, meta), businessNumber, asOf);
    if (asOf === undefined) setETag(reply, view.version);
    return view;
  }

  @Get(':businessNumber/history')
  @ApiOperation({ summary: 'Every change of a business’s record, oldest first' })
  @ApiParam({ name: 'businessNumber', schema: openApiSchema(BusinessNumberParam) })
  @ApiReadDeclaration()
  @ApiJsonResponse(200, 'The history', RecordHistorySchema, {
    recordId: 'B123456',
    version: 2,
    entries: [
      {
        version: 2,
        eventType: 'gov.registry.v1.BusinessAddressChanged',
        recordedAt: '2026-03-01T10:00:00.000Z',
        occurredAt: '2026-03-01T10:00:00.000Z',
        actor: { kind: 'registrar', id: 'clerk-2', organisationId: 'lbr' },
        correlationId: '5c0d6f5e-8d1c-4b51-9a4e-3c9b3a3d2f10',
        causationId: null,
        changedFields: ['registeredAddress'],
        changes: BUSINESS_EXAMPLES.changeAddress,
        correctionId: null,
      },
    ],
  })
  @ApiProblems(400, 401, 403, 404)
  async history(
    @CurrentPrincipal() principal: Principal,
    @Meta() meta: RequestMeta,
    @Param('businessNumber', businessNumberParam) businessNumber: string,
    @Res({ passthrough: true }) reply: HttpReply,
  ): Promise<RecordHistory> {
    const history = await this.businesses.history(requestContext(principal, meta), businessNumber);
    setETag(reply, history.version);
    return history;
  }

  @Put(':businessNumber/address')
  @ChangeRoute({
    summary: 'Record a move of the registered office',
    param: BUSINESS_NUMBER_PARAM,
    body: ChangeBusinessAddressBody,
    example: ['esch', BUSINESS_EXAMPLES.changeAddress],
    answer: {
      description: 'Changed (or already so)',
      schema: BusinessWrittenSchema,
      example: WRITTEN_EXAMPLE,
    },
  })
  async changeAddress(
    @CurrentPrincipal() principal: Principal,
    @Meta() meta: RequestMeta,
    @Param('businessNumber', businessNumberParam) businessNumber: string,
    @IfMatch() expectedVersion: number | undefined,
    @Body(new ZodPipe(ChangeBusinessAddressBody)) body: ChangeBusinessAddressDto,
    @Res({ passthrough: true }) reply: HttpReply,
  ): Promise<BusinessWritten> {
    return withETag(
      reply,
      await this.businesses.changeAddress(
        requestContext(principal, meta),
        businessNumber,
        body.registeredAddress,
        { expectedVersion },
      ),
    );
  }

  @Put(':businessNumber/managers')
  @ChangeRoute({
    summary: 'Record the managers as they now are',
    param: BUSINESS_NUMBER_PARAM,
    body: ChangeManagersBody,
    example: ['board', BUSINESS_EXAMPLES.changeManagers],
    answer: {
      description: 'Changed (or already so)',
      schema: BusinessWrittenSchema,
      example: WRITTEN_EXAMPLE,
    },
  })
  async changeManagers(
    @CurrentPrincipal() principal: Principal,
    @Meta() meta: RequestMeta,
    @Param('businessNumber', businessNumberParam) businessNumber: string,
    @IfMatch() expectedVersion: number | undefined,
    @Body(new ZodPipe(ChangeManagersBody)) body: ChangeManagersDto,
    @Res({ passthrough: true }) reply: HttpReply,
  ): Promise<BusinessWritten> {
    return withETag(
      reply,
      await this.businesses.changeManagers(
        requestContext(principal, meta),
        businessNumber,
        body.managers,
        { expectedVersion },
      ),
    );
  }

  @Post(':businessNumber/strike-off')
  @ChangeRoute({
    summary: 'Strike the business off the register',
    description: 'Afterwards only accepted corrections change the record.',
    param: BUSINESS_NUMBER_PARAM,
    body: StrikeOffBody,
    example: ['dissolution', BUSINESS_EXAMPLES.strikeOff],
    answer: {
      description: 'Struck off (or already so)',
      schema: BusinessWrittenSchema,
      example: WRITTEN_EXAMPLE,
    },
  })
  async strikeOff(
    @CurrentPrincipal() principal: Principal,
    @Meta() meta: RequestMeta,
    @Param('businessNumber', businessNumberParam) businessNumber: string,
    @IfMatch() expectedVersion: number | undefined,
    @Body(new ZodPipe(StrikeOffBody)) body: StrikeOffDto,
    @Res({ passthrough: true }) reply: HttpReply,
  ): Promise<BusinessWritten> {
    return withETag(
      reply,
      await this.businesses.strikeOff(requestContext(principal, meta), businessNumber, body, {
        expectedVersion,
      }),
    );
  }
}
