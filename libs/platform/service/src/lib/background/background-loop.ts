import type { Logger } from '@nestjs/common';

/** How a {@link BackgroundLoop} runs its step. */
export interface BackgroundLoopOptions {
  /**
   * One pass of the work; resolves with how much it did. Some work: the next pass follows at
   * once; none: the loop waits `idleMs` (or until {@link BackgroundLoop.notify}).
   */
  readonly step: () => Promise<number>;
  /** Wait between passes when idle. */
  readonly idleMs: number;
  /** Longest pause after consecutive failures (the pause doubles from `idleMs` up to it). */
  readonly maxBackoffMs: number;
  readonly logger: Logger;
  /** What failed, for the log line (`writing registry.keys.v1 failed`). */
  readonly failure: string;
  /** What resumed, for the log line once it works again (`key relay`). */
  readonly work: string;
}

/**
 * A loop of background work in a service process: passes back to back while there is work,
 * idle waits otherwise, cut short by {@link notify}; a failure pauses it with exponential
 * backoff and is logged once per run of failures, then again when it clears. Stopping finishes
 * the pass in flight.
 */
export class BackgroundLoop {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private woken = false;

  constructor(private readonly options: BackgroundLoopOptions) {}

  start(): void {
    this.running = true;
    this.loop = this.work();
  }

  /** Stops after the pass in flight; resolves once it is done. */
  async stop(): Promise<void> {
    this.running = false;
    this.notify();
    await this.loop;
  }

  /** There is work: the next pass starts now (or right after the one in flight). */
  notify(): void {
    this.woken = true;
    this.wake?.();
  }

  private async work(): Promise<void> {
    const { step, idleMs, maxBackoffMs, logger } = this.options;
    let failures = 0;
    while (this.running) {
      let delay = idleMs;
      try {
        this.woken = false;
        const done = await step();
        if (failures > 0) logger.log(`${this.options.work} resumed after ${failures} failures`);
        failures = 0;
        if (done > 0) delay = 0;
      } catch (error) {
        failures += 1;
        delay = Math.min(maxBackoffMs, idleMs * 2 ** failures);
        if (failures === 1) {
          logger.error(
            `${this.options.failure}; retrying with backoff up to ${maxBackoffMs} ms`,
            error instanceof Error ? error.stack : String(error),
          );
        }
      }
      if (delay > 0 && !this.woken) await this.pause(delay);
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
