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
import {
  RegistryErasuresConsumer,
  registryErasuresSubscription,
} from './consumers/registry-erasures.consumer';
import { CatalogueController } from './http/catalogue.controller';
import { DashboardController } from './http/dashboard.controller';
import { DraftsController } from './http/drafts.controller';
import { PersonalSpaceController } from './http/personal-space.controller';
import { SubmissionsController } from './http/submissions.controller';
import type { ProceduresConfig } from './procedures.config';
import { applicationProviders } from './procedures.providers';

/**
 * The procedures service's root module: its controllers, use cases, read models, the
 * decision-letter reactor and the consumers of the registry's correction notices and erasures.
 * The service kit gives it its store, relay, replication, idempotency, readiness and the
 * per-subject keys its personal values are sealed under.
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
          // Also destroys an erased person's key wherever the log reaches PersonalDataErased.
          projections: [proceduresProjection],
          // Each person's values (forms, answers, personal space) are sealed under their own
          // key (procedures.keys.v1).
          subjectKeys: true,
          // Sends the letters the request path could not: the primary only.
          reactors: [DecisionLetterReactor],
          // Appends to the cases: held on a replica, like the reactors.
          subscriptions: [
            correctionNoticesSubscription(config.correctionNoticesTopic),
            registryErasuresSubscription(config.registryTopic),
          ],
        }),
      ],
      controllers: [
        CatalogueController,
        PersonalSpaceController,
        DraftsController,
        SubmissionsController,
        DashboardController,
        CorrectionNoticesConsumer,
        RegistryErasuresConsumer,
      ],
      providers: applicationProviders(config, catalogue),
    };
  }
}
