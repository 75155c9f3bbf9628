import type { RateLimitClass, RateLimitConfig } from '@gov/platform-config';

/** What {@link TokenBuckets.take} decided for one request. */
export interface RateDecision {
  readonly allowed: boolean;
  /** The class that applied: `default`, or `service` for the platform's own callers. */
  readonly className: 'default' | 'service';
  readonly limit: RateLimitClass;
  /** Whole requests left in the bucket after this one. */
  readonly remaining: number;
  /** Seconds until the bucket is full again (0 when it is). */
  readonly resetSeconds: number;
  /** For a refused request: whole seconds until one request is allowed again (at least 1). */
  readonly retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date, in ms. */
  at: number;
}

/** How many keys are kept before full buckets, then the oldest ones, are forgotten. */
const DEFAULT_MAX_KEYS = 100_000;

/**
 * Token buckets, one per key (a principal or a client address), in this process's memory: each
 * holds up to `burst` requests and refills at `perMinute`. Every replica of a service keeps its
 * own, so a principal spread over N replicas gets up to N times the configured rate.
 *
 * Memory is bounded: past `maxKeys` keys, buckets that have refilled completely are dropped
 * (they would start full anyway), then the least recently created ones, which costs their
 * owners no more than a fresh burst.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly servicePrincipals: ReadonlySet<string>;

  constructor(
    private readonly config: RateLimitConfig,
    private readonly now: () => number = () => performance.now(),
    private readonly maxKeys = DEFAULT_MAX_KEYS,
  ) {
    this.servicePrincipals = new Set(config.service.principals);
  }

  /** Whether limiting is on (`RATE_LIMIT_PER_MINUTE` is not 0). */
  get enabled(): boolean {
    return this.config.perMinute > 0;
  }

  /**
   * Takes one request from the bucket of `key`. A principal key (`kind:subject`) listed in the
   * service class gets that class's bucket; any other key, the default one.
   */
  take(key: string): RateDecision {
    const className = this.servicePrincipals.has(key) ? 'service' : 'default';
    const limit = className === 'service' ? this.config.service : this.config;
    const perMs = limit.perMinute / 60_000;
    const now = this.now();
    const bucket = this.bucket(`${className}|${key}`, limit, now);
    bucket.tokens = Math.min(limit.burst, bucket.tokens + (now - bucket.at) * perMs);
    bucket.at = now;
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    return {
      allowed,
      className,
      limit,
      remaining: Math.floor(bucket.tokens),
      resetSeconds: Math.ceil((limit.burst - bucket.tokens) / perMs / 1000),
      retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000)),
    };
  }

  /** How many keys have a bucket now. */
  get size(): number {
    return this.buckets.size;
  }

  private bucket(id: string, limit: RateLimitClass, now: number): Bucket {
    const found = this.buckets.get(id);
    if (found) return found;
    if (this.buckets.size >= this.maxKeys) this.evict(now);
    const created = { tokens: limit.burst, at: now };
    this.buckets.set(id, created);
    return created;
  }

  private evict(now: number): void {
    for (const [id, bucket] of this.buckets) {
      const limit = id.startsWith('service|') ? this.config.service : this.config;
      const full = bucket.tokens + ((now - bucket.at) * limit.perMinute) / 60_000 >= limit.burst;
      if (full) this.buckets.delete(id);
    }
    // Maps iterate in insertion order: the first keys are the oldest.
    const excess = this.buckets.size - Math.floor(this.maxKeys * 0.9);
    if (excess <= 0) return;
    let dropped = 0;
    for (const id of this.buckets.keys()) {
      if (dropped++ >= excess) break;
      this.buckets.delete(id);
    }
  }
}
