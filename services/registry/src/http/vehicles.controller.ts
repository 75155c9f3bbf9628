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
import { VehicleService } from '@gov/registry-application';
import type { RecordHistory, VehicleRead, VehicleWritten } from '@gov/registry-application';

import { AsOfQuery, RecordHistory as RecordHistorySchema } from './dto/common.dto';
import {
  DeregisterVehicleBody,
  RegisterVehicleBody,
  RegistrationNumberParam,
  TransferOwnershipBody,
  VEHICLE_EXAMPLES,
  VehicleView as VehicleViewSchema,
  VehicleWritten as VehicleWrittenSchema,
} from './dto/vehicles.dto';
import type {
  DeregisterVehicleDto,
  RegisterVehicleDto,
  TransferOwnershipDto,
} from './dto/vehicles.dto';
import { ChangeRoute } from './change-route';
import { ApiReadDeclaration, Meta, requestContext } from './request-meta';
import type { RequestMeta } from './request-meta';

const registrationNumberParam = new ZodPipe(RegistrationNumberParam, 'registrationNumber');
const WRITTEN_EXAMPLE = { registrationNumber: 'AB1234', version: 2, changed: true };
const REGISTRATION_NUMBER_PARAM = { name: 'registrationNumber', schema: RegistrationNumberParam };

/** The register of vehicles over HTTP; every rule is the application's. */
@ApiTags('vehicles')
@ApiBearerAuth()
@Controller('vehicles')
@UseGuards(AuthGuard)
@UseInterceptors(IdempotencyInterceptor)
export class VehiclesController {
  constructor(private readonly vehicles: VehicleService) {}

  @Post()
  @HttpCode(201)
  @Roles('registrar')
  @Idempotent({ required: true, answerWithAppend: true })
  @ApiOperation({
    summary: 'Register a vehicle',
    description:
      'A registrar of the vehicles register, under the number they issued. The owner must be ' +
      'on record: a living person, or a business not struck off (422 OWNER_NOT_ON_RECORD); a number ' +
      'already registered is refused (409).',
  })
  @ApiBody({
    schema: openApiSchema(RegisterVehicleBody),
    examples: { car: { value: VEHICLE_EXAMPLES.register } },
  })
  @ApiJsonResponse(201, 'Registered', VehicleWrittenSchema, { ...WRITTEN_EXAMPLE, version: 1 }, [
    'ETag',
    'Location',
  ])
  @ApiProblems(400, 401, 403, 409, 413, 415, 422)
  async register(
    @CurrentPrincipal() principal: Principal,
    @Meta() meta: RequestMeta,
    @Body(new ZodPipe(RegisterVehicleBody)) body: RegisterVehicleDto,
    @Res({ passthrough: true }) reply: HttpReply,
  ): Promise<VehicleWritten> {
    const result = await this.vehicles.register(requestContext(principal, meta), body);
    reply.header('location', `/vehicles/${result.registrationNumber}`);
    return withETag(reply, result);
  }

  @Get(':registrationNumber')
  @ApiOperation({
    summary: 'Read a vehicle’s record, now or as of an instant',
    description:
      'Registrars of the vehicles register; the citizen who owns it now; agencies stating ' +
      'X-Purpose (and optionally X-Legal-Basis), on a basis of theirs that allows the purpose ' +
      'on vehicle records, receiving only the fields it allows. An owner whose data was erased ' +
      'is shown as erased, without the number.',
  })
  @ApiParam({ name: 'registrationNumber', schema: openApiSchema(RegistrationNumberParam) })
  @ApiQuery({ name: 'asOf', required: false, schema: openApiSchema(AsOfQuery) })
  @ApiReadDeclaration()
  @ApiJsonResponse(200, 'The record', VehicleViewSchema, {
    registrationNumber: 'AB1234',
    status: 'registered',
    version: 1,
    owner: VEHICLE_EXAMPLES.register.owner,
    make: 'Renault',
    model: 'Zoe',
    firstRegistration: '2021-04-15',
    deregistration: null,
  })
  @ApiProblems(400, 401, 403, 404)
  async get(
    @CurrentPrincipal() principal: Principal,
    @Meta() meta: RequestMeta,
    @Param('registrationNumber', registrationNumberParam) registrationNumber: string,
    @Query('asOf', new ZodPipe(AsOfQuery, 'asOf')) asOf: Date | undefined,
    @Res({ passthrough: true }) reply: HttpReply,
  ): Promise<VehicleRead> {
    const view = await this.vehicles.get(requestContext(principal, meta), registrationNumber, asOf);
    if (asOf === undefined) setETag(reply, view.version);
    return view;
  }

