import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';

import { AuthGuard, Roles } from '@gov/platform-auth';
import { ApiProblems } from '@gov/platform-chassis';
import { CaseService } from '@gov/procedures-application';
import type { RequestContext } from '@gov/procedures-application';

import { Context } from './request-context';
import { JSON_ANSWER } from './case-step-route';

/** The person's overview of their procedures. */
@ApiTags('dashboard')
@ApiBearerAuth()
@Controller('dashboard')
@UseGuards(AuthGuard)
export class DashboardController {
  constructor(private readonly cases: CaseService) {}

  @Get()
  @ApiResponse({
    status: 200,
    description: 'Your drafts, submissions and letters',
    content: JSON_ANSWER,
  })
  @Roles('citizen')
  @ApiOperation({
    summary: 'Your active and completed procedures',
    description:
      'Each with its status, an open question or consent requests waiting for you, and the ' +
      'decision letter’s id once sent. A case whose applicant the registry erased shows ' +
      '`personalDataErased: true` and no question. 503 KEY_NOT_REPLICATED on the embassy while ' +
      'a key of an open question has not reached it yet.',
  })
  @ApiProblems(401, 403, 503)
  dashboard(@Context() context: RequestContext) {
    return this.cases.dashboard(context);
  }
}
