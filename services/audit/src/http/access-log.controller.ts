import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';

import { AuditLog } from '@gov/audit-application';
import type { AccessLogPage, AuditExport } from '@gov/audit-application';
import { AuthGuard, CurrentPrincipal, Roles } from '@gov/platform-auth';
import type { Principal } from '@gov/platform-auth';
import { ApiProblems, ZodPipe } from '@gov/platform-chassis';

import { answering } from './audit-errors';
import { AccessLogQuery, ExportQuery, NationalIdParam } from './dto';
import type { AccessLogQueryDto } from './dto';

/** "Who accessed my data": a person's entries, each with its inclusion proof. */
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
  @ApiProblems(400, 401, 403, 404)
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
  @ApiProblems(400, 401, 403)
  subject(
    @Param('nationalId', new ZodPipe(NationalIdParam, 'nationalId')) nationalId: string,
    @Query(new ZodPipe(AccessLogQuery, 'query')) query: AccessLogQueryDto,
  ): Promise<AccessLogPage> {
    return this.log.accessLog(nationalId, 'supervisor', query);
  }
}
