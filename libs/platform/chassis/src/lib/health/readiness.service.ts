import { Inject, Injectable, Logger } from '@nestjs/common';

import { CHASSIS_OPTIONS } from '../bootstrap/chassis-options';
import type { ChassisOptions } from '../bootstrap/chassis-options';
import { READINESS_CHECKS } from './readiness-check';
import type { ReadinessCheck } from './readiness-check';

/** The outcome of one readiness check. */
export interface CheckResult {
  readonly name: string;
  readonly status: 'up' | 'down';
  readonly durationMs: number;
  /** Why the check failed; only when `down`. */
  readonly error?: string;
}

/** The outcome of all readiness checks: `up` only when every one of them is. */
export interface ReadinessReport {
  readonly status: 'up' | 'down';
  readonly checks: readonly CheckResult[];
}

/** Runs the service's {@link ReadinessCheck}s in parallel, each with a time limit. */
@Injectable()
export class ReadinessService {
  private readonly logger = new Logger(ReadinessService.name);
  /** Last known status per check, to log changes rather than every probe. */
  private readonly lastStatus = new Map<string, CheckResult['status']>();

  constructor(
    @Inject(READINESS_CHECKS) private readonly checks: readonly ReadinessCheck[],
    @Inject(CHASSIS_OPTIONS) private readonly options: ChassisOptions,
  ) {}

  async report(): Promise<ReadinessReport> {
    const results = await Promise.all(this.checks.map((check) => this.run(check)));
    for (const result of results) this.logChange(result);
    return {
      status: results.every((result) => result.status === 'up') ? 'up' : 'down',
      checks: results,
    };
  }

  private async run(check: ReadinessCheck): Promise<CheckResult> {
    const started = performance.now();
    const durationMs = () => Math.round(performance.now() - started);
    const timeoutMs = this.options.readinessTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`no answer within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    try {
      // `Promise.resolve().then` also catches a check that throws before returning a promise.
      await Promise.race([Promise.resolve().then(() => check.check()), timeout]);
      return { name: check.name, status: 'up', durationMs: durationMs() };
    } catch (error) {
      return { name: check.name, status: 'down', durationMs: durationMs(), error: describe(error) };
    } finally {
      clearTimeout(timer);
    }
  }

  private logChange(result: CheckResult): void {
    const previous = this.lastStatus.get(result.name);
    this.lastStatus.set(result.name, result.status);
    if (previous === result.status) return;
    if (result.status === 'down') {
      this.logger.warn(
        { check: result.name, error: result.error },
        `Readiness check ${result.name} failed`,
      );
    } else if (previous === 'down') {
      this.logger.log({ check: result.name }, `Readiness check ${result.name} recovered`);
    }
  }
}

/** A one-line reason. Some errors (a refused connection to several addresses) have no message. */
function describe(error: unknown): string {
  if (error instanceof AggregateError && error.message === '') {
    return error.errors.map(describe).join('; ') || 'AggregateError';
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return error.message || (typeof code === 'string' ? code : error.name);
  }
  return String(error);
}
