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
  ApiIfMatch,
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
import { BusinessService, PersonService } from '@gov/registry-application';
import type {
  ManagedBusinesses,
  PersonErasure,
  PersonRead,
  PersonWritten,
  PersonsRegistered,
  RecordHistory,
} from '@gov/registry-application';

import { AsOfQuery, NationalIdParam, RecordHistory as RecordHistorySchema } from './dto/common.dto';
import {
  ChangeAddressBody,
  ChangeCivilStatusBody,
  ChangeNameBody,
  ErasePersonBody,
  PERSON_EXAMPLES,
  PersonErasure as PersonErasureSchema,
  PersonView as PersonViewSchema,
  PersonWritten as PersonWrittenSchema,
  PersonsRegistered as PersonsRegisteredSchema,
  RecordDeathBody,
  RegisterPersonBody,
  RegisterPersonsBody,
} from './dto/persons.dto';
import type {
  ChangeAddressDto,
  ChangeCivilStatusDto,
  ChangeNameDto,
  ErasePersonDto,
  RecordDeathDto,
  RegisterPersonDto,
  RegisterPersonsDto,
} from './dto/persons.dto';
import { ManagedBusinesses as ManagedBusinessesSchema } from './dto/businesses.dto';
import { ChangeRoute } from './change-route';
import { ApiReadDeclaration, Meta, requestContext } from './request-meta';
import type { RequestMeta } from './request-meta';

const nationalIdParam = new ZodPipe(NationalIdParam, 'nationalId');

/** An erasure as answered: its time in ISO 8601. */
type PersonErasureView = Omit<PersonErasure, 'erasedAt'> & { readonly erasedAt: string };
const WRITTEN_EXAMPLE = { nationalId: '1983081246785', version: 2, changed: true };
const NATIONAL_ID_PARAM = { name: 'nationalId', schema: NationalIdParam };

/** The register of natural persons over HTTP; every rule is the application's. */
@ApiTags('persons')
@ApiBearerAuth()
@Controller('persons')
@UseGuards(AuthGuard)
@UseInterceptors(IdempotencyInterceptor)
export class PersonsController {
  constructor(
    private readonly persons: PersonService,
    private readonly businesses: BusinessService,
  ) {}

  @Post()
  @HttpCode(201)
  @Roles('registrar')
  @Idempotent({ required: true, answerWithAppend: true })
  @ApiOperation({
    summary: 'Register a person',
    description:
      'A registrar of the persons register enters a person; the registry assigns the national ' +
      'identification number (birth date, the next free sequence number, check digits).',
  })
  @ApiBody({
    schema: openApiSchema(RegisterPersonBody),
    examples: { anna: { value: PERSON_EXAMPLES.register } },
  })
  @ApiJsonResponse(201, 'Registered', PersonWrittenSchema, { ...WRITTEN_EXAMPLE, version: 1 }, [
    'ETag',
    'Location',
  ])
  @ApiProblems(400, 401, 403, 409, 413, 415)
  async register(
    @CurrentPrincipal() principal: Principal,
    @Meta() meta: RequestMeta,
    @Body(new ZodPipe(RegisterPersonBody)) body: RegisterPersonDto,
    @Res({ passthrough: true }) reply: HttpReply,
  ): Promise<PersonWritten> {
    const written = await this.persons.register(requestContext(principal, meta), body);
    reply.header('location', `/persons/${written.nationalId}`);
    setETag(reply, written.version);
    return written;
  }

