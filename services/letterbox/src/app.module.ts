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

import { DocumentRelayReactor } from './documents/document-relay.reactor';
import { DocumentsReplicaConsumer } from './documents/documents-replica.consumer';
import { DeliveryBodyLimit } from './http/delivery-body-limit';
import { DocumentsController } from './http/documents.controller';
import { LettersController } from './http/letters.controller';
import { SentController } from './http/sent.controller';
import type { LetterboxConfig } from './letterbox.config';
import { applicationProviders } from './letterbox.providers';

/**
 * The letterbox's root module: its controllers, use cases, read model and the retention
 * reactor. The service kit gives it its store, relay, replication, idempotency and readiness.
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
          projections: [lettersProjection],
          // Appends LetterContentRemoved: the primary only, after the read model is current.
          // The document relay publishes the bytes to the documents topic for the embassy.
          reactors: [RetentionReactor, DocumentRelayReactor],
        }),
      ],
      controllers: [LettersController, SentController, DocumentsController],
      providers: [
        DeliveryBodyLimit,
        DocumentRelayReactor,
        DocumentsReplicaConsumer,
        ...applicationProviders(config),
      ],
    };
  }
}
