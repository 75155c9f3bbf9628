import { tracingEnabled } from './tracing-settings';

/** A started tracing SDK. */
export interface TracingHandle {
  /** Exports the spans still buffered and stops the SDK; resolves even if the export fails. */
  shutdown(): Promise<void>;
}

const NOTHING_TO_STOP: TracingHandle = { shutdown: () => Promise.resolve() };

let running: TracingHandle | undefined;

/**
 * Starts the OpenTelemetry Node SDK for this process if tracing is on (see
 * {@link tracingEnabled}); otherwise does nothing. Everything else comes from the standard
 * `OTEL_*` variables (exporter, protocol, endpoint, sampler, batch sizes, resource
 * attributes); `serviceName` is the default of `OTEL_SERVICE_NAME`. Only traces are exported:
 * metrics are Prometheus' (`GET /metrics`), logs are JSON lines on stdout that carry the trace
 * and span ids.
 *
 * The SDK is loaded only when tracing is on. Call once per process, before the service
 * creates its application; a second call returns the first handle.
 */
export async function startTracing(serviceName: string): Promise<TracingHandle> {
  if (running) return running;
  if (!tracingEnabled()) {
    running = NOTHING_TO_STOP;
    return running;
  }
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const sdk = new NodeSDK({
    serviceName: process.env['OTEL_SERVICE_NAME']?.trim() || serviceName,
    // Registered by the `instrument` entry before the modules loaded; see instrumentations.ts.
    instrumentations: [],
    logRecordProcessors: [],
    metricReaders: [],
  });
  sdk.start();
  running = {
    shutdown: () => sdk.shutdown().catch(() => undefined),
  };
  return running;
}

/** Stops the SDK started by {@link startTracing}, flushing its spans; a no-op otherwise. */
export async function shutdownTracing(): Promise<void> {
  await running?.shutdown();
}
