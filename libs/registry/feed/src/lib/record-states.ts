import { Register } from '@gov/contracts';
import type { RecordChange } from '@gov/contracts';
import { KeyRing, SubjectErasedError } from '@gov/platform-data-protection';
import type { SubjectKeyStore, SubjectKeys } from '@gov/platform-data-protection';
import type { EventStore, PositionedEvent, RecordedEvent } from '@gov/platform-event-sourcing';
import {
  NO_PERSONAL_DATA,
  businessEventsCodec,
  personEventsCodec,
  vehicleEventsCodec,
} from '@gov/registry-application';
import { businessDecider, personDecider, vehicleDecider } from '@gov/registry-domain';
import type { BusinessState, PersonState, VehicleState } from '@gov/registry-domain';

import { businessRecordChange, personRecordChange, vehicleRecordChange } from './record-change';

/**
 * A change to publish, with the log event it comes from: a record's new state, or the erasure
 * of a person's record (published as a tombstone for its key).
 */
export type SourcedChange =
  | {
      /** The registry event (its id goes in the `event-id` header). */
      readonly source: PositionedEvent;
      readonly change: RecordChange;
    }
  | {
      readonly source: PositionedEvent;
      /** The id of the record whose data was erased. */
      readonly erased: string;
      /** The register of that record (agency feeds send the tombstone where they cover it). */
      readonly register: Register;
    };

/** What one record event gives the feed. */
type FeedEntry =
  | { readonly kind: 'change'; readonly change: RecordChange }
  | { readonly kind: 'erased'; readonly recordId: string; readonly register: Register }
  /** The event's personal data was erased since: nothing of it may be published. */
  | { readonly kind: 'withheld' }
  | undefined;

/** Why an event of a record stream yields no change (reported, then skipped). */
export interface SkippedEvent {
  readonly source: PositionedEvent;
  readonly reason: string;
}

/** The changes of one batch of the log, in log order, and the record events that gave none. */
export interface BatchChanges {
  readonly changes: readonly SourcedChange[];
  readonly skipped: readonly SkippedEvent[];
}

/**
 * One record's state folded up to `version`, with its type hidden in a closure so that persons
 * and businesses go through the same bookkeeping without casts.
 */
interface Fold {
  readonly version: number;
  /**
   * Folds the next event of the stream in, its personal data opened with `keys`; `entry` builds
   * what the feed gets of it, if asked for.
   */
  apply(
    event: RecordedEvent,
    keys: SubjectKeys,
  ): {
    readonly next: Fold;
    readonly entry: () => FeedEntry;
  };
}

function personFold(state: PersonState, version: number): Fold {
  return {
    version,
    apply(recorded, keys) {
      let event;
      try {
        event = personEventsCodec.decode(recorded, keys);
      } catch (error) {
        // Erased later in the log (a feed catching up, or rebuilt): nothing of the record may
        // go out; its PersonErased gives the tombstone.
        if (!(error instanceof SubjectErasedError)) throw error;
        return {
          next: personFold(state, recorded.streamVersion),
          entry: () => ({ kind: 'withheld' }),
        };
      }
      const after = personDecider.evolve(state, event);
      const at = { version: recorded.streamVersion, occurredAt: recorded.occurredAt };
      return {
        next: personFold(after, recorded.streamVersion),
        entry: () => {
          if (event.type === 'PersonErased') {
            return { kind: 'erased', recordId: event.data.nationalId, register: Register.PERSONS };
          }
          const change = personRecordChange(event, after, at);
          return change === undefined ? undefined : { kind: 'change', change };
        },
      };
    },
  };
}

function businessFold(state: BusinessState, version: number): Fold {
  return {
    version,
    apply(recorded) {
      const event = businessEventsCodec.decode(recorded, NO_PERSONAL_DATA);
      const after = businessDecider.evolve(state, event);
      const at = { version: recorded.streamVersion, occurredAt: recorded.occurredAt };
      return {
        next: businessFold(after, recorded.streamVersion),
        entry: () => {
          const change = businessRecordChange(event, after, at);
          return change === undefined ? undefined : { kind: 'change', change };
        },
      };
    },
  };
}

