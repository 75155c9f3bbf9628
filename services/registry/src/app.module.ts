import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';

import { LegalBasisCatalogue, loadLegalBasisCatalogue } from '@gov/platform-legal-bases';
import { EventSourcedServiceModule } from '@gov/platform-service';
import { AgencyFeedsModule, CorrectionNoticesModule, RegistryFeedModule } from '@gov/registry-feed';
import {
  APPLICATION_SCHEMA,
  CorrectionsReactor,
  EVENT_STORE_SCHEMA,
  PgSiteAccessLog,
  REGISTRY_ENTITIES,
  REGISTRY_MIGRATIONS,
  pgBusinessManagersProjection,
  pgCorrectionsProjection,
  reseedAllocators,
} from '@gov/registry-application';

import { AgencyFeedCutsRecorder } from './agency-feed-cuts.recorder';
import { BusinessesController } from './http/businesses.controller';
import { CorrectionsController } from './http/corrections.controller';
import { PersonsController } from './http/persons.controller';
import { VehiclesController } from './http/vehicles.controller';
import type { RegistryConfig } from './registry.config';
import { REGISTRY_CONFIG, applicationProviders } from './registry.providers';

/**
 * The registry's root module: what is the registry's own (its HTTP controllers, its use cases,
 * the corrections read model and reactor, number allocation on promotion, the public change
 * feed and correction notices). The service kit gives it its store, relay, replication, idempotency and readiness; the
 * chassis adds logging, error responses, health probes and the OpenAPI document around it.
 */
@Module({})
export class AppModule {
  static forRoot(config: RegistryConfig): DynamicModule {
    // The legal-basis catalogue (LEGAL_BASES_FILE), read once: the service does not start with
    // an invalid one. Agencies' reads decide on it; its feeds are the agency feeds run here.
    const catalogue = loadLegalBasisCatalogue();
    return {
      module: AppModule,
      imports: [
        EventSourcedServiceModule.forRoot({
          config,
          eventStoreSchema: EVENT_STORE_SCHEMA,
          ownSchema: APPLICATION_SCHEMA,
          ownEntities: REGISTRY_ENTITIES,
          ownMigrations: REGISTRY_MIGRATIONS,
          // Numbers are not in the log's order of positions: a promoted embassy continues above
          // every number it replayed.
          onPromote: reseedAllocators,
          // Read models of the log, on every site (the embassy rebuilds them by replay).
          // The corrections projection also destroys an erased person's key on this site.
          projections: [pgCorrectionsProjection, pgBusinessManagersProjection],
          // Every person's personal data is sealed under their own key (registry.keys.v1).
          subjectKeys: true,
          // Accepted corrections into their records; reads served while the site could not
          // append (the embassy before its promotion) into the log.
          reactors: [CorrectionsReactor, PgSiteAccessLog],
          // The public change feed for agencies (registry.changes.v1): full record snapshots,
          // compacted, published from the same log at least once. Beside it, the correction
          // notices (registry.correction-notices.v1, GDPR Art. 19). Both run on every site, each
          // publishing its own cluster's topic from its own log, and hold while a replica
          // catches up. Beside them, one feed per organisation the catalogue gives a feed
          // (registry.changes.<organisation id>.v1), cut to its basis, re-cut where the log
          // records a new cut (AgencyFeedCutsRecorder appends it where the site is writable),
          // all published by one relay that folds the log once for them.
          imports: ({ holdWhile }) => [
            RegistryFeedModule.forRoot({ holdWhile }),
            CorrectionNoticesModule.forRoot({ holdWhile }),
            AgencyFeedsModule.forRoot({
              organisations: catalogue.feeds.map((feed) => feed.organisationId),
              holdWhile,
            }),
          ],
        }),
      ],
      controllers: [
        PersonsController,
        BusinessesController,
        VehiclesController,
        CorrectionsController,
      ],
      providers: [
        { provide: REGISTRY_CONFIG, useValue: config },
        { provide: LegalBasisCatalogue, useValue: catalogue },
        AgencyFeedCutsRecorder,
        ...applicationProviders,
      ],
    };
  }
}
