// First: tracing patches http and pg as they load (a no-op unless OTEL_* configures an exporter).
import '@gov/platform-observability/instrument';

import { CONSENT_REJECTION_STATUSES } from '@gov/consent-application';
import { bootstrapService } from '@gov/platform-chassis';

import { AppModule } from './app.module';
import { CONSENT_DEFAULTS, consentConfigSchema } from './consent.config';

void bootstrapService({
  name: CONSENT_DEFAULTS.serviceName,
  config: consentConfigSchema,
  module: (config) => AppModule.forRoot(config),
  rejections: CONSENT_REJECTION_STATUSES,
  openapi: {
    title: 'Consent',
    description:
      'Consent artefacts (a person grants an organisation the use of named data categories for a ' +
      'purpose, until an instant, optionally for a number of uses; immutable, a change is a new ' +
      'artefact), signed receipts verifiable with GET /.well-known/jwks.json, the Yes/No to ' +
      'prefilling, and the decision API every service asks before reusing a person’s data ' +
      '(POST /decisions), on the operator’s legal-basis catalogue or a consent. Every route but ' +
      'the health probes, the metrics, the JWKS and this document needs a bearer token.',
    version: '1.0.0',
  },
});
