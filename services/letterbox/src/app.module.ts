import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';

import {
  APPLICATION_SCHEMA,
  EVENT_STORE_SCHEMA,
  LETTERBOX_ENTITIES,
  LETTERBOX_MIGRATIONS,
  RetentionReactor,
  lettersProjection,
} from '@gov/letterbox-application';
import { EventSourcedServiceModule } from '@gov/platform-service';

import { REGISTRY_EVENTS, RegistryErasuresConsumer } from './consumers/registry-erasures.consumer';
import { DocumentRelayReactor } from './documents/document-relay.reactor';
import { DocumentsReplicaConsumer } from './documents/documents-replica.consumer';
import { DeliveryBodyLimit } from './http/delivery-body-limit';
import { DocumentsController } from './http/documents.controller';
import { LettersController } from './http/letters.controller';
import { SentController } from './http/sent.controller';
import type { LetterboxConfig } from './letterbox.config';
import { applicationProviders } from './letterbox.providers';

/**
 * The letterbox's root module: its controllers, use cases, read model, the retention reactor,
 * and its consumer of the registry's erasures. The service kit gives it its store, relay,
 * replication, idempotency, readiness and the per-person keys (`letterbox.keys.v1`).
 */
@Module({})
export class AppModule {
  static forRoot(config: LetterboxConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        EventSourcedServiceModule.forRoot({
          config,
          eventStoreSchema: EVENT_STORE_SCHEMA,
          ownSchema: APPLICATION_SCHEMA,
          ownEntities: LETTERBOX_ENTITIES,
          ownMigrations: LETTERBOX_MIGRATIONS,
          // The letters read model; it also destroys an erased person's key on this site.
          projections: [lettersProjection],
          // A letter to a person is sealed under their key (letterbox.keys.v1).
          subjectKeys: true,
          // The registry's PersonErased, obeyed where the site is writable.
          subscriptions: [
            {
              pattern: REGISTRY_EVENTS,
              topic: config.registryTopic,
              groupId: 'letterbox.registry-erasures',
              kind: 'envelope',
            },
          ],
          // Appends LetterContentRemoved: the primary only, after the read model is current.
          // The document relay publishes the bytes to the documents topic for the embassy.
          reactors: [RetentionReactor, DocumentRelayReactor],
        }),
      ],
      controllers: [
        LettersController,
        SentController,
        DocumentsController,
        RegistryErasuresConsumer,
      ],
      providers: [
        DeliveryBodyLimit,
        DocumentRelayReactor,
        DocumentsReplicaConsumer,
        ...applicationProviders(config),
      ],
    };
  }
}
