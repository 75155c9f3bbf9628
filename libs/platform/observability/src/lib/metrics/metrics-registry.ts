import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The process's one Prometheus registry: every platform metric is registered here, and the
 * chassis serves it at `GET /metrics`. Not prom-client's global registry, so that a library
 * that registers there cannot collide with ours.
 */
export const metricsRegistry = new Registry();

let processMetrics = false;

/**
 * Adds prom-client's default process metrics (CPU, memory, event loop lag, GC, handles) to
 * {@link metricsRegistry}; once per process, whatever the number of calls.
 */
export function collectProcessMetrics(): void {
  if (processMetrics) return;
  processMetrics = true;
  collectDefaultMetrics({ register: metricsRegistry });
}

/** The content type of {@link renderMetrics}' text (Prometheus text format 0.0.4). */
export const METRICS_CONTENT_TYPE: string = metricsRegistry.contentType;

/** The registry's text exposition, for a scrape. */
export function renderMetrics(): Promise<string> {
  return metricsRegistry.metrics();
}
