import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';

import { EXPOSITION_CONTENT_TYPE, renderExposition } from '../metrics/prometheus';
import { syncMetrics } from '../metrics/sync-metrics';
import { SyncStatusService } from '../status/sync-status.service';

/**
 * Prometheus scrapes this without a token, like the health probes: the figures name services,
 * positions and digests, never personal data. In a deployment only the monitoring namespace
 * reaches it (network policy).
 */
@ApiTags('metrics')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly status: SyncStatusService) {}

  @Get()
  @Header('content-type', EXPOSITION_CONTENT_TYPE)
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: 'Replication metrics (Prometheus text format 0.0.4)',
    description:
      'Heads, lag in events and seconds (live and p50/p99 over the window), site reachability ' +
      'and roles, halted streams, dead letters, checkpoints signed, received, verified, ' +
      'mismatched and refused, and the alarm. Unauthenticated: keep it behind the network policy.',
  })
  @ApiProduces(EXPOSITION_CONTENT_TYPE)
  @ApiOkResponse({ description: 'The exposition text', schema: { type: 'string' } })
  metrics(): string {
    return renderExposition(syncMetrics(this.status.status()));
  }
}
