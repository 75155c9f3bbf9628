import type { HandlerFailure, InboundMessage } from './consumer-group';
import {
  DependencyUnavailableError,
  PermanentMessageError,
  isDependencyUnavailable,
  retryThenDeadLetter,
} from './dead-letter';
import { MessagingError } from './messaging-error';

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

  it('never dead-letters while a dependency is down: retries, backing off up to a bound', async () => {
    const policy = retryThenDeadLetter({
      maxAttempts: 2,
      baseDelayMs: 100,
      maxOutageDelayMs: 1_000,
    });
    const down = new DependencyUnavailableError('postgres', 'connect ECONNREFUSED');
    expect(await policy(failure(down, 1))).toEqual({ action: 'retry', afterMs: 100 });
    expect(await policy(failure(down, 2))).toEqual({ action: 'retry', afterMs: 200 });
    expect(await policy(failure(down, 5))).toEqual({ action: 'retry', afterMs: 1_000 });
    expect(await policy(failure(down, 5_000))).toEqual({ action: 'retry', afterMs: 1_000 });
    const broker = new MessagingError('unavailable', 'no broker');
    expect(await policy(failure(broker, 3))).toEqual({ action: 'retry', afterMs: 400 });
  });

  it('tells an unavailable dependency from a bad message', () => {
    expect(isDependencyUnavailable(new DependencyUnavailableError('kafka', 'down'))).toBe(true);
    expect(isDependencyUnavailable(new MessagingError('timeout', 'slow'))).toBe(true);
    expect(isDependencyUnavailable(new MessagingError('rejected', 'too large'))).toBe(false);
    expect(isDependencyUnavailable(new PermanentMessageError('invalid', 'bad'))).toBe(false);
    expect(isDependencyUnavailable(new Error('ECONNREFUSED'))).toBe(false);
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
