import { Controller, Get, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';

import { AuthGuard, Roles } from '@gov/platform-auth';

import { SyncStatusService } from '../status/sync-status.service';
import type { SyncStatus } from '../status/sync-status';
import { STATUS_EXAMPLE } from './status.example';

/** The operator's view of replication between the sites. Operator tokens only. */
@ApiTags('status')
@ApiBearerAuth()
@Controller('status')
@UseGuards(AuthGuard)
export class StatusController {
  constructor(private readonly status: SyncStatusService) {}

  @Get()
  @Roles('operator')
  @ApiOperation({
    summary: 'Replication status of every watched service, checkpoints and the alarm',
    description:
      'Per service: each site’s reachability, role and gapless head, the embassy’s lag in ' +
      'events and milliseconds with p50/p99 over the rolling window, halted streams and dead ' +
      'letters, and the signed checkpoints this instance published, received and verified. ' +
      '`alarm.state` is `alarm` with its `reasons` when a site is unreachable, both sites are ' +
      'primary, a replica halted streams or dead-lettered records, a checkpoint digest differs, ' +
      'or a checkpoint record has a bad signature or does not decode.',
  })
  @ApiOkResponse({
    description: 'The status',
    content: { 'application/json': { example: STATUS_EXAMPLE } },
  })
  @ApiUnauthorizedResponse({ description: 'No bearer token, or an invalid one (problem+json)' })
  @ApiForbiddenResponse({ description: 'Not an operator (problem+json)' })
  get(): SyncStatus {
    return this.status.status();
  }
}
