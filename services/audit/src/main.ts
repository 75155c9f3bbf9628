// First: tracing patches http and pg as they load (a no-op unless OTEL_* configures an exporter).
import '@gov/platform-observability/instrument';

import { bootstrapService } from '@gov/platform-chassis';

import { AppModule } from './app.module';
import { AUDIT_DEFAULTS, auditConfigSchema } from './audit.config';

void bootstrapService({
  name: AUDIT_DEFAULTS.serviceName,
  config: auditConfigSchema,
  module: (config) => AppModule.forRoot(config),
  openapi: {
    title: 'Audit',
    description:
      'The tamper-evident record of every access to personal data: an append-only Merkle tree ' +
      '(RFC 9162) over the access entries, signed tree heads, inclusion and consistency ' +
      'proofs, exports for the offline verifier, and "who accessed my data" for the citizen. ' +
      'Every route but the health probes, the metrics, the JWKS and this document needs a ' +
      'bearer token.',
    version: '1.0.0',
  },
});
