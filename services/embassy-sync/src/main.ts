// First: tracing patches http and pg as they load (a no-op unless OTEL_* configures an exporter).
import '@gov/platform-observability/instrument';

import { bootstrapService } from '@gov/platform-chassis';

import { AppModule } from './app.module';
import { EMBASSY_SYNC_DEFAULTS, embassySyncConfigSchema } from './embassy-sync.config';

void bootstrapService({
  name: EMBASSY_SYNC_DEFAULTS.serviceName,
  config: embassySyncConfigSchema,
  module: (config) => AppModule.forRoot(config),
  openapi: {
    title: 'embassy-sync',
    description:
      'Replication health between the primary site and the data embassy: for every watched ' +
      'service, both sites’ log heads, the embassy’s lag in events and milliseconds (live and ' +
      'p50/p99 over a rolling window), halted streams and dead letters; and Ed25519-signed ' +
      'checkpoints of the services’ state digests, published by the primary and verified by ' +
      'the embassy against its own digests. GET /status needs an operator bearer token; ' +
      'GET /metrics (Prometheus) and the health probes do not.',
    version: '1.0.0',
  },
});
