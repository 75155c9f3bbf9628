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

import { projectLetterEvent } from './projection';

/** What a transaction of the letterbox works with: the event store and the own tables. */
export interface LetterTransaction {
  /** Appends in the transaction, with the read model's rows for the appended events. */
  readonly store: EventStore;
  /** The transaction's entity manager (the content store's writes and reads). */
  readonly manager: EntityManager;
}

/**
 * The event store as the letterbox's use cases see it on PostgreSQL: each append, the read
 * model's rows for the appended events and the content store's writes commit in one TypeORM
 * transaction on one connection. A delivery's bytes are never stored without its events, nor
 * its events without its bytes; a request's answer is never ahead of what the next read shows.
 */
export class PgLetterStore implements EventStore {
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
    return this.transaction(({ store }) =>
      store.append(streamId, expectedVersion, events, metadata),
    );
  }

  /**
   * Runs `work` in one transaction; a version conflict or any error aborts all of it, the
   * content store's writes included.
   */
  transaction<T>(work: (transaction: LetterTransaction) => Promise<T>): Promise<T> {
    return this.dataSource.transaction((manager) => work({ store: this.on(manager), manager }));
  }

  /** The own tables outside a transaction (reads). */
  get manager(): EntityManager {
    return this.dataSource.manager;
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
        for (const event of result.events) await projectLetterEvent(manager, event);
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
