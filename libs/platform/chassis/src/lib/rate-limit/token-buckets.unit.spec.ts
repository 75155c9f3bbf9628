import type { RateLimitConfig } from '@gov/platform-config';

import { TokenBuckets } from './token-buckets';

const config: RateLimitConfig = {
  perMinute: 60,
  burst: 3,
  service: { perMinute: 600, burst: 10, principals: ['agency:procedures'] },
};

function clock(): { now: () => number; advance: (ms: number) => void } {
  let time = 1_000;
  return { now: () => time, advance: (ms) => (time += ms) };
}

function takeMany(buckets: TokenBuckets, key: string, count: number): boolean[] {
  return Array.from({ length: count }, () => buckets.take(key).allowed);
}

describe('TokenBuckets', () => {
  it('allows a burst, then refuses until the bucket refills at the configured rate', () => {
    const time = clock();
    const buckets = new TokenBuckets(config, time.now);

    expect(takeMany(buckets, 'citizen:1', 4)).toEqual([true, true, true, false]);
    time.advance(999);
    expect(buckets.take('citizen:1').allowed).toBe(false);
    time.advance(1);
    expect(buckets.take('citizen:1').allowed).toBe(true);
    expect(buckets.take('citizen:1').allowed).toBe(false);
    // Never more than the burst, however long the pause.
    time.advance(3_600_000);
    expect(takeMany(buckets, 'citizen:1', 4)).toEqual([true, true, true, false]);
  });

  it('keeps one bucket per key: a principal over its limit does not hold back another', () => {
    const buckets = new TokenBuckets(config, clock().now);

    expect(takeMany(buckets, 'citizen:1', 4)).toEqual([true, true, true, false]);
    expect(takeMany(buckets, 'citizen:2', 3)).toEqual([true, true, true]);
    expect(takeMany(buckets, 'address:127.0.0.1', 3)).toEqual([true, true, true]);
  });

  it('says when to retry: the whole seconds until one request is allowed, at least 1', () => {
    const time = clock();
    const slow = new TokenBuckets({ ...config, perMinute: 6, burst: 1 }, time.now);

    expect(slow.take('k')).toMatchObject({ allowed: true, remaining: 0, retryAfterSeconds: 0 });
    expect(slow.take('k')).toMatchObject({ allowed: false, retryAfterSeconds: 10 });
    time.advance(8_500);
    expect(slow.take('k')).toMatchObject({ allowed: false, retryAfterSeconds: 2 });
    time.advance(1_499);
    expect(slow.take('k')).toMatchObject({ allowed: false, retryAfterSeconds: 1 });
    time.advance(1);
    expect(slow.take('k').allowed).toBe(true);
  });

  it('reports what is left and when the bucket is full again', () => {
    const buckets = new TokenBuckets(config, clock().now);

    expect(buckets.take('k')).toMatchObject({ remaining: 2, resetSeconds: 1 });
    expect(buckets.take('k')).toMatchObject({ remaining: 1, resetSeconds: 2 });
    expect(buckets.take('k')).toMatchObject({ remaining: 0, resetSeconds: 3 });
  });

  it('gives the principals of the service class their larger bucket', () => {
    const buckets = new TokenBuckets(config, clock().now);

    const decisions = Array.from({ length: 11 }, () => buckets.take('agency:procedures'));
    expect(decisions.map((decision) => decision.allowed)).toEqual([
      ...Array<boolean>(10).fill(true),
      false,
    ]);
    expect(decisions[0]).toMatchObject({ className: 'service', limit: { burst: 10 } });
    // The same subject of another kind is not a service.
    expect(buckets.take('citizen:procedures')).toMatchObject({ className: 'default' });
  });

  it('is off when the rate is 0', () => {
    expect(new TokenBuckets({ ...config, perMinute: 0 }).enabled).toBe(false);
    expect(new TokenBuckets(config).enabled).toBe(true);
  });

  it('forgets full buckets first when it holds too many keys', () => {
    const time = clock();
    const buckets = new TokenBuckets(config, time.now, 10);

    for (let index = 0; index < 9; index += 1) buckets.take(`idle-${String(index)}`);
    time.advance(1_000);
    expect(takeMany(buckets, 'busy', 4)).toEqual([true, true, true, false]);
    buckets.take('newcomer');

    expect(buckets.size).toBe(2);
    expect(buckets.take('busy').allowed).toBe(false);
  });

  it('stays bounded when no bucket is full, dropping the oldest', () => {
    const buckets = new TokenBuckets(config, clock().now, 10);

    for (let index = 0; index < 100; index += 1) buckets.take(`key-${String(index)}`);

    expect(buckets.size).toBeLessThanOrEqual(10);
    expect(buckets.take('key-99').remaining).toBe(1);
  });
});
