import { LagWindow, percentile } from './lag-window';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it.each([
    [0.5, 50],
    [0.99, 99],
    [1, 100],
    [0.01, 1],
    [0.505, 51],
  ])('p%s of 1..100 is %i', (p, expected) => {
    expect(percentile(hundred, p)).toBe(expected);
  });

  it('is an observed sample, never an interpolation', () => {
    expect(percentile([10, 20], 0.5)).toBe(10);
    expect(percentile([10, 20], 0.99)).toBe(20);
    expect(percentile([7], 0.99)).toBe(7);
  });

  it('refuses no samples and p outside (0, 1]', () => {
    expect(() => percentile([], 0.5)).toThrow(RangeError);
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 1.5)).toThrow(RangeError);
  });
});

describe('LagWindow', () => {
  const MINUTE = 60_000;

  it('summarises the samples of the last N minutes only', () => {
    const window = new LagWindow(1);
    const t0 = 1_000_000;
    window.add(t0, { events: 1_000, ms: 9_000 });
    for (let i = 1; i <= 100; i += 1) window.add(t0 + 30_000 + i, { events: i, ms: i * 10 });

    expect(window.summary(t0 + 30_000 + 100).samples).toBe(101);

    const later = window.summary(t0 + MINUTE + 1);
    expect(later).toEqual({
      minutes: 1,
      samples: 100,
      events: { p50: 50, p99: 99, max: 100 },
      ms: { p50: 500, p99: 990, max: 1_000 },
    });

    expect(window.summary(t0 + 30_100 + MINUTE + 1)).toEqual({
      minutes: 1,
      samples: 0,
      events: null,
      ms: null,
    });
  });

  it('leaves samples without a known span out of the milliseconds only', () => {
    const window = new LagWindow(5);
    window.add(1, { events: 4, ms: null });
    window.add(2, { events: 2, ms: 100 });

    expect(window.summary(3)).toMatchObject({
      samples: 2,
      events: { p50: 2, p99: 4, max: 4 },
      ms: { p50: 100, p99: 100, max: 100 },
    });
  });
});

describe('LagWindow.history', () => {
  it('gives every sample of the window, oldest first, when they fit', () => {
    const window = new LagWindow(1);
    window.add(1_000, { events: 9, ms: 900 });
    window.add(70_000, { events: 3, ms: null });
    window.add(71_000, { events: 0, ms: 0 });

    expect(window.history(71_000, 10)).toEqual([
      { at: 70_000, events: 3, ms: null },
      { at: 71_000, events: 0, ms: 0 },
    ]);
  });

  it('keeps the worst lag of each slice of time when there are more samples than points', () => {
    const window = new LagWindow(1);
    const now = 600_000;
    // 60 samples a second apart; a spike in the middle of the second half.
    for (let i = 0; i < 60; i += 1) {
      window.add(now - 59_000 + i * 1_000, {
        events: i === 45 ? 500 : 1,
        ms: i === 45 ? 7_000 : 10,
      });
    }

    const points = window.history(now, 2);

    expect(points).toEqual([
      { at: now - 31_000, events: 1, ms: 10 },
      { at: now, events: 500, ms: 7_000 },
    ]);
  });

  it('refuses a number of points that is not a positive integer', () => {
    expect(() => new LagWindow(1).history(0, 0)).toThrow(RangeError);
  });
});
