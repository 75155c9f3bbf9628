import type { NestFastifyApplication } from '@nestjs/platform-fastify';

import { activeSpan, httpRequestDuration } from '@gov/platform-observability';

/** The label of requests that match no route (404s of unknown paths): bounded cardinality. */
const UNMATCHED_ROUTE = 'unmatched';

const startTimes = new WeakMap<object, bigint>();

/**
 * Counts and times every request by method, route pattern and status class, and names the
 * HTTP server span after the route (`GET /persons/:nationalId`), as the tracing conventions
 * want: the HTTP instrumentation only knows the raw URL.
 */
export function installHttpObservability(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, _reply, done) => {
    startTimes.set(request, process.hrtime.bigint());
    const span = activeSpan();
    const route = request.routeOptions.url;
    if (span && route !== undefined) {
      span.updateName(`${request.method} ${route}`);
      span.setAttribute('http.route', route);
    }
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const started = startTimes.get(request);
    if (started !== undefined) {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      httpRequestDuration.observe(
        {
          method: request.method,
          route: request.routeOptions.url ?? UNMATCHED_ROUTE,
          status_class: `${String(Math.floor(reply.statusCode / 100))}xx`,
        },
        seconds,
      );
    }
    done();
  });
}
