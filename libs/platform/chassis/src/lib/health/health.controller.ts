import { Controller, Get } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';

import { ApplicationError } from '../errors/application-error';
import { ReadinessService } from './readiness.service';
import type { ReadinessReport } from './readiness.service';

/** Probes for the orchestrator: liveness (restart me) and readiness (send me traffic). */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly readiness: ReadinessService) {}

  /** Answers as long as the process can serve HTTP at all; checks no dependency on purpose. */
  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process is running' })
  @ApiOkResponse({ description: '`{"status":"ok"}`' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * 200 with each check's result when every readiness check passes; otherwise a 503 problem
   * that lists every check, with the error of each failing one.
   */
  @Get('ready')
  @ApiOperation({ summary: 'Readiness: every dependency answers' })
  @ApiOkResponse({
    description: '`status: "ok"` and `checks`, each with its `name`, `status` and `durationMs`',
  })
  @ApiServiceUnavailableResponse({
    description: 'application/problem+json with `checks`, each `up` or `down` with its `error`',
  })
  async ready(): Promise<{ status: 'ok'; checks: ReadinessReport['checks'] }> {
    const report = await this.readiness.report();
    if (report.status === 'down') {
      const failing = report.checks.filter((check) => check.status === 'down');
      throw ApplicationError.serviceUnavailable(
        `Not ready: ${failing.map((check) => `${check.name} (${check.error ?? 'failed'})`).join(', ')}`,
        { extensions: { checks: report.checks } },
      );
    }
    return { status: 'ok', checks: report.checks };
  }
}
