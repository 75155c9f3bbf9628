import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';

import {
  APPLICATION_SCHEMA,
  CONSENT_ENTITIES,
  CONSENT_MIGRATIONS,
  EVENT_STORE_SCHEMA,
  ExpiryReactor,
  consentsProjection,
} from '@gov/consent-application';
import { loadLegalBasisCatalogue } from '@gov/platform-legal-bases';
import { EventSourcedServiceModule } from '@gov/platform-service';

import type { ConsentConfig } from './consent.config';
import { applicationProviders } from './consent.providers';
import { ConsentsController } from './http/consents.controller';
import { DecisionsController } from './http/decisions.controller';
import { ExportController } from './http/export.controller';
import { JwksController } from './http/jwks.controller';
import { PrefillController } from './http/prefill.controller';
import { REGISTRY_EVENTS, RegistryErasuresConsumer } from './consumers/registry-erasures.consumer';

/**
 * The consent service's root module: its controllers, use cases, read models, the expiry
 * reactor and the consumer of the registry's erasures. The service kit gives it its store, relay, replication, idempotency and readiness.
 */
@Module({})
export class AppModule {
  static forRoot(config: ConsentConfig): DynamicModule {
    // Read once at start: a catalogue that cannot be read stops the service, naming the entry.
    const catalogue = loadLegalBasisCatalogue(config.legalBasesFile);
    return {
      module: AppModule,
      imports: [
        EventSourcedServiceModule.forRoot({
          config,
          eventStoreSchema: EVENT_STORE_SCHEMA,
          ownSchema: APPLICATION_SCHEMA,
          ownEntities: CONSENT_ENTITIES,
          ownMigrations: CONSENT_MIGRATIONS,
          projections: [consentsProjection],
          // Appends ConsentExpired: the primary only, after the read models are current.
          reactors: [ExpiryReactor],
          // The registry's erasures (PersonErased), obeyed where the site is writable.
          subscriptions: [
            {
              pattern: REGISTRY_EVENTS,
              topic: config.registryTopic,
              groupId: 'consent.registry-erasures',
              kind: 'envelope',
            },
          ],
        }),
      ],
      controllers: [
        ConsentsController,
        DecisionsController,
        PrefillController,
        ExportController,
        JwksController,
        RegistryErasuresConsumer,
      ],
      providers: applicationProviders(config, catalogue),
    };
  }
}
