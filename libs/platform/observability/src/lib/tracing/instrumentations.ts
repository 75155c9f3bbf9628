import type { IncomingMessage } from 'node:http';

import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';

import { tracingEnabled } from './tracing-settings';

/** Polled by machines many times a minute: a span each would drown the traces that matter. */
const UNTRACED_PATHS = ['/health/', '/metrics', '/openapi.json', '/replication/status'];

let registered = false;

/**
 * Patches `http` and `pg` so that they create spans, if tracing is on (see
 * {@link tracingEnabled}). Must run before those modules are loaded by anything else: the
 * `@gov/platform-observability/instrument` entry does it as the first import of a service's
 * `main.ts`. The spans go nowhere until `startTracing` installs the SDK.
 *
 * - HTTP server spans for every request but probes, metrics and the OpenAPI document; client
 *   spans only inside a trace (embassy-sync's polling of the sites starts none).
 * - PostgreSQL query spans only inside a trace: the relay's idle polling starts none.
 *
 * Kafka is traced by hand in the event store, the relay and the messaging library, where the
 * envelope's trace context is known; kafkajs itself is not instrumented.
 */
export function registerPlatformInstrumentations(env: NodeJS.ProcessEnv = process.env): boolean {
  if (registered || !tracingEnabled(env)) return registered;
  registerInstrumentations({
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request: IncomingMessage) => {
          const path = (request.url ?? '').split('?', 1)[0] ?? '';
          return UNTRACED_PATHS.some((quiet) => path === quiet || path.startsWith(quiet));
        },
        requireParentforOutgoingSpans: true,
      }),
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  registered = true;
  return true;
}
