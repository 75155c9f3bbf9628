/**
 * Whether this process exports traces, decided from the standard OpenTelemetry variables only:
 * an OTLP endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) or an
 * explicit `OTEL_TRACES_EXPORTER` other than `none` turns tracing on; `OTEL_SDK_DISABLED=true`
 * or `OTEL_TRACES_EXPORTER=none` turns it off whatever else is set.
 *
 * Off means off: no instrumentation is loaded and no span is created, so a service without a
 * collector pays nothing (the tracing API then hands out no-op spans).
 */
export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  if ((env['OTEL_SDK_DISABLED'] ?? '').trim().toLowerCase() === 'true') return false;
  const exporters = (env['OTEL_TRACES_EXPORTER'] ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name.length > 0);
  if (exporters.includes('none')) return false;
  if (exporters.length > 0) return true;
  return Boolean(
    env['OTEL_EXPORTER_OTLP_ENDPOINT']?.trim() || env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']?.trim(),
  );
}
