import type { Provider } from '@nestjs/common';
import { DataSource } from 'typeorm';

import {
  ConsentService,
  DecisionService,
  ErasureService,
  ExpiryReactor,
  PgConsentReads,
  PgConsentStore,
  PrefillService,
  ReceiptSigner,
  loadReceiptSigner,
  systemClock,
} from '@gov/consent-application';
import { EVENT_STORE } from '@gov/platform-event-sourcing';
import type { PostgresEventStore } from '@gov/platform-event-sourcing';
import { LegalBasisCatalogue } from '@gov/platform-legal-bases';

import type { ConsentConfig } from './consent.config';

/** Injection token of the service's configuration. */
export const CONSENT_CONFIG = Symbol('CONSENT_CONFIG');

/**
 * The application's use cases and stores, on the kit's event store and TypeORM data source.
 * Plain classes (the application knows no Nest); this is where they are put together.
 */
export function applicationProviders(
  config: ConsentConfig,
  catalogue: LegalBasisCatalogue,
): Provider[] {
  return [
    { provide: CONSENT_CONFIG, useValue: config },
    { provide: LegalBasisCatalogue, useValue: catalogue },
    { provide: ReceiptSigner, useFactory: () => loadReceiptSigner(config.receiptKey) },
    {
      provide: PgConsentStore,
      useFactory: (store: PostgresEventStore, dataSource: DataSource) =>
        new PgConsentStore(store, dataSource),
      inject: [EVENT_STORE, DataSource],
    },
    {
      provide: PgConsentReads,
      useFactory: (dataSource: DataSource) => new PgConsentReads(dataSource.manager),
      inject: [DataSource],
    },
    {
      provide: ConsentService,
      useFactory: (store: PgConsentStore, reads: PgConsentReads, signer: ReceiptSigner) =>
        new ConsentService(store, reads, catalogue, systemClock, signer, {
          jurisdiction: config.jurisdiction,
        }),
      inject: [PgConsentStore, PgConsentReads, ReceiptSigner],
    },
    {
      provide: DecisionService,
      useFactory: (store: PgConsentStore, reads: PgConsentReads) =>
        new DecisionService(store, reads, catalogue, systemClock),
      inject: [PgConsentStore, PgConsentReads],
    },
    {
      provide: PrefillService,
      useFactory: (store: PgConsentStore, reads: PgConsentReads) =>
        new PrefillService(store, reads, systemClock),
      inject: [PgConsentStore, PgConsentReads],
    },
    {
      provide: ErasureService,
      useFactory: (store: PostgresEventStore, dataSource: DataSource) =>
        new ErasureService(store, dataSource, systemClock),
      inject: [EVENT_STORE, DataSource],
    },
    {
      provide: ExpiryReactor,
      useFactory: (store: PgConsentStore, reads: PgConsentReads) =>
        new ExpiryReactor(store, reads, systemClock),
      inject: [PgConsentStore, PgConsentReads],
    },
  ];
}
