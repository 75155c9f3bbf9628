/** Latency and throughput of one measured run. */
export interface RunSummary {
  /** Operations that succeeded. */
  readonly ok: number;
  /** Operations that failed (not counted in the rates or the latencies). */
  readonly errors: number;
  /** Wall-clock seconds from the first start to the last completion. */
  readonly seconds: number;
  /** Successful operations per second. */
  readonly perSecond: number;
  /** Latency percentiles of the successful operations, in milliseconds. */
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * The `p`-th percentile (0 < p <= 100) of `sorted` (ascending), by the nearest-rank method: the
 * smallest value with at least p % of the values at or below it. NaN for no values.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

/** Summarises latencies (ms) of successful operations over `seconds`. */
export function summarise(
  latencies: readonly number[],
  errors: number,
  seconds: number,
): RunSummary {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    ok: sorted.length,
    errors,
    seconds,
    perSecond: seconds > 0 ? sorted.length / seconds : 0,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
  };
}

/** A number rounded to `digits` decimals, for the report. */
export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
