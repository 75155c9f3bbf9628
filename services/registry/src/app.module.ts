import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';

import { PostgresModule, READINESS_CHECKS } from '@gov/platform-chassis';
import { MessagingModule } from '@gov/platform-messaging';

import { readinessChecksProvider } from './health/readiness-checks.provider';
import type { RegistryConfig } from './registry.config';

/**
 * The registry's root module. Health probes, error responses, logging and the OpenAPI document
 * come from the chassis; the registry's own endpoints and consumers are added here.
 */
@Module({})
export class AppModule {
  static forRoot(config: RegistryConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PostgresModule.forRoot({ url: config.database.url, applicationName: config.serviceName }),
        MessagingModule.forRoot({ clientId: config.serviceName, brokers: config.kafka.brokers }),
      ],
      providers: [readinessChecksProvider],
      exports: [READINESS_CHECKS],
    };
  }
}
