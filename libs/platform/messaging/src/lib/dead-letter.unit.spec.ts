import type { HandlerFailure, InboundMessage } from './consumer-group';
import { PermanentMessageError, retryThenDeadLetter } from './dead-letter';

const message: InboundMessage = {
  topic: 't',
  partition: 0,
  offset: '7',
  key: 'k',
  value: Buffer.from('v'),
  headers: {},
  timestamp: new Date(0),
};

const failure = (error: unknown, attempt: number): HandlerFailure => ({ error, message, attempt });

describe('retryThenDeadLetter', () => {
  it('dead-letters a permanent failure on the first attempt, with its reason', async () => {
    const policy = retryThenDeadLetter();
    expect(await policy(failure(new PermanentMessageError('invalid', 'bad'), 1))).toEqual({
      action: 'dead-letter',
      reason: 'invalid',
    });
  });

  it('retries a transient failure with doubling, capped delays, then dead-letters it', async () => {
    const policy = retryThenDeadLetter({ maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 250 });
    const error = new Error('timeout');
    expect(await policy(failure(error, 1))).toEqual({ action: 'retry', afterMs: 100 });
    expect(await policy(failure(error, 2))).toEqual({ action: 'retry', afterMs: 200 });
    expect(await policy(failure(error, 3))).toEqual({ action: 'retry', afterMs: 250 });
    expect(await policy(failure(error, 4))).toEqual({
      action: 'dead-letter',
      reason: 'retries-exhausted',
    });
  });

  it('reports every failure with the decision taken', async () => {
    const seen: string[] = [];
    const policy = retryThenDeadLetter({
      maxAttempts: 2,
      onFailure: (f, d) => {
        seen.push(`${String(f.attempt)}:${d.action}`);
      },
    });
    await policy(failure(new Error('x'), 1));
    await policy(failure(new Error('x'), 2));
    expect(seen).toEqual(['1:retry', '2:dead-letter']);
  });
});
