// First: tracing patches http and pg as they load (a no-op unless OTEL_* configures an exporter).
import '@gov/platform-observability/instrument';

import { bootstrapService } from '@gov/platform-chassis';
import { REGISTRY_REJECTION_STATUSES } from '@gov/registry-application';

import { AppModule } from './app.module';
import { REGISTRY_DEFAULTS, registryConfigSchema } from './registry.config';

void bootstrapService({
  name: REGISTRY_DEFAULTS.serviceName,
  config: registryConfigSchema,
  module: (config) => AppModule.forRoot(config),
  rejections: REGISTRY_REJECTION_STATUSES,
  openapi: {
    title: 'Registry',
    description:
      'The authentic sources of the state: natural persons, businesses and vehicles, each record an ' +
      'event stream, with its history and as-of reads, and correction requests. Registrars ' +
      'write; citizens read their own record and ask for corrections; agencies read with a ' +
      'purpose and a legal basis, and every such read is recorded in the person’s access log. ' +
      'Every route but the health probes, the Prometheus metrics and this document needs a ' +
      'bearer token. Writes take If-Match (the ETag of the record’s version) and ' +
      'Idempotency-Key.',
    version: '1.0.0',
  },
});
