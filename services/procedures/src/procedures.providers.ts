import type { Provider } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { OwnToken } from '@gov/platform-auth';
import { SUBJECT_KEY_STORE } from '@gov/platform-data-protection';
import type { SubjectKeyStore } from '@gov/platform-data-protection';
import { EVENT_STORE } from '@gov/platform-event-sourcing';
import type { PostgresEventStore } from '@gov/platform-event-sourcing';
import {
  CaseService,
  DecisionLetterReactor,
  PersonalSpaceService,
  PgProceduresStore,
  ProcedureCatalogue,
  systemClock,
} from '@gov/procedures-application';

import { PlatformHttpClients } from './clients/http-clients';
import type { ProceduresConfig } from './procedures.config';

/**
 * The application's use cases and stores, on the kit's event store and TypeORM data source.
 * Plain classes (the application knows no Nest); this is where they are put together.
 */
export function applicationProviders(
  config: ProceduresConfig,
  catalogue: ProcedureCatalogue,
): Provider[] {
  // Its agency token (organisation `procedures`) for the registry, consent and letterbox.
  const token = new OwnToken(config.serviceToken, {
    role: 'agency',
    subject: 'procedures',
    organisationId: 'procedures',
    issuer: config.auth.issuer,
    audience: config.auth.audience,
  });
  const clients = new PlatformHttpClients(
    { registry: config.registryUrl, consent: config.consentUrl, letterbox: config.letterboxUrl },
    token,
    config.httpTimeoutMs,
  );
  return [
    { provide: ProcedureCatalogue, useValue: catalogue },
    {
      provide: PgProceduresStore,
      useFactory: (store: PostgresEventStore, dataSource: DataSource) =>
        new PgProceduresStore(store, dataSource),
      inject: [EVENT_STORE, DataSource],
    },
    {
      provide: PersonalSpaceService,
      useFactory: (store: PgProceduresStore, keys: SubjectKeyStore) =>
        new PersonalSpaceService(store, keys, systemClock),
      inject: [PgProceduresStore, SUBJECT_KEY_STORE],
    },
    {
      provide: CaseService,
      useFactory: (
        store: PgProceduresStore,
        keys: SubjectKeyStore,
        dataSource: DataSource,
        space: PersonalSpaceService,
      ) =>
        new CaseService(
          store,
          keys,
          dataSource,
          catalogue,
          space,
          clients,
          clients,
          clients,
          clients,
          token,
          systemClock,
          { previewTtlMs: config.previewTtlMs, letterGraceMs: config.letterGraceMs },
        ),
      inject: [PgProceduresStore, SUBJECT_KEY_STORE, DataSource, PersonalSpaceService],
    },
    {
      provide: DecisionLetterReactor,
      useFactory: (cases: CaseService) => new DecisionLetterReactor(cases),
      inject: [CaseService],
    },
  ];
}
