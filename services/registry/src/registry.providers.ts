import { Logger } from '@nestjs/common';
import type { Provider } from '@nestjs/common';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';

import { PG_POOL } from '@gov/platform-chassis';
import { SUBJECT_KEY_STORE } from '@gov/platform-data-protection';
import type { SubjectKeyStore } from '@gov/platform-data-protection';
import { EVENT_STORE } from '@gov/platform-event-sourcing';
import type { EventStore, PostgresEventStore } from '@gov/platform-event-sourcing';
import { LegalBasisCatalogue } from '@gov/platform-legal-bases';
import {
  AccessLog,
  AgencyReadPolicy,
  BusinessService,
  CorrectionService,
  CorrectionsReactor,
  PgCorrectionsEventStore,
  PgCorrectionsReadModel,
  PgBulkRegistrar,
  PgBusinessManagersReadModel,
  PgNumberAllocator,
  PgRegistrarDirectory,
  PgSiteAccessLog,
  PersonService,
  VehicleService,
  systemClock,
} from '@gov/registry-application';

import { HttpConsentDecisions } from './consent-decisions.client';
import type { RegistryConfig } from './registry.config';

/** Injection token of the service's configuration. */
export const REGISTRY_CONFIG = Symbol('REGISTRY_CONFIG');

/**
 * The application layer's use cases and stores, on the service's pool and event store. Plain
 * classes (the application knows no Nest); this is where they are put together.
 */
export const applicationProviders: Provider[] = [
  {
    provide: PgNumberAllocator,
    useFactory: (pool: Pool) => new PgNumberAllocator(pool),
    inject: [PG_POOL],
  },
  {
    provide: PgCorrectionsReadModel,
    useFactory: (dataSource: DataSource) => new PgCorrectionsReadModel(dataSource.manager),
    inject: [DataSource],
  },
  {
    // Reads served where the log cannot be appended to (the embassy) are kept here; the kit
    // runs it as a reactor, joining them to the log once the site is the primary.
    provide: PgSiteAccessLog,
    useFactory: (dataSource: DataSource, store: PostgresEventStore) =>
      new PgSiteAccessLog(dataSource, store),
    inject: [DataSource, EVENT_STORE],
  },
  {
    // Agencies' reads: the legal-basis catalogue (read once, by AppModule), then the person's
    // consent, asked of the consent service.
    provide: AgencyReadPolicy,
    useFactory: (config: RegistryConfig, catalogue: LegalBasisCatalogue) =>
      new AgencyReadPolicy(
        catalogue,
        config.consentUrl === undefined ? undefined : new HttpConsentDecisions(config.consentUrl),
        systemClock,
      ),
    inject: [REGISTRY_CONFIG, LegalBasisCatalogue],
  },
  {
    provide: PersonService,
    useFactory: (
      store: PostgresEventStore,
      numbers: PgNumberAllocator,
      dataSource: DataSource,
      siteAccess: PgSiteAccessLog,
      agencyReads: AgencyReadPolicy,
      keys: SubjectKeyStore,
    ) =>
      new PersonService(
        store,
        keys,
        systemClock,
        numbers,
        new AccessLog(store, systemClock, siteAccess),
        new PgBulkRegistrar(dataSource, store),
        agencyReads,
      ),
    inject: [
      EVENT_STORE,
      PgNumberAllocator,
      DataSource,
      PgSiteAccessLog,
      AgencyReadPolicy,
      SUBJECT_KEY_STORE,
    ],
  },
  {
    provide: BusinessService,
    useFactory: (
      store: EventStore,
      numbers: PgNumberAllocator,
      agencyReads: AgencyReadPolicy,
      dataSource: DataSource,
    ) =>
      new BusinessService(
        store,
        systemClock,
        numbers,
        agencyReads,
        new PgBusinessManagersReadModel(dataSource.manager),
      ),
    inject: [EVENT_STORE, PgNumberAllocator, AgencyReadPolicy, DataSource],
  },
  {
    provide: VehicleService,
    // Reads that show a person as a vehicle's owner go to that person's access log.
    useFactory: (store: EventStore, agencyReads: AgencyReadPolicy, siteAccess: PgSiteAccessLog) =>
      new VehicleService(
        store,
        systemClock,
        agencyReads,
        new AccessLog(store, systemClock, siteAccess),
      ),
    inject: [EVENT_STORE, AgencyReadPolicy, PgSiteAccessLog],
  },
  {
    provide: CorrectionService,
    // Appends and the read model's rows for them in one transaction (read-your-writes).
    useFactory: (
      store: PostgresEventStore,
      readModel: PgCorrectionsReadModel,
      dataSource: DataSource,
      keys: SubjectKeyStore,
    ) =>
      new CorrectionService(
        new PgCorrectionsEventStore(store, dataSource),
        keys,
        systemClock,
        readModel,
        new PgRegistrarDirectory(dataSource.manager),
      ),
    inject: [EVENT_STORE, PgCorrectionsReadModel, DataSource, SUBJECT_KEY_STORE],
  },
  {
    provide: CorrectionsReactor,
    useFactory: (
      store: PostgresEventStore,
      readModel: PgCorrectionsReadModel,
      dataSource: DataSource,
      keys: SubjectKeyStore,
    ) => {
      const logger = new Logger('CorrectionsReactor');
      return new CorrectionsReactor(
        new PgCorrectionsEventStore(store, dataSource),
        keys,
        systemClock,
        readModel,
        {
          warn: (message) => {
            logger.warn(message);
          },
        },
      );
    },
    inject: [EVENT_STORE, PgCorrectionsReadModel, DataSource, SUBJECT_KEY_STORE],
  },
];
