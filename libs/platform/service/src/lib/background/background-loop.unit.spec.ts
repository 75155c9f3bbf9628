import { Logger } from '@nestjs/common';

import { BackgroundLoop } from './background-loop';

function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = new Logger('test');
  logger.log = (message: string) => {
    lines.push(`log: ${message}`);
  };
  logger.error = (message: string) => {
    lines.push(`error: ${message}`);
  };
  return { logger, lines };
}

const until = async (condition: () => boolean): Promise<void> => {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in 5 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe('BackgroundLoop', () => {
  it('runs passes back to back while there is work, then waits until notified', async () => {
    const { logger } = recordingLogger();
    let work = 3;
    let passes = 0;
    const loop = new BackgroundLoop({
      step: () => {
        passes += 1;
        const did = work > 0 ? 1 : 0;
        work -= did;
        return Promise.resolve(did);
      },
      idleMs: 60_000,
      maxBackoffMs: 60_000,
      logger,
      failure: 'the step failed',
      work: 'the work',
    });
    loop.start();
    // Three passes with work and one idle pass, at once; then it waits an idle minute.
    await until(() => passes === 4);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(passes).toBe(4);
    work = 1;
    loop.notify();
    await until(() => passes === 6);
    await loop.stop();
    expect(passes).toBe(6);
  });

  it('backs off after failures, logs the first and the recovery once', async () => {
    const { logger, lines } = recordingLogger();
    let failing = 3;
    let passes = 0;
    const loop = new BackgroundLoop({
      step: () => {
        passes += 1;
        if (failing > 0) {
          failing -= 1;
          return Promise.reject(new Error('database down'));
        }
        return Promise.resolve(0);
      },
      idleMs: 1,
      maxBackoffMs: 4,
      logger,
      failure: 'the step failed',
      work: 'the work',
    });
    loop.start();
    await until(() => passes >= 5);
    await loop.stop();
    expect(lines).toEqual([
      'error: the step failed; retrying with backoff up to 4 ms',
      'log: the work resumed after 3 failures',
    ]);
  });
});
