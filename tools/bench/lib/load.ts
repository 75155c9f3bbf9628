import { performance } from 'node:perf_hooks';

import { summarise } from './stats';
import type { RunSummary } from './stats';

/** An operation of a load run; `index` is unique across the whole benchmark. */
export type Operation = (index: number) => Promise<void>;

/** A closed-loop run's outcome: the summary and the first few failures, verbatim. */
export interface LoadRun {
  readonly summary: RunSummary;
  readonly failures: readonly string[];
}

/** Hands out operation indexes, unique across every run of the benchmark. */
export class Counter {
  private next = 0;

  take(): number {
    const index = this.next;
    this.next += 1;
    return index;
  }
}

/**
 * Runs `operation` from `concurrency` workers for `durationMs`, each starting its next
 * operation as soon as its previous one completed (a closed loop: the offered load is what the
 * system can take at that concurrency). No operation starts after the deadline; the ones in
 * flight are awaited and counted. Latency is measured around each call.
 */
export async function closedLoop(
  concurrency: number,
  durationMs: number,
  operation: Operation,
  counter: Counter,
): Promise<LoadRun> {
  const latencies: number[] = [];
  const failures: string[] = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const index = counter.take();
      const t0 = performance.now();
      try {
        await operation(index);
        latencies.push(performance.now() - t0);
      } catch (error) {
        errors += 1;
        if (failures.length < 5)
          failures.push(error instanceof Error ? error.message : String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { summary: summarise(latencies, errors, seconds), failures };
}