  @Get(':registrationNumber/history')
  @ApiOperation({ summary: 'Every change of a vehicle’s record, oldest first' })
  @ApiParam({ name: 'registrationNumber', schema: openApiSchema(RegistrationNumberParam) })
  @ApiReadDeclaration()
  @ApiJsonResponse(200, 'The history', RecordHistorySchema, {
    recordId: 'AB1234',
    version: 2,
    entries: [
      {
        version: 2,
        eventType: 'gov.registry.vehicles.v1.VehicleOwnershipTransferred',
        recordedAt: '2026-03-01T10:00:00.000Z',
        occurredAt: '2026-03-01T10:00:00.000Z',
        actor: { kind: 'registrar', id: 'clerk-5', organisationId: 'snca' },
        correlationId: '5c0d6f5e-8d1c-4b51-9a4e-3c9b3a3d2f10',
        causationId: null,
        changedFields: ['owner'],
        changes: VEHICLE_EXAMPLES.transfer,
        correctionId: null,
      },
    ],
  })
  @ApiProblems(400, 401, 403, 404)
  async history(
    @CurrentPrincipal() principal: Principal,
    @Meta() meta: RequestMeta,
    @Param('registrationNumber', registrationNumberParam) registrationNumber: string,
    @Res({ passthrough: true }) reply: HttpReply,
  ): Promise<RecordHistory> {
    const history = await this.vehicles.history(
      requestContext(principal, meta),
      registrationNumber,
    );
    setETag(reply, history.version);
    return history;
  }

  @Put(':registrationNumber/owner')
  @ChangeRoute({
    summary: 'Record the vehicle’s new owner',
    description: 'The new owner must be on record (422 OWNER_NOT_ON_RECORD).',
    param: REGISTRATION_NUMBER_PARAM,
    body: TransferOwnershipBody,
    example: ['sold', VEHICLE_EXAMPLES.transfer],
    answer: {
      description: 'Transferred (or already so)',
      schema: VehicleWrittenSchema,
      example: WRITTEN_EXAMPLE,
    },
  })
  @ApiProblems(422)
  async transferOwnership(
    @CurrentPrincipal() principal: Principal,
    @Meta() meta: RequestMeta,
    @Param('registrationNumber', registrationNumberParam) registrationNumber: string,
    @IfMatch() expectedVersion: number | undefined,
    @Body(new ZodPipe(TransferOwnershipBody)) body: TransferOwnershipDto,
    @Res({ passthrough: true }) reply: HttpReply,
  ): Promise<VehicleWritten> {
    return withETag(
      reply,
      await this.vehicles.transferOwnership(
        requestContext(principal, meta),
        registrationNumber,
        body.owner,
        { expectedVersion },
      ),
    );
  }

  @Post(':registrationNumber/deregistration')
  @ChangeRoute({
    summary: 'Take the vehicle off the register',
    description: 'Afterwards the record no longer changes.',
    param: REGISTRATION_NUMBER_PARAM,
    body: DeregisterVehicleBody,
    example: ['scrapped', VEHICLE_EXAMPLES.deregister],
    answer: {
      description: 'Deregistered (or already so)',
      schema: VehicleWrittenSchema,
      example: WRITTEN_EXAMPLE,
    },
  })
  async deregister(
    @CurrentPrincipal() principal: Principal,
    @Meta() meta: RequestMeta,
    @Param('registrationNumber', registrationNumberParam) registrationNumber: string,
    @IfMatch() expectedVersion: number | undefined,
    @Body(new ZodPipe(DeregisterVehicleBody)) body: DeregisterVehicleDto,
    @Res({ passthrough: true }) reply: HttpReply,
  ): Promise<VehicleWritten> {
    return withETag(
      reply,
      await this.vehicles.deregister(requestContext(principal, meta), registrationNumber, body, {
        expectedVersion,
      }),
    );
  }
}