function vehicleFold(state: VehicleState, version: number): Fold {
  return {
    version,
    apply(recorded) {
      // Nothing sealed: a vehicle's owner is a number (vehicles.proto).
      const event = vehicleEventsCodec.decode(recorded, NO_PERSONAL_DATA);
      const after = vehicleDecider.evolve(state, event);
      const at = { version: recorded.streamVersion, occurredAt: recorded.occurredAt };
      return {
        next: vehicleFold(after, recorded.streamVersion),
        entry: () => {
          const change = vehicleRecordChange(event, after, at);
          return change === undefined ? undefined : { kind: 'change', change };
        },
      };
    },
  };
}

/** The keys that open the personal data of `events`, as this site has them. */
function keysOf(keyStore: SubjectKeyStore, events: readonly RecordedEvent[]): Promise<SubjectKeys> {
  return KeyRing.forReading(
    keyStore,
    events.flatMap((event) => (event.dataSubjectKeyId === null ? [] : [event.dataSubjectKeyId])),
  );
}

/**
 * The event types that change a record of a register, each with the empty state of its stream.
 *
 * Everything else in the log is left out of the feed, as changes.proto says: the correction
 * requests' events (CorrectionRequested/Accepted/Rejected, in `correction-…` streams) carry the
 * requester's words, who decided and why, which are private to the requester and the registrar
 * (a subscriber sees the accepted correction as the record's own `…RecordCorrected` change, kind
 * CORRECTED), and PersonalDataAccessed (in `access-…` streams) is a read, not a change of the
 * record: it belongs to the audit service. An event type this code does not know is not a
 * record change it could describe either.
 */
const RECORD_STREAM_STARTS: ReadonlyMap<string, () => Fold> = new Map([
  ...personEventsCodec.eventTypes.map(
    (type) => [type, () => personFold(personDecider.initialState, 0)] as const,
  ),
  ...businessEventsCodec.eventTypes.map(
    (type) => [type, () => businessFold(businessDecider.initialState, 0)] as const,
  ),
  ...vehicleEventsCodec.eventTypes.map(
    (type) => [type, () => vehicleFold(vehicleDecider.initialState, 0)] as const,
  ),
]);

/** The event types that change a record of a register, in no particular order. */
export const RECORD_EVENT_TYPES: readonly string[] = [...RECORD_STREAM_STARTS.keys()];

/** Whether events of `eventType` change a record (and so go to the feed). */
export function isRecordEventType(eventType: string): boolean {
  return RECORD_STREAM_STARTS.has(eventType);
}

/**
 * Folds record streams for the change feed: the complete record right after each record event
 * of a batch of the log.
 *
 * Within a batch each stream is read at most once and folded progressively: a stream's events
 * in a batch are consecutive versions (the log keeps every stream in version order and is
 * dense), so its state before the batch is all that has to be loaded. That state comes from a
 * small cache of the states reached by earlier batches (most streams then need no read at
 * all), or from version 1 for a new record, or from one `readStream` up to the batch.
 */
export class RecordStates {
  private readonly cache = new Map<string, Fold>();

  /**
   * @param store - Where record streams are read from (`readStream`, upcast).
   * @param keyStore - The registry's per-subject keys, to open persons' personal data.
   * @param cacheSize - How many records' latest states to keep between batches.
   */
  constructor(
    private readonly store: Pick<EventStore, 'readStream'>,
    private readonly keyStore: SubjectKeyStore,
    private readonly cacheSize = 10_000,
  ) {}

