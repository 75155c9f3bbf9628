// First: tracing patches http and pg as they load (a no-op unless OTEL_* configures an exporter).
import '@gov/platform-observability/instrument';

import { bootstrapService } from '@gov/platform-chassis';
import { PROCEDURES_REJECTION_STATUSES } from '@gov/procedures-application';

import { AppModule } from './app.module';
import { PROCEDURES_DEFAULTS, proceduresConfigSchema } from './procedures.config';

void bootstrapService({
  name: PROCEDURES_DEFAULTS.serviceName,
  config: proceduresConfigSchema,
  module: (config) => AppModule.forRoot(config),
  rejections: PROCEDURES_REJECTION_STATUSES,
  openapi: {
    title: 'Procedures',
    description:
      'The catalogue of online procedures (versioned definitions: a form as JSON Schema, the ' +
      'source each field may be prefilled from, the handling organisation), the person’s ' +
      'personal space, drafts prefilled only after an explicit choice on a preview, ' +
      'submissions and their back office up to the decision letter, and the person’s dashboard ' +
      'and timeline. Every route but the catalogue, the health probes, the metrics and this ' +
      'document needs a bearer token.',
    version: '1.0.0',
  },
});
