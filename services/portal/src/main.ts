// First: tracing patches http as it loads (a no-op unless OTEL_* configures an exporter).
import '@gov/platform-observability/instrument';

import { bootstrapService } from '@gov/platform-chassis';

import { AppModule } from './app.module';
import { PORTAL_DEFAULTS, portalConfigSchema } from './portal.config';

void bootstrapService({
  name: PORTAL_DEFAULTS.serviceName,
  config: portalConfigSchema,
  module: (config) => AppModule.forRoot(config),
  openapi: {
    title: 'portal',
    description:
      'The citizen portal and the operator console: server-rendered pages (text/html) built ' +
      'from the other services’ public HTTP APIs, called with the signed-in person’s own token. ' +
      'Its pages are for browsers and are not listed here; this document lists only the ' +
      'probes and metrics every service has.',
    version: '1.0.0',
  },
});
