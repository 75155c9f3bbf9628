import type { FailureDecision, HandlerFailure, HandlerErrorPolicy } from './consumer-group';
import { MessagingError } from './messaging-error';

/** Suffix of the dead-letter topic of every consumed topic: `registry.events.v1.dlq`. */
export const DEAD_LETTER_SUFFIX = '.dlq';

/**
 * Headers a dead-lettered message carries on top of its original headers, so an operator (or a
 * replay tool) knows where it came from and why it failed without decoding it.
 */
export const DEAD_LETTER_HEADERS = {
  reason: 'dlq-reason',
  error: 'dlq-error',
  sourceTopic: 'dlq-source-topic',
  sourcePartition: 'dlq-source-partition',
  sourceOffset: 'dlq-source-offset',
  consumerGroup: 'dlq-consumer-group',
  attempts: 'dlq-attempts',
  failedAt: 'dlq-failed-at',
} as const;

/** Why a message can never be processed, however often it is retried. */
export type PermanentFailureReason = 'undecodable' | 'invalid' | 'rejected';

/**
 * Thrown by a handler for a message that no retry can fix: bytes that do not decode, an envelope
 * that breaks its contract. The standard policy dead-letters it at once.
 */
export class PermanentMessageError extends Error {
  constructor(
    readonly reason: PermanentFailureReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PermanentMessageError';
  }
}

/**
 * Thrown by a handler when something it depends on is down (its database, a broker), not
 * because of the message: the message is fine and must never be dead-lettered for it. The
 * standard policy retries it, with a bounded backoff, for as long as the outage lasts, and the
 * consumer group logs the outage once rather than every retry.
 */
export class DependencyUnavailableError extends Error {
  /**
   * @param dependency - What is down, for logs: `postgres`, `kafka`.
   * @param message - What failed.
   */
  constructor(
    readonly dependency: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DependencyUnavailableError';
  }
}

/**
 * Whether `error` says that infrastructure is unavailable rather than that the message is bad:
 * a {@link DependencyUnavailableError}, or a transient {@link MessagingError} (the broker).
 */
export function isDependencyUnavailable(error: unknown): boolean {
  return (
    error instanceof DependencyUnavailableError ||
    (error instanceof MessagingError && error.transient)
  );
}

/** Options of {@link retryThenDeadLetter}. */
export interface RetryThenDeadLetterOptions {
  /** Attempts in all (the first one included) before a transient failure is dead-lettered. */
  readonly maxAttempts?: number;
  /** Delay before the second attempt; doubled for each further attempt. */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /**
   * Longest wait between two attempts while a dependency is unavailable (5 s by default): how
   * soon after the outage the consumer resumes.
   */
  readonly maxOutageDelayMs?: number;
  /** Called for every failure, e.g. to log or count it. */
  readonly onFailure?: (failure: HandlerFailure, decision: FailureDecision) => void;
}

/**
 * The platform's standard error policy: a {@link PermanentMessageError} goes to the dead-letter
 * topic at once; an unavailable dependency ({@link isDependencyUnavailable}) is waited for,
 * retried without limit (backoff doubling up to `maxOutageDelayMs`), and never dead-lettered;
 * any other failure is treated as transient and retried with exponential backoff, and
 * dead-lettered after `maxAttempts` (default 5: 100 ms, 200 ms, 400 ms, 800 ms).
 */
export function retryThenDeadLetter(options: RetryThenDeadLetterOptions = {}): HandlerErrorPolicy {
  const maxAttempts = options.maxAttempts ?? 5;
  const baseDelayMs = options.baseDelayMs ?? 100;
  const maxDelayMs = options.maxDelayMs ?? 10_000;
  const maxOutageDelayMs = options.maxOutageDelayMs ?? 5_000;
  return (failure) => {
    const decision = decide(failure);
    options.onFailure?.(failure, decision);
    return decision;
  };

  function decide({ error, attempt }: HandlerFailure): FailureDecision {
    if (error instanceof PermanentMessageError) {
      return { action: 'dead-letter', reason: error.reason };
    }
    if (isDependencyUnavailable(error)) {
      // 2 ** attempt grows without bound over a long outage; Math.min caps even Infinity.
      return {
        action: 'retry',
        afterMs: Math.min(baseDelayMs * 2 ** (attempt - 1), maxOutageDelayMs),
      };
    }
    if (attempt >= maxAttempts) {
      return { action: 'dead-letter', reason: 'retries-exhausted' };
    }
    return { action: 'retry', afterMs: Math.min(baseDelayMs * 2 ** (attempt - 1), maxDelayMs) };
  }
}