  @Post('batch')
  @HttpCode(201)
  @Roles('registrar')
  @Idempotent({ required: true })
  @ApiOperation({
    summary: 'Register many persons at once',
    description:
      'A bulk import by a registrar of the persons register: up to 500 persons, registered all ' +
      'or none in one transaction. An invalid entry fails the whole request with 400, its ' +
      'fields named by their index (`persons[3].birthDate`); nothing is registered then.',
  })
  @ApiBody({
    schema: openApiSchema(RegisterPersonsBody),
    examples: {
      two: {
        value: {
          persons: [
            PERSON_EXAMPLES.register,
            { ...PERSON_EXAMPLES.register, givenNames: 'Luc', sex: 'M' },
          ],
        },
      },
    },
  })
  @ApiJsonResponse(
    201,
    'Registered',
    PersonsRegisteredSchema,
    {
      registered: [
        { ...WRITTEN_EXAMPLE, version: 1 },
        { nationalId: '1983081200157', version: 1, changed: true },
      ],
    },
    [],
  )
  @ApiProblems(400, 401, 403, 409, 413, 415)
  registerMany(
    @CurrentPrincipal() principal: Principal,
    @Meta() meta: RequestMeta,
    @Body(new ZodPipe(RegisterPersonsBody)) body: RegisterPersonsDto,
  ): Promise<PersonsRegistered> {
    return this.persons.registerMany(requestContext(principal, meta), body.persons);
  }

  @Get(':nationalId')
  @ApiOperation({
    summary: 'Read a person’s record, now or as of an instant',
    description:
      'Citizens read their own record; registrars of the persons register any. Agencies state ' +
      'X-Purpose, and optionally X-Legal-Basis (the id of one of their legal bases in the ' +
      'catalogue): a basis of theirs that allows the purpose permits the read, else the ' +
      'person’s ACTIVE consent (asked of the consent service), else 403; they receive only the ' +
      'fields the basis or consent allows. Reads by registrars and agencies are recorded in the ' +
      'person’s access log before the record is returned.',
  })
  @ApiParam({ name: 'nationalId', schema: openApiSchema(NationalIdParam) })
  @ApiQuery({ name: 'asOf', required: false, schema: openApiSchema(AsOfQuery) })
  @ApiReadDeclaration()
  @ApiJsonResponse(200, 'The record', PersonViewSchema, {
    nationalId: '1983081246785',
    status: 'registered',
    version: 2,
    ...PERSON_EXAMPLES.register,
    ...PERSON_EXAMPLES.changeAddress,
    civilStatusSince: null,
    dateOfDeath: null,
  })
  @ApiProblems(400, 401, 403, 404, 410, 503)
  async get(
    @CurrentPrincipal() principal: Principal,
    @Meta() meta: RequestMeta,
    @Param('nationalId', nationalIdParam) nationalId: string,
    @Query('asOf', new ZodPipe(AsOfQuery, 'asOf')) asOf: Date | undefined,
    @Res({ passthrough: true }) reply: HttpReply,
  ): Promise<PersonRead> {
    const view = await this.persons.get(requestContext(principal, meta), nationalId, asOf);
    if (asOf === undefined) setETag(reply, view.version);
    return view;
  }

  @Get(':nationalId/history')
  @ApiOperation({
    summary: 'Every change of a person’s record',
    description:
      'Oldest first: version, event type, when it was recorded and decided, by whom, and what ' +
      'it changed. Same access rules and recording as reading the record.',
  })
  @ApiParam({ name: 'nationalId', schema: openApiSchema(NationalIdParam) })
  @ApiReadDeclaration()
  @ApiJsonResponse(200, 'The history', RecordHistorySchema, {
    recordId: '1983081246785',
    version: 2,
    entries: [
      {
        version: 2,
        eventType: 'gov.registry.v1.PersonAddressChanged',
        recordedAt: '2026-03-01T10:00:00.000Z',
        occurredAt: '2026-03-01T10:00:00.000Z',
        actor: { kind: 'registrar', id: 'clerk-1', organisationId: 'rnpp' },
        correlationId: '5c0d6f5e-8d1c-4b51-9a4e-3c9b3a3d2f10',
        causationId: null,
        changedFields: ['address'],
        changes: PERSON_EXAMPLES.changeAddress,
        correctionId: null,
      },
    ],
  })
  @ApiProblems(400, 401, 403, 404, 410)
  async history(
    @CurrentPrincipal() principal: Principal,
    @Meta() meta: RequestMeta,
    @Param('nationalId', nationalIdParam) nationalId: string,
    @Res({ passthrough: true }) reply: HttpReply,
  ): Promise<RecordHistory> {
    const history = await this.persons.history(requestContext(principal, meta), nationalId);
    setETag(reply, history.version);
    return history;
  }

