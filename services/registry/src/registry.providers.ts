import { Logger } from '@nestjs/common';
import type { Provider } from '@nestjs/common';
import type { Pool } from 'pg';

import { PG_POOL } from '@gov/platform-chassis';
import { EVENT_STORE } from '@gov/platform-event-sourcing';
import type { EventStore, PostgresEventStore } from '@gov/platform-event-sourcing';
import {
  AccessLog,
  BusinessService,
  CorrectionService,
  CorrectionsReactor,
  PgCorrectionsReadModel,
  PgBulkRegistrar,
  PgNumberAllocator,
  PgRegistrarDirectory,
  PersonService,
  systemClock,
} from '@gov/registry-application';

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
    useFactory: (pool: Pool) => new PgCorrectionsReadModel(pool),
    inject: [PG_POOL],
  },
  {
    provide: PersonService,
    useFactory: (store: PostgresEventStore, numbers: PgNumberAllocator, pool: Pool) =>
      new PersonService(
        store,
        systemClock,
        numbers,
        new AccessLog(store, systemClock),
        new PgBulkRegistrar(pool, store),
      ),
    inject: [EVENT_STORE, PgNumberAllocator, PG_POOL],
  },
  {
    provide: BusinessService,
    useFactory: (store: EventStore, numbers: PgNumberAllocator) =>
      new BusinessService(store, systemClock, numbers),
    inject: [EVENT_STORE, PgNumberAllocator],
  },
  {
    provide: CorrectionService,
    useFactory: (store: EventStore, readModel: PgCorrectionsReadModel, pool: Pool) =>
      new CorrectionService(store, systemClock, readModel, new PgRegistrarDirectory(pool)),
    inject: [EVENT_STORE, PgCorrectionsReadModel, PG_POOL],
  },
  {
    provide: CorrectionsReactor,
    useFactory: (store: EventStore, readModel: PgCorrectionsReadModel) => {
      const logger = new Logger('CorrectionsReactor');
      return new CorrectionsReactor(store, systemClock, readModel, {
        warn: (message) => {
          logger.warn(message);
        },
      });
    },
    inject: [EVENT_STORE, PgCorrectionsReadModel],
  },
];
