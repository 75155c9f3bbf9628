import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';

import { ApiProblems, ApplicationError } from '@gov/platform-chassis';
import { AuthGuard, Roles } from '@gov/platform-auth';

import { SyncStatusService } from '../status/sync-status.service';
import { MAX_HISTORY_POINTS } from '../status/sync-status';
import type { SyncHistory, SyncStatus } from '../status/sync-status';
import { HISTORY_EXAMPLE, STATUS_EXAMPLE } from './status.example';

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

  @Get('history')
  @Roles('operator')
  @ApiOperation({
    summary: 'The embassy’s lag over the window, sample by sample, per watched service',
    description:
      'The samples behind the p50/p99 of `GET /status` (one per poll with both sites read, ' +
      '`SYNC_WINDOW_MINUTES` long), oldest first, for a chart of the lag over time. With more ' +
      'samples than `points`, the window is cut into `points` equal slices of time and each ' +
      'keeps its worst lag, so that a spike is never smoothed away. Kept in memory: a restart ' +
      'begins a new window.',
  })
  @ApiQuery({
    name: 'points',
    required: false,
    description: `At most this many points per service (1–${MAX_HISTORY_POINTS}, default ${MAX_HISTORY_POINTS})`,
    schema: { type: 'integer', minimum: 1, maximum: MAX_HISTORY_POINTS },
  })
  @ApiOkResponse({
    description: 'The samples',
    content: { 'application/json': { example: HISTORY_EXAMPLE } },
  })
  @ApiUnauthorizedResponse({ description: 'No bearer token, or an invalid one (problem+json)' })
  @ApiForbiddenResponse({ description: 'Not an operator (problem+json)' })
  @ApiProblems(400)
  history(@Query('points') points?: string): SyncHistory {
    const count = points === undefined ? MAX_HISTORY_POINTS : Number(points);
    if (!/^\d{1,4}$/.test(points ?? '1') || count < 1 || count > MAX_HISTORY_POINTS) {
      throw ApplicationError.validationFailed(
        `points must be an integer from 1 to ${MAX_HISTORY_POINTS}`,
        [{ field: 'points', message: `an integer from 1 to ${MAX_HISTORY_POINTS}` }],
      );
    }
    return this.status.history(count);
  }
}
