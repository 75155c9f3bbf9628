import type { Provider } from '@nestjs/common';
import { DataSource } from 'typeorm';

import {
  CachedBusinessManagers,
  LetterService,
  NO_REGISTRY,
  PgLetterStore,
  RetentionReactor,
  systemClock,
} from '@gov/letterbox-application';
import type { BusinessManagers } from '@gov/letterbox-application';
import { OwnToken } from '@gov/platform-auth';
import { SUBJECT_KEY_STORE } from '@gov/platform-data-protection';
import type { SubjectKeyStore } from '@gov/platform-data-protection';
import { EVENT_STORE } from '@gov/platform-event-sourcing';
import type { PostgresEventStore } from '@gov/platform-event-sourcing';

import { RegistryBusinessManagers } from './clients/registry-managers';
import type { LetterboxConfig } from './letterbox.config';

/** Injection token of the service's configuration. */
export const LETTERBOX_CONFIG = Symbol('LETTERBOX_CONFIG');

/**
 * The application's use cases and stores, on the kit's event store and TypeORM data source.
 * Plain classes (the application knows no Nest); this is where they are put together.
 */
export function applicationProviders(config: LetterboxConfig): Provider[] {
  const registry: BusinessManagers =
    config.registryUrl === undefined || config.serviceToken === undefined
      ? NO_REGISTRY
      : new RegistryBusinessManagers(
          config.registryUrl,
          // Its agency token (organisation `letterbox`), on its catalogue basis.
          new OwnToken(config.serviceToken, {
            role: 'agency',
            subject: 'letterbox',
            organisationId: 'letterbox',
            issuer: config.auth.issuer,
            audience: config.auth.audience,
          }),
          config.httpTimeoutMs,
        );
  const managers = new CachedBusinessManagers(registry, systemClock, config.managersTtlMs);
  return [
    { provide: LETTERBOX_CONFIG, useValue: config },
    {
      provide: PgLetterStore,
      useFactory: (store: PostgresEventStore, dataSource: DataSource) =>
        new PgLetterStore(store, dataSource),
      inject: [EVENT_STORE, DataSource],
    },
    {
      provide: LetterService,
      useFactory: (store: PgLetterStore, keys: SubjectKeyStore) =>
        new LetterService(store, systemClock, {
          managers,
          deliveryAgents: config.deliveryAgents,
          keys,
        }),
      inject: [PgLetterStore, SUBJECT_KEY_STORE],
    },
    {
      provide: RetentionReactor,
      useFactory: (store: PgLetterStore) => new RetentionReactor(store, systemClock),
      inject: [PgLetterStore],
    },
  ];
}
