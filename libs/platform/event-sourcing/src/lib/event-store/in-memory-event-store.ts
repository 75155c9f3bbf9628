import { checkAppend, checkFromVersion, checkReadAll, checkStreamId } from './append-preparation';
import { prepareEvents } from './append-preparation';
import { ConcurrencyError, DuplicateEventError } from './event-store-errors';
import type {
  AppendMetadata,
  AppendResult,
  EventStore,
  ExpectedVersion,
  NewEvent,
  PositionedEvent,
  RecordedEvent,
} from './event-store';
import { UpcasterRegistry } from './upcasting';
import type { Upcaster } from './upcasting';

/** Configuration of an {@link InMemoryEventStore}. */
export interface InMemoryEventStoreOptions {
  /** The service name recorded as every event's producer. */
  readonly producer: string;
  /** Upcasters applied on read. */
  readonly upcasters?: readonly Upcaster[];
  /** The clock for `recordedAt`; `() => new Date()` by default. */
  readonly now?: () => Date;
}

/**
 * An {@link EventStore} in process memory, with the same behaviour as the PostgreSQL store
 * (the shared contract suite runs against both): for unit tests of application code, and as
 * the reference of the port's semantics. Appends are positioned in the global log at once, as
 * a single-threaded process has no concurrent commits to order.
 */
export class InMemoryEventStore implements EventStore {
  private readonly streams = new Map<string, PositionedEvent[]>();
  private readonly log: PositionedEvent[] = [];
  private readonly eventIds = new Set<string>();
  private readonly upcasters: UpcasterRegistry;
  private readonly producer: string;
  private readonly now: () => Date;

  constructor(options: InMemoryEventStoreOptions) {
    this.producer = options.producer;
    this.upcasters = new UpcasterRegistry(options.upcasters);
    this.now = options.now ?? (() => new Date());
  }

  append(
    streamId: string,
    expectedVersion: ExpectedVersion,
    events: readonly NewEvent[],
    metadata: AppendMetadata,
  ): Promise<AppendResult> {
    // Everything below is synchronous, so the append is atomic towards other callers.
    return Promise.resolve().then(() => {
      const meta = checkAppend(streamId, expectedVersion, events, metadata);
      const stream = this.streams.get(streamId) ?? [];
      if (expectedVersion !== 'any' && expectedVersion !== stream.length) {
        throw new ConcurrencyError(streamId, expectedVersion, stream.length);
      }
      const duplicate = events.find((e) => e.eventId !== undefined && this.eventIds.has(e.eventId));
      if (duplicate) {
        throw new DuplicateEventError(streamId, duplicate.eventId);
      }
      const recordedAt = this.now();
      const prepared = prepareEvents(
        streamId,
        stream.length + 1,
        stream.at(-1)?.contentHash ?? null,
        events.map((e) => ({ ...e, payload: Uint8Array.from(e.payload) })),
        recordedAt.getTime(),
      );
      const recorded = prepared.map((event, i): PositionedEvent => ({
        eventId: event.eventId,
        eventType: event.eventType,
        payloadSchemaVersion: event.payloadSchemaVersion,
        streamId,
        streamVersion: event.streamVersion,
        globalPosition: BigInt(this.log.length + i + 1),
        producer: this.producer,
        occurredAt: new Date(event.occurredAt.getTime()),
        recordedAt: new Date(recordedAt.getTime()),
        correlationId: meta.correlationId,
        causationId: meta.causationId,
        traceparent: meta.traceparent,
        tracestate: meta.tracestate,
        actor: meta.actor,
        contentHash: event.contentHash,
        previousHash: event.previousHash,
        dataSubjectKeyId: event.dataSubjectKeyId,
        payload: event.payload,
      }));
      this.streams.set(streamId, [...stream, ...recorded]);
      this.log.push(...recorded);
      for (const event of recorded) {
        this.eventIds.add(event.eventId);
      }
      return { events: recorded.map(copy), streamVersion: stream.length + recorded.length };
    });
  }

  readStream(streamId: string, fromVersion = 1): Promise<RecordedEvent[]> {
    return Promise.resolve().then(() => {
      checkStreamId(streamId);
      checkFromVersion(fromVersion);
      const stream = this.streams.get(streamId) ?? [];
      return stream.slice(fromVersion - 1).map((e) => this.upcasters.apply(copy(e)));
    });
  }

  readAll(fromPosition: bigint, limit: number): Promise<PositionedEvent[]> {
    return Promise.resolve().then(() => {
      checkReadAll(fromPosition, limit);
      const start = fromPosition <= 1n ? 0 : Number(fromPosition - 1n);
      return this.log.slice(start, start + limit).map((e) => this.upcasters.apply(copy(e)));
    });
  }

  headPosition(): Promise<bigint> {
    return Promise.resolve(BigInt(this.log.length));
  }
}

/** A copy the caller may mutate without changing the store. */
function copy<E extends RecordedEvent>(event: E): E {
  return {
    ...event,
    payload: Uint8Array.from(event.payload),
    contentHash: Uint8Array.from(event.contentHash),
    previousHash: event.previousHash && Uint8Array.from(event.previousHash),
    occurredAt: new Date(event.occurredAt.getTime()),
    recordedAt: new Date(event.recordedAt.getTime()),
  };
}
