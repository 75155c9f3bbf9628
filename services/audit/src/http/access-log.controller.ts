import { Controller, Get, Param, Query, UseGuards, applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';

import { AuditLog } from '@gov/audit-application';
import type { AccessLogPage, AuditExport } from '@gov/audit-application';
import { AuthGuard, CurrentPrincipal, Roles } from '@gov/platform-auth';
import type { Principal } from '@gov/platform-auth';
import { ApiJsonResponse, ApiProblems, ZodPipe, openApiSchema } from '@gov/platform-chassis';

import { answering } from './audit-errors';
import { AccessLogQuery, CONSISTENCY_FROM, ExportQuery, NationalIdParam } from './dto';
import { AccessLogPage as AccessLogPageSchema, SubjectExport } from './responses';
import type { AccessLogQueryDto } from './dto';

const PAGE_EXAMPLE = {
  subjectNationalId: '1983081246785',
  treeHead: null,
  entries: [],
  nextCursor: null,
};

/** "Who accessed my data": a person's entries, each with its inclusion proof. */
/** A page of an access log: its `cursor` and `limit`, and the page it answers. */
const ApiAccessLogPage = (): MethodDecorator =>
  applyDecorators(
    ApiQuery({
      name: 'cursor',
      required: false,
      schema: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
      description: 'The previous page’s nextCursor',
    }),
    ApiQuery({
      name: 'limit',
      required: false,
      schema: { type: 'integer', minimum: 1, maximum: 100 },
      description: 'Entries per page, 20 unless given',
    }),
    ApiJsonResponse(200, 'A page of the access log', AccessLogPageSchema, PAGE_EXAMPLE, []),
  );

@ApiTags('access-log')
@ApiBearerAuth()
@Controller('access-log')
@UseGuards(AuthGuard)
export class AccessLogController {
  constructor(private readonly log: AuditLog) {}

  @Get('me')
  @Roles('citizen')
  @ApiOperation({
    summary: 'Who accessed my data',
    description:
      'Newest first, paginated (`cursor` = the previous page’s `nextCursor`). Each entry is ' +
      'its canonical leaf (organisation, purpose, legal basis or consent, procedure, fields, ' +
      'time) with its inclusion proof against the tree head in the answer. Entries sealed ' +
      'for an investigation appear once their `sealedUntil` has passed.',
  })
  @ApiAccessLogPage()
  @ApiProblems(400, 401, 403)
  mine(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodPipe(AccessLogQuery, 'query')) query: AccessLogQueryDto,
  ): Promise<AccessLogPage> {
    return this.log.accessLog(principal.subject, 'subject', query);
  }

  @Get('me/export')
  @Roles('citizen')
  @ApiOperation({ summary: 'My entries with their proofs, for the offline verifier' })
  @ApiQuery({ name: 'consistencyFrom', required: false, schema: openApiSchema(CONSISTENCY_FROM) })
  @ApiJsonResponse(200, 'The export', SubjectExport, undefined, [])
  @ApiProblems(400, 401, 403, 404, 409)
  exportMine(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodPipe(ExportQuery, 'query')) query: { consistencyFrom?: number[] | undefined },
  ): Promise<AuditExport> {
    return answering(() =>
      this.log.export(
        { kind: 'subject', subjectNationalId: principal.subject, reader: 'subject' },
        query.consistencyFrom,
      ),
    );
  }

  @Get('subjects/:nationalId')
  @Roles('dpo', 'auditor')
  @ApiOperation({
    summary: 'A person’s access log, sealed entries included',
    description: 'For data-protection officers and auditors; agencies and registrars: 403.',
  })
  @ApiParam({ name: 'nationalId', schema: openApiSchema(NationalIdParam) })
  @ApiAccessLogPage()
  @ApiProblems(400, 401, 403)
  subject(
    @Param('nationalId', new ZodPipe(NationalIdParam, 'nationalId')) nationalId: string,
    @Query(new ZodPipe(AccessLogQuery, 'query')) query: AccessLogQueryDto,
  ): Promise<AccessLogPage> {
    return this.log.accessLog(nationalId, 'supervisor', query);
  }
}
