import { percentile, round, summarise } from './stats';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it('takes the smallest value with p % of the values at or below it', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 99.9)).toBe(100);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([1, 2, 3], 50)).toBe(2);
  });

  it('is NaN without values', () => {
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('summarise', () => {
  it('rates successful operations over the elapsed time and sorts the latencies', () => {
    const summary = summarise([5, 1, 3, 2, 4], 2, 0.5);
    expect(summary).toEqual({
      ok: 5,
      errors: 2,
      seconds: 0.5,
      perSecond: 10,
      p50: 3,
      p95: 5,
      p99: 5,
      max: 5,
    });
  });

  it('rounds for the report', () => {
    expect(round(1.23456)).toBe(1.23);
    expect(round(1.23456, 3)).toBe(1.235);
  });
});
