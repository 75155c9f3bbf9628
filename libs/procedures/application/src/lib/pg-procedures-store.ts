import type { DataSource } from 'typeorm';

import type { PostgresEventStore } from '@gov/platform-event-sourcing';
import { ProjectingPgStore } from '@gov/platform-service';

import { projectProceduresEvent } from './projection';

/**
 * The event store as the procedures use cases see it on PostgreSQL: appends and the cases' read
 * models commit together (`ProjectingPgStore`).
 */
export class PgProceduresStore extends ProjectingPgStore {
  constructor(store: PostgresEventStore, dataSource: DataSource) {
    super(store, dataSource, projectProceduresEvent);
  }
}
