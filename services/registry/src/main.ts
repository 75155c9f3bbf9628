import { bootstrapService } from '@gov/platform-chassis';

import { AppModule } from './app.module';
import { REGISTRY_DEFAULTS, registryConfigSchema } from './registry.config';

void bootstrapService({
  name: REGISTRY_DEFAULTS.serviceName,
  config: registryConfigSchema,
  module: (config) => AppModule.forRoot(config),
  openapi: {
    title: 'Registry',
    description:
      'The authentic sources of the state: natural persons and businesses, each record an ' +
      'event stream, with its history and as-of reads, correction requests and a public ' +
      'change feed. Registrars write; citizens read their own record and ask for corrections; ' +
      'agencies read with a legal basis and subscribe to changes.',
    version: '0.1.0',
  },
});
