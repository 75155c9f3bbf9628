import type { Lag } from './lag';

/** Percentiles of one figure over the window. */
export interface Percentiles {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** The lag over the window. */
export interface LagWindowSummary {
  readonly minutes: number;
  /** Samples in the window (one per poll with both sites read). */
  readonly samples: number;
  /** `null` without samples. */
  readonly events: Percentiles | null;
  /** Of the samples whose lag in ms is known; `null` without any. */
  readonly ms: Percentiles | null;
}

/**
 * The nearest-rank percentile (`p` in 0–1] of ascending `sorted`: the smallest sample that at
 * least `p` of the samples do not exceed. Always an observed value, never an interpolation.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('no samples');
  if (!(p > 0 && p <= 1)) throw new RangeError(`p must be in (0, 1], got ${p}`);
  const rank = Math.ceil(p * sorted.length);
  return sorted[Math.min(rank, sorted.length) - 1] ?? Number.NaN;
}

function percentiles(values: number[]): Percentiles | null {
  if (values.length === 0) return null;
  const sorted = values.sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

/** Lag samples of the last `minutes`, in arrival order. */
export class LagWindow {
  private readonly samples: { at: number; lag: Lag }[] = [];
  private readonly spanMs: number;

  constructor(readonly minutes: number) {
    this.spanMs = minutes * 60_000;
  }

  /** Adds a sample taken at `at` (ms since the epoch), and forgets those out of the window. */
  add(at: number, lag: Lag): void {
    this.samples.push({ at, lag });
    this.prune(at);
  }

  summary(now: number): LagWindowSummary {
    this.prune(now);
    return {
      minutes: this.minutes,
      samples: this.samples.length,
      events: percentiles(this.samples.map((sample) => sample.lag.events)),
      ms: percentiles(
        this.samples.flatMap((sample) => (sample.lag.ms === null ? [] : [sample.lag.ms])),
      ),
    };
  }

  private prune(now: number): void {
    const oldest = now - this.spanMs;
    let drop = 0;
    while (drop < this.samples.length && (this.samples[drop]?.at ?? now) < oldest) drop += 1;
    if (drop > 0) this.samples.splice(0, drop);
  }
}