  /**
   * The changes of `events` (a slice of the log, in log order): one per record event, none for
   * any other event.
   *
   * @throws `MalformedPayloadError` (from the application's codecs) for a record event that
   *   does not decode, `KeyUnavailableError` for one whose key this site has not received yet;
   *   nothing of the batch should then be published.
   */
  async changesOf(events: readonly PositionedEvent[]): Promise<BatchChanges> {
    const folds = await this.foldsBefore(events);
    const keys = await keysOf(this.keyStore, events);
    const changes: SourcedChange[] = [];
    const skipped: SkippedEvent[] = [];
    for (const source of events) {
      const fold = folds.get(source.streamId);
      if (fold === undefined) continue;
      const { next, entry } = fold.apply(source, keys);
      folds.set(source.streamId, next);
      const published = entry();
      if (published === undefined) {
        skipped.push({
          source,
          reason: `stream ${source.streamId} has no record at version ${source.streamVersion} (it does not start with a registration)`,
        });
      } else if (published.kind === 'change') {
        changes.push({ source, change: published.change });
      } else if (published.kind === 'erased') {
        changes.push({ source, erased: published.recordId, register: published.register });
      }
    }
    for (const [streamId, fold] of folds) this.remember(streamId, fold);
    return { changes, skipped };
  }

  /**
   * The full feed's message of a record as it stood at `version` of its stream (the change of
   * that version, with the record after it): what an agency feed's re-cut re-sends. `undefined`
   * when the stream is no record stream, holds no record, or its data was erased since (its
   * `PersonErased` then gives the tombstone); `erased` when `version` is the erasure itself.
   * Reads the stream once, without the cache, and leaves the cache as it is.
   */
  async recordAt(
    streamId: string,
    version: number,
  ): Promise<
    | { readonly change: RecordChange }
    | { readonly erased: string; readonly register: Register }
    | undefined
  > {
    const events = (await this.store.readStream(streamId)).filter(
      (event) => event.streamVersion <= version,
    );
    const start =
      events[0] === undefined ? undefined : RECORD_STREAM_STARTS.get(events[0].eventType);
    if (start === undefined) return undefined;
    const keys = await keysOf(this.keyStore, events);
    let fold = start();
    let entry: FeedEntry;
    for (const event of events) {
      const applied = fold.apply(event, keys);
      fold = applied.next;
      if (event.streamVersion === version) entry = applied.entry();
    }
    if (entry?.kind === 'change') return { change: entry.change };
    if (entry?.kind === 'erased') return { erased: entry.recordId, register: entry.register };
    return undefined;
  }

  /** For every record stream in `events`, its state just before its first event there. */
  private async foldsBefore(events: readonly PositionedEvent[]): Promise<Map<string, Fold>> {
    const firsts = new Map<string, PositionedEvent>();
    for (const event of events) {
      if (!firsts.has(event.streamId) && isRecordEventType(event.eventType)) {
        firsts.set(event.streamId, event);
      }
    }
    const folds = new Map<string, Fold>();
    const loads: Promise<void>[] = [];
    for (const [streamId, first] of firsts) {
      const cached = this.cache.get(streamId);
      const start = RECORD_STREAM_STARTS.get(first.eventType);
      if (cached?.version === first.streamVersion - 1) {
        folds.set(streamId, cached);
      } else if (start && first.streamVersion === 1) {
        folds.set(streamId, start());
      } else if (start) {
        loads.push(
          this.load(streamId, cached, start, first.streamVersion).then((fold) => {
            folds.set(streamId, fold);
          }),
        );
      }
    }
    await Promise.all(loads);
    return folds;
  }

  /** The stream's state at `before - 1`, from the cached state if it is older, else from 1. */
  private async load(
    streamId: string,
    cached: Fold | undefined,
    start: () => Fold,
    before: number,
  ): Promise<Fold> {
    let fold = cached !== undefined && cached.version < before ? cached : start();
    const events = await this.store.readStream(streamId, fold.version + 1);
    const keys = await keysOf(this.keyStore, events);
    for (const event of events) {
      if (event.streamVersion >= before) break;
      fold = fold.apply(event, keys).next;
    }
    if (fold.version !== before - 1) {
      throw new Error(
        `stream ${streamId}: read up to version ${fold.version}, expected ${before - 1}`,
      );
    }
    return fold;
  }

  private remember(streamId: string, fold: Fold): void {
    // A Map iterates in insertion order: re-inserting makes it the most recently used.
    this.cache.delete(streamId);
    this.cache.set(streamId, fold);
    while (this.cache.size > this.cacheSize) {
      const oldest = this.cache.keys().next();
      if (oldest.done === true) break;
      this.cache.delete(oldest.value);
    }
  }
}
