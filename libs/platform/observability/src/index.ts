/**
 * Traces and metrics for every service of the platform.
 *
 * Tracing: a service's `main.ts` imports `@gov/platform-observability/instrument` first (it
 * patches `http` and `pg`), and the chassis calls {@link startTracing}; both do nothing unless
 * the standard `OTEL_*` variables configure an exporter. Libraries make their own spans with
 * {@link inSpan} and carry W3C trace context in envelopes and Kafka headers
 * ({@link traceHeadersOf}, {@link contextFrom}).
 *
 * Metrics: prom-client metrics on one registry per process ({@link metricsRegistry}), served by
 * the chassis at `GET /metrics`.
 */
export { tracingEnabled } from './lib/tracing/tracing-settings';
export { shutdownTracing, startTracing } from './lib/tracing/start-tracing';
export type { TracingHandle } from './lib/tracing/start-tracing';
export {
  SpanKind,
  activeSpan,
  batchParent,
  contextFrom,
  inSpan,
  spanContextFrom,
  traceHeadersOf,
  traceLogFields,
} from './lib/tracing/spans';
export type {
  Attributes,
  Context,
  InSpanOptions,
  Link,
  Span,
  SpanContext,
  TraceHeaders,
} from './lib/tracing/spans';

export {
  METRICS_CONTENT_TYPE,
  collectProcessMetrics,
  metricsRegistry,
  renderMetrics,
} from './lib/metrics/metrics-registry';
export {
  consumerDeadLetters,
  consumerHandled,
  consumerLag,
  consumerRetries,
  dbQueries,
  eventStoreAppendDuration,
  httpRateLimited,
  httpRequestDuration,
  relayLagEvents,
  relayLagSeconds,
  relayPublished,
  replicaAppliedPosition,
} from './lib/metrics/platform-metrics';
