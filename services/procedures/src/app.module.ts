import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';

import { loadLegalBasisCatalogue } from '@gov/platform-legal-bases';
import { EventSourcedServiceModule } from '@gov/platform-service';
import {
  APPLICATION_SCHEMA,
  DEFAULT_CATALOGUE_DIR,
  DecisionLetterReactor,
  EVENT_STORE_SCHEMA,
  PROCEDURES_ENTITIES,
  PROCEDURES_MIGRATIONS,
  ProcedureCatalogue,
  proceduresProjection,
} from '@gov/procedures-application';

import {
  CorrectionNoticesConsumer,
  correctionNoticesSubscription,
} from './consumers/correction-notices.consumer';
import { CatalogueController } from './http/catalogue.controller';
import { DashboardController } from './http/dashboard.controller';
import { DraftsController } from './http/drafts.controller';
import { PersonalSpaceController } from './http/personal-space.controller';
import { SubmissionsController } from './http/submissions.controller';
import type { ProceduresConfig } from './procedures.config';
import { applicationProviders } from './procedures.providers';

/**
 * The procedures service's root module: its controllers, use cases, read models, the
 * decision-letter reactor and the consumer of the registry's correction notices. The service kit gives it its store, relay, replication,
 * idempotency and readiness.
 */
@Module({})
export class AppModule {
  static forRoot(config: ProceduresConfig): DynamicModule {
    // Read once at start: a definition that does not validate stops the service, named.
    const catalogue = ProcedureCatalogue.load(
      config.catalogueDir ?? DEFAULT_CATALOGUE_DIR,
      loadLegalBasisCatalogue(config.legalBasesFile),
    );
    return {
      module: AppModule,
      imports: [
        EventSourcedServiceModule.forRoot({
          config,
          eventStoreSchema: EVENT_STORE_SCHEMA,
          ownSchema: APPLICATION_SCHEMA,
          ownEntities: PROCEDURES_ENTITIES,
          ownMigrations: PROCEDURES_MIGRATIONS,
          projections: [proceduresProjection],
          // Sends the letters the request path could not: the primary only.
          reactors: [DecisionLetterReactor],
          // Appends to the cases: held on a replica, like the reactors.
          subscriptions: [correctionNoticesSubscription(config.correctionNoticesTopic)],
        }),
      ],
      controllers: [
        CatalogueController,
        PersonalSpaceController,
        DraftsController,
        SubmissionsController,
        DashboardController,
        CorrectionNoticesConsumer,
      ],
      providers: applicationProviders(config, catalogue),
    };
  }
}
