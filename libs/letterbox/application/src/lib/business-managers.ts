import { ApplicationError } from '@gov/platform-chassis';

import type { Clock } from './context';

/**
 * Who manages a business, as the registry (the authentic source) records it now: the port
 * through which a business's letters reach its managers.
 */
export interface BusinessManagers {
  /**
   * The national identification numbers of the current managers of `businessNumber`; empty when
   * the registry has no such business.
   *
   * @throws `ApplicationError` of kind `service-unavailable` (503) when the registry cannot be
   *   asked or does not answer: a business's letter is then never shown, nor refused as unknown.
   */
  managersOf(businessNumber: string): Promise<readonly string[]>;
}

/** Whether `error` says the registry could not answer (as opposed to a fault of this code). */
export function isRegistryUnavailable(error: unknown): error is ApplicationError {
  return error instanceof ApplicationError && error.kind === 'service-unavailable';
}

/** No registry configured: every business letter answers 503, none is ever shown. */
export const NO_REGISTRY: BusinessManagers = {
  managersOf: () =>
    Promise.reject(
      ApplicationError.serviceUnavailable(
        'business letters need the registry, and none is configured (REGISTRY_URL)',
      ),
    ),
};

/**
 * A short-lived cache in front of the registry: the answers of the last `ttlMs` per business,
 * shared by every caller, with one lookup in flight per business. Only answers are kept, never
 * failures, so an unreachable registry is asked again on the next request.
 *
 * A manager the registry removes keeps access to the business's letters for at most `ttlMs`
 * after the registry recorded the change (an answer is reused until `ttlMs` after it was
 * asked for, and it reflects the registry at some instant after that); a new manager waits at
 * most as long to see them.
 */
export class CachedBusinessManagers implements BusinessManagers {
  private readonly answers = new Map<string, { managers: readonly string[]; until: number }>();
  private readonly inFlight = new Map<string, Promise<readonly string[]>>();

  /**
   * @param registry - The registry lookup.
   * @param clock - Time, for the expiry of answers.
   * @param ttlMs - How long an answer is reused; 0 asks the registry every time.
   * @param maxEntries - Bound of the cache; past it, the oldest answers are forgotten first.
   */
  constructor(
    private readonly registry: BusinessManagers,
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  managersOf(businessNumber: string): Promise<readonly string[]> {
    const now = this.clock.now().getTime();
    const cached = this.answers.get(businessNumber);
    if (cached !== undefined && now < cached.until) return Promise.resolve(cached.managers);
    const pending = this.inFlight.get(businessNumber);
    if (pending !== undefined) return pending;
    const lookup = this.registry
      .managersOf(businessNumber)
      .then((managers) => {
        this.remember(businessNumber, managers, now);
        return managers;
      })
      .finally(() => this.inFlight.delete(businessNumber));
    this.inFlight.set(businessNumber, lookup);
    return lookup;
  }

  private remember(businessNumber: string, managers: readonly string[], askedAt: number): void {
    if (this.ttlMs === 0) return;
    this.answers.delete(businessNumber);
    // The bound counts from when the registry was asked, not when it answered.
    this.answers.set(businessNumber, { managers, until: askedAt + this.ttlMs });
    while (this.answers.size > this.maxEntries) {
      const oldest = this.answers.keys().next();
      if (oldest.done === true) break;
      this.answers.delete(oldest.value);
    }
  }
}
