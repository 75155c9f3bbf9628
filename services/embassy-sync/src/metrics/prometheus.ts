import { Counter, Gauge, Registry } from 'prom-client';

export type MetricType = 'gauge' | 'counter';

/** One sample of a family: its labels and value. */
export interface Sample {
  readonly labels?: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A metric family: its name, help, type, the names of its labels, and its samples. */
export interface MetricFamily {
  /** `[a-zA-Z_:][a-zA-Z0-9_:]*`; counters end in `_total`. */
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  /** Every label a sample may carry. */
  readonly labelNames: readonly string[];
  readonly samples: readonly Sample[];
}

/**
 * Registers on `registry` one prom-client gauge or counter per family that `families` returns,
 * each filled from a fresh call of `families` when the registry is scraped (the families are a
 * snapshot of a status, not counted as things happen). The set of families, their types and
 * label names must not change between calls. A family already registered under the same name
 * (a second application in one process, in tests) is replaced.
 *
 * @throws for an invalid metric or label name (a bug, not input).
 */
export function exposeFamilies(registry: Registry, families: () => readonly MetricFamily[]): void {
  // One snapshot per scrape: the registry collects family after family, synchronously.
  let snapshot: Map<string, MetricFamily> | undefined;
  const current = (name: string): MetricFamily | undefined => {
    if (!snapshot) {
      snapshot = new Map(families().map((family) => [family.name, family]));
      setImmediate(() => {
        snapshot = undefined;
      });
    }
    return snapshot.get(name);
  };
  for (const family of families()) {
    const { name, help, type, labelNames } = family;
    registry.removeSingleMetric(name);
    if (type === 'gauge') {
      new Gauge({
        name,
        help,
        labelNames,
        registers: [registry],
        collect() {
          this.reset();
          for (const sample of current(name)?.samples ?? [])
            this.set(sample.labels ?? {}, sample.value);
        },
      });
    } else {
      new Counter({
        name,
        help,
        labelNames,
        registers: [registry],
        collect() {
          this.reset();
          for (const sample of current(name)?.samples ?? [])
            this.inc(sample.labels ?? {}, sample.value);
        },
      });
    }
  }
}

/** The families as Prometheus text exposition (through prom-client, on a registry of their own). */
export function renderExposition(families: readonly MetricFamily[]): Promise<string> {
  const registry = new Registry();
  exposeFamilies(registry, () => families);
  return registry.metrics();
}
