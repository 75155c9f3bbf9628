import type { DataSource } from 'typeorm';

import type { PostgresEventStore } from '@gov/platform-event-sourcing';
import { ProjectingPgStore } from '@gov/platform-service';
import type { ProjectingTransaction } from '@gov/platform-service';

import { projectLetterEvent } from './projection';

/** A letterbox transaction: appends with the letters' read model, and the content store's writes. */
export type LetterTransaction = ProjectingTransaction;

/**
 * The event store as the letterbox's use cases see it on PostgreSQL: appends, the letters' read
 * model and the content store's writes commit together (`ProjectingPgStore`): a delivery whose
 * append fails stores no bytes, and a read whose integrity check fails records no read.
 */
export class PgLetterStore extends ProjectingPgStore {
  constructor(store: PostgresEventStore, dataSource: DataSource) {
    super(store, dataSource, projectLetterEvent);
  }
}
