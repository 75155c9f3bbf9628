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

/** One point of the lag over time: a sample, or the worst of the samples of a time slice. */
export interface LagPoint {
  /** When the sample was taken (ms since the epoch); the slice's last sample's time. */
  readonly at: number;
  readonly events: number;
  /** `null` when the embassy held nothing yet (the span has no known start). */
  readonly ms: number | null;
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

  /**
   * The samples of the window, oldest first, at most `maxPoints` of them: with more, the window
   * is cut into `maxPoints` equal slices of time and each slice keeps its worst lag (a chart of
   * the lag must not smooth a spike away), stamped with the time of its last sample.
   */
  history(now: number, maxPoints: number): LagPoint[] {
    if (!Number.isInteger(maxPoints) || maxPoints < 1) {
      throw new RangeError(`maxPoints must be a positive integer, got ${maxPoints}`);
    }
    this.prune(now);
    const points = this.samples.map(({ at, lag }): LagPoint => ({
      at,
      events: lag.events,
      ms: lag.ms,
    }));
    if (points.length <= maxPoints) return points;
    const from = now - this.spanMs;
    const slice = this.spanMs / maxPoints;
    const slices = new Map<number, LagPoint>();
    for (const point of points) {
      const index = Math.min(maxPoints - 1, Math.floor((point.at - from) / slice));
      const worst = slices.get(index);
      slices.set(
        index,
        worst === undefined
          ? point
          : {
              at: point.at,
              events: Math.max(worst.events, point.events),
              ms:
                worst.ms === null || point.ms === null
                  ? (worst.ms ?? point.ms)
                  : Math.max(worst.ms, point.ms),
            },
      );
    }
    return [...slices.entries()].sort(([a], [b]) => a - b).map(([, point]) => point);
  }

  private prune(now: number): void {
    const oldest = now - this.spanMs;
    let drop = 0;
    while (drop < this.samples.length && (this.samples[drop]?.at ?? now) < oldest) drop += 1;
    if (drop > 0) this.samples.splice(0, drop);
  }
}
