import type {
  AppendMetadata,
  AppendResult,
  EventStore,
  ExpectedVersion,
  NewEvent,
  PositionedEvent,
  RecordedEvent,
} from '@gov/platform-event-sourcing';

import type { CorrectionsReadModel } from '../ports';
import { projectCorrectionEvent } from './corrections.projector';

/**
 * The event store as the correction use cases need it: every append also brings the corrections
 * read model up to the appended events, so that a request reads its own writes. This is the
 * store-agnostic form, for a store and read model without a shared transaction (the in-memory
 * ones of the tests); on PostgreSQL `PgCorrectionsEventStore` does the same in the append's
 * transaction. The corrections projection makes the same idempotent writes from the log.
 */
export class ReadModelFollowingStore implements EventStore {
  constructor(
    private readonly store: EventStore,
    private readonly readModel: CorrectionsReadModel,
  ) {}

  async append(
    streamId: string,
    expectedVersion: ExpectedVersion,
    events: readonly NewEvent[],
    metadata: AppendMetadata,
  ): Promise<AppendResult> {
    const result = await this.store.append(streamId, expectedVersion, events, metadata);
    for (const event of result.events) await projectCorrectionEvent(this.readModel, event);
    return result;
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
