import type { DataSource, EntityManager } from 'typeorm';

import {
  CompanionConflictError,
  ConcurrencyError,
  currentDeferral,
} from '@gov/platform-event-sourcing';
import type {
  AppendDeferral,
  AppendMetadata,
  AppendResult,
  EventStore,
  ExpectedVersion,
  NewEvent,
  PositionedEvent,
  PostgresEventStore,
  RecordedEvent,
} from '@gov/platform-event-sourcing';

import { pgClientOf } from './own-data-source';

/** What a {@link ProjectingPgStore.transaction} gives its work. */
export interface ProjectingTransaction {
  /** Appends in the transaction, with the read models' rows for the appended events. */
  readonly store: EventStore;
  /** The transaction's entity manager, for the service's other writes and reads in it. */
  readonly manager: EntityManager;
}

/** Writes the read models' rows of one event, idempotently, with the given entity manager. */
export type ProjectEvent = (manager: EntityManager, event: RecordedEvent) => Promise<void>;

/**
 * The event store as a service's use cases see it on PostgreSQL: each append and its read
 * models' rows (`project`) commit in one TypeORM transaction on one connection, so a request's
 * answer is never ahead of what the next read shows (read-your-writes), and a failed read-model
 * write undoes the append. The service's projection makes the same idempotent writes from the
 * log on every site, so the read models stay a function of the log.
 */
export class ProjectingPgStore implements EventStore {
  constructor(
    private readonly store: PostgresEventStore,
    private readonly dataSource: DataSource,
    private readonly project: ProjectEvent,
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
   * Runs `work` in one transaction: every append it makes through the given store, and its
   * writes through the given manager, commit together or not at all. A version conflict (or any
   * error) aborts the whole transaction: retry all of `work`.
   *
   * In a request whose writes wait for its answer (an open `AppendDeferral`, see the
   * idempotency interceptor's `answerWithAppend`), the request's first transaction is held open
   * after `work` and committed with the answer: the key, the answer, the events and the read
   * models' rows in one transaction. A later transaction of the request commits it first, and
   * so does a read through the event store; a read of the own tables through the data source's
   * manager does not (it would not see the held rows): such a route must not declare
   * `answerWithAppend`.
   */
  async transaction<T>(work: (transaction: ProjectingTransaction) => Promise<T>): Promise<T> {
    const deferral = currentDeferral();
    if (deferral?.accepts()) return this.heldTransaction(deferral, work);
    await deferral?.flush();
    return this.dataSource.transaction((manager) => work({ store: this.on(manager), manager }));
  }

  private async heldTransaction<T>(
    deferral: AppendDeferral,
    work: (transaction: ProjectingTransaction) => Promise<T>,
  ): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    const end = async (outcome: 'commit' | 'rollback'): Promise<void> => {
      try {
        if (outcome === 'commit') await runner.commitTransaction();
        else await runner.rollbackTransaction();
      } finally {
        await runner.release();
      }
    };
    let result: T;
    try {
      await runner.startTransaction();
      result = await work({ store: this.on(runner.manager), manager: runner.manager });
    } catch (error) {
      await end('rollback').catch(() => undefined);
      throw error;
    }
    deferral.hold({
      run: async ({ companion, guard }) => {
        try {
          if (guard) {
            const rows: unknown = await runner.query(guard.sql, [...guard.values]);
            if (!Array.isArray(rows) || rows.length === 0) {
              throw new ConcurrencyError(guard.name, 0, 0);
            }
          }
          if (companion) await runner.query(companion.standaloneSql, [...companion.values]);
        } catch (error) {
          await end('rollback').catch(() => undefined);
          throw (error as { code?: unknown }).code === '23505'
            ? new CompanionConflictError(companion?.name ?? 'companion', { cause: error })
            : error;
        }
        await end('commit');
      },
      abandon: () => {
        void end('rollback').catch(() => undefined);
      },
    });
    return result;
  }

  /** The service's own tables outside a transaction (reads). */
  get manager(): EntityManager {
    return this.dataSource.manager;
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
        for (const event of result.events) await this.project(manager, event);
        return result;
      },
      readStream: (streamId, fromVersion) => this.store.readStream(streamId, fromVersion),
      readAll: (fromPosition, limit) => this.store.readAll(fromPosition, limit),
      headPosition: () => this.store.headPosition(),
    };
  }
}
