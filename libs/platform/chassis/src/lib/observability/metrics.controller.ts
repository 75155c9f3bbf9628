import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';

import { METRICS_CONTENT_TYPE, renderMetrics } from '@gov/platform-observability';

/**
 * Prometheus scrapes this without a token, like the health probes: the figures name routes,
 * topics, schemas and positions, never personal data. It is an operator's route all the same:
 * a deployment lets only the monitoring namespace reach it (network policy) and never routes
 * it through a public ingress. Scrapes are logged at debug.
 */
@ApiTags('metrics')
@Controller('metrics')
export class MetricsController {
  @Get()
  @Header('content-type', METRICS_CONTENT_TYPE)
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: 'Prometheus metrics of this process (text exposition format)',
    description:
      'HTTP requests by route, event store append latency, relay and consumer lag, retries, ' +
      'dead letters, the replica position and the process figures. Unauthenticated: keep it ' +
      'behind the network policy.',
  })
  @ApiProduces(METRICS_CONTENT_TYPE)
  @ApiOkResponse({ description: 'The exposition text', schema: { type: 'string' } })
  metrics(): Promise<string> {
    return renderMetrics();
  }
}
