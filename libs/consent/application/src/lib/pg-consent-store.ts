import type { DataSource } from 'typeorm';

import type { PostgresEventStore } from '@gov/platform-event-sourcing';
import { ProjectingPgStore } from '@gov/platform-service';

import { projectConsentEvent } from './projection';

/**
 * The event store as the consent use cases see it on PostgreSQL: appends and the consent read
 * models' rows commit together (`ProjectingPgStore`); a change of terms appends the new artefact
 * and the old one's supersession in one `transaction`.
 */
export class PgConsentStore extends ProjectingPgStore {
  constructor(store: PostgresEventStore, dataSource: DataSource) {
    super(store, dataSource, projectConsentEvent);
  }
}