  @Get(':nationalId/businesses')
  @ApiOperation({
    summary: 'The businesses a person manages now',
    description:
      'The person themself, and registrars of the businesses register. Every business whose ' +
      'record names the person among its managers, struck-off ones included, by business ' +
      'number, with the person’s role. Found through a read model of the businesses’ events, ' +
      'a moment behind the log: a business registered or changed a moment ago may be missing ' +
      'for that moment; one whose record no longer names the person is never listed.',
  })
  @ApiParam({ name: 'nationalId', schema: openApiSchema(NationalIdParam) })
  @ApiJsonResponse(200, 'The businesses', ManagedBusinessesSchema, {
    nationalId: '1983081246785',
    businesses: [
      {
        businessNumber: 'B123456',
        name: 'Moselle Logistics',
        legalForm: 'SARL',
        status: 'active',
        role: 'manager',
      },
    ],
  })
  @ApiProblems(400, 401, 403)
  managedBusinesses(
    @CurrentPrincipal() principal: Principal,
    @Meta() meta: RequestMeta,
    @Param('nationalId', nationalIdParam) nationalId: string,
  ): Promise<ManagedBusinesses> {
    return this.businesses.managedBy(requestContext(principal, meta), nationalId);
  }

  @Post(':nationalId/erasure')
  @HttpCode(200)
  @Roles('registrar')
  @Idempotent({ required: false })
  @ApiOperation({
    summary: 'Erase a person’s data',
    description:
      'A registrar of the persons register, stating the legal ground. Appends PersonErased, ' +
      'which closes the record for good, then destroys the person’s key on this site: the ' +
      'personal data of every earlier event becomes unreadable (the events, their hashes and ' +
      'the log’s digests stay). The embassy destroys its copy when it replays the event, and ' +
      'on the keys topic. Afterwards every read of the record answers 410 and every change ' +
      '410; the change feed publishes a tombstone for the number. Repeating it answers ' +
      '`changed: false`. Only the national identification number remains (never issued ' +
      'again). See README, “Data protection”.',
  })
  @ApiParam({ name: 'nationalId', schema: openApiSchema(NationalIdParam) })
  @ApiIfMatch()
  @ApiBody({
    schema: openApiSchema(ErasePersonBody),
    examples: { 'registered in error': { value: { legalGround: 'court decision 2026/123' } } },
  })
  @ApiJsonResponse(200, 'Erased (or erased before)', PersonErasureSchema, {
    nationalId: '1983081246785',
    version: 3,
    changed: true,
    erasedAt: '2026-12-06T10:00:00.000Z',
  })
  @ApiProblems(400, 401, 403, 404, 412, 413, 415)
  async erase(
    @CurrentPrincipal() principal: Principal,
    @Meta() meta: RequestMeta,
    @Param('nationalId', nationalIdParam) nationalId: string,
    @IfMatch() expectedVersion: number | undefined,
    @Body(new ZodPipe(ErasePersonBody)) body: ErasePersonDto,
    @Res({ passthrough: true }) reply: HttpReply,
  ): Promise<PersonErasureView> {
    const erased = await this.persons.erase(requestContext(principal, meta), nationalId, body, {
      expectedVersion,
    });
    setETag(reply, erased.version);
    return { ...erased, erasedAt: erased.erasedAt.toISOString() };
  }

