import type { DataSource } from 'typeorm';

import type {
  AppendMetadata,
  AppendResult,
  EventStore,
  ExpectedVersion,
  NewEvent,
  PositionedEvent,
  PostgresEventStore,
  RecordedEvent,
} from '@gov/platform-event-sourcing';
import { pgClientOf } from '@gov/platform-service';

import { projectCorrectionEvent } from '../corrections/corrections.projector';
import { PgCorrectionsReadModel } from './pg-stores';

/**
 * The event store as the correction use cases and reactor see it on PostgreSQL: each append
 * and the corrections read model's rows for the appended events commit in one TypeORM
 * transaction on one connection (the store's `appendInTransaction` on `pgClientOf(manager)`).
 * A request's read-your-writes then never sees the log ahead of the read model, and a failed
 * read-model write undoes the append. The corrections projection makes the same idempotent
 * writes from the log; reads go to the store.
 */
export class PgCorrectionsEventStore implements EventStore {
  constructor(
    private readonly store: PostgresEventStore,
    private readonly dataSource: DataSource,
  ) {}

  append(
    streamId: string,
    expectedVersion: ExpectedVersion,
    events: readonly NewEvent[],
    metadata: AppendMetadata,
  ): Promise<AppendResult> {
    return this.dataSource.transaction(async (manager) => {
      const result = await this.store.appendInTransaction(
        pgClientOf(manager),
        streamId,
        expectedVersion,
        events,
        metadata,
      );
      const readModel = new PgCorrectionsReadModel(manager);
      for (const event of result.events) await projectCorrectionEvent(readModel, event);
      return result;
    });
  }

  readStream(streamId: string, fromVersion?: number): Promise<RecordedEvent[]> {
    return this.store.readStream(streamId, fromVersion);
  }

  readAll(fromPosition: bigint, limit: number): Promise<PositionedEvent[]> {
    return this.store.readAll(fromPosition, limit);
  }

  headPosition(): Promise<bigint> {
    return this.store.headPosition();
  }
}
