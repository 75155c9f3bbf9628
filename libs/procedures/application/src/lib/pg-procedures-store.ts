import type { DataSource, EntityManager } from 'typeorm';

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

import { projectProceduresEvent } from './projection';

/**
 * The event store as the procedures use cases see it on PostgreSQL: each append and the read
 * models' rows for the appended events commit in one TypeORM transaction on one connection, so
 * a request's answer is never ahead of what the next read shows (read-your-writes), and a failed
 * read-model write undoes the append. The projection makes the same idempotent writes from the
 * log on every site.
 */
export class PgProceduresStore implements EventStore {
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
    return this.transaction((store) => store.append(streamId, expectedVersion, events, metadata));
  }

  /**
   * Runs `work` in one transaction: every append it makes through the given store commits
   * together or not at all. A version conflict aborts the whole transaction: retry all of `work`.
   */
  transaction<T>(work: (store: EventStore) => Promise<T>): Promise<T> {
    return this.dataSource.transaction((manager) => work(this.on(manager)));
  }

  private on(manager: EntityManager): EventStore {
    return {
      append: async (streamId, expectedVersion, events, metadata) => {
        const result = await this.store.appendInTransaction(
          pgClientOf(manager),
          streamId,
          expectedVersion,
          events,
          metadata,
        );
        for (const event of result.events) await projectProceduresEvent(manager, event);
        return result;
      },
      readStream: (streamId, fromVersion) => this.store.readStream(streamId, fromVersion),
      readAll: (fromPosition, limit) => this.store.readAll(fromPosition, limit),
      headPosition: () => this.store.headPosition(),
    };
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