  @Put(':nationalId/name')
  @ChangeRoute({
    summary: 'Record a new name',
    param: NATIONAL_ID_PARAM,
    body: ChangeNameBody,
    example: ['marriage', PERSON_EXAMPLES.changeName],
    answer: {
      description: 'Changed (or already so)',
      schema: PersonWrittenSchema,
      example: WRITTEN_EXAMPLE,
    },
  })
  async changeName(
    @CurrentPrincipal() principal: Principal,
    @Meta() meta: RequestMeta,
    @Param('nationalId', nationalIdParam) nationalId: string,
    @IfMatch() expectedVersion: number | undefined,
    @Body(new ZodPipe(ChangeNameBody)) body: ChangeNameDto,
    @Res({ passthrough: true }) reply: HttpReply,
  ): Promise<PersonWritten> {
    return withETag(
      reply,
      await this.persons.changeName(requestContext(principal, meta), nationalId, body, {
        expectedVersion,
      }),
    );
  }

  @Put(':nationalId/address')
  @ChangeRoute({
    summary: 'Record a move',
    param: NATIONAL_ID_PARAM,
    body: ChangeAddressBody,
    example: ['esch', PERSON_EXAMPLES.changeAddress],
    answer: {
      description: 'Changed (or already so)',
      schema: PersonWrittenSchema,
      example: WRITTEN_EXAMPLE,
    },
  })
  async changeAddress(
    @CurrentPrincipal() principal: Principal,
    @Meta() meta: RequestMeta,
    @Param('nationalId', nationalIdParam) nationalId: string,
    @IfMatch() expectedVersion: number | undefined,
    @Body(new ZodPipe(ChangeAddressBody)) body: ChangeAddressDto,
    @Res({ passthrough: true }) reply: HttpReply,
  ): Promise<PersonWritten> {
    return withETag(
      reply,
      await this.persons.changeAddress(requestContext(principal, meta), nationalId, body.address, {
        expectedVersion,
      }),
    );
  }

  @Put(':nationalId/civil-status')
  @ChangeRoute({
    summary: 'Record a civil-status act',
    param: NATIONAL_ID_PARAM,
    body: ChangeCivilStatusBody,
    example: ['marriage', PERSON_EXAMPLES.changeCivilStatus],
    answer: {
      description: 'Changed (or already so)',
      schema: PersonWrittenSchema,
      example: WRITTEN_EXAMPLE,
    },
  })
  async changeCivilStatus(
    @CurrentPrincipal() principal: Principal,
    @Meta() meta: RequestMeta,
    @Param('nationalId', nationalIdParam) nationalId: string,
    @IfMatch() expectedVersion: number | undefined,
    @Body(new ZodPipe(ChangeCivilStatusBody)) body: ChangeCivilStatusDto,
    @Res({ passthrough: true }) reply: HttpReply,
  ): Promise<PersonWritten> {
    return withETag(
      reply,
      await this.persons.changeCivilStatus(requestContext(principal, meta), nationalId, body, {
        expectedVersion,
      }),
    );
  }

  @Post(':nationalId/death')
  @ChangeRoute({
    summary: 'Record the death of the person',
    description: 'Afterwards only accepted corrections change the record.',
    param: NATIONAL_ID_PARAM,
    body: RecordDeathBody,
    example: ['death', PERSON_EXAMPLES.recordDeath],
    answer: {
      description: 'Recorded (or already so)',
      schema: PersonWrittenSchema,
      example: WRITTEN_EXAMPLE,
    },
  })
  async recordDeath(
    @CurrentPrincipal() principal: Principal,
    @Meta() meta: RequestMeta,
    @Param('nationalId', nationalIdParam) nationalId: string,
    @IfMatch() expectedVersion: number | undefined,
    @Body(new ZodPipe(RecordDeathBody)) body: RecordDeathDto,
    @Res({ passthrough: true }) reply: HttpReply,
  ): Promise<PersonWritten> {
    return withETag(
      reply,
      await this.persons.recordDeath(requestContext(principal, meta), nationalId, body, {
        expectedVersion,
      }),
    );
  }
}
