// First: tracing patches http and pg as they load (a no-op unless OTEL_* configures an exporter).
import '@gov/platform-observability/instrument';

import { LETTERBOX_REJECTION_STATUSES } from '@gov/letterbox-application';
import { bootstrapService } from '@gov/platform-chassis';

import { AppModule } from './app.module';
import { LETTERBOX_DEFAULTS, letterboxConfigSchema } from './letterbox.config';

void bootstrapService({
  name: LETTERBOX_DEFAULTS.serviceName,
  config: letterboxConfigSchema,
  module: (config) => AppModule.forRoot(config),
  rejections: LETTERBOX_REJECTION_STATUSES,
  openapi: {
    title: 'Letterbox',
    description:
      'Documents an administration delivers to a person or a business (POST /letters, an ' +
      'agency token), with their states: AVAILABLE (the legal-effect instant), READ (the ' +
      'recipient’s first opening), RECEIPT_CONFIRMED. The recipient’s box (GET /letters), the ' +
      'document (GET /letters/{id}/content, its hash verified on every read), the receipt, and ' +
      'the sender’s view (GET /sent). Every route but the health probes, the metrics and this ' +
      'document needs a bearer token.',
    version: '1.0.0',
  },
});
