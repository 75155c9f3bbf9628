import type { RecordedEvent } from '@gov/platform-event-sourcing';

import { recordedActor } from './context';
import type { Actor } from './context';

/** One change of a record, as its history lists it. */
export interface HistoryEntry {
  /** The record's version after this change (1 for the registration). */
  readonly version: number;
  /** The event's type, e.g. `gov.registry.v1.PersonAddressChanged`. */
  readonly eventType: string;
  /** When the registry recorded the change. */
  readonly recordedAt: Date;
  /** When the decision was made, as the command stated it. */
  readonly occurredAt: Date;
  /** Who made it; `null` where the store did not record it. */
  readonly actor: Actor | null;
  /** The request that caused the change. */
  readonly correlationId: string;
  /** The event that caused it, e.g. the accepted correction; `null` for a direct command. */
  readonly causationId: string | null;
  /** The record's fields this change set. */
  readonly changedFields: readonly string[];
  /** Their new values, by field. */
  readonly changes: Readonly<Record<string, unknown>>;
  /** For a correction: the correction request that was accepted. */
  readonly correctionId: string | null;
}

/** A record's history: every change, oldest first. */
export interface RecordHistory {
  readonly recordId: string;
  /** The record's current version. */
  readonly version: number;
  readonly entries: readonly HistoryEntry[];
}

/** What one event changed in its record. */
export interface Change {
  readonly changes: Readonly<Record<string, unknown>>;
  readonly correctionId?: string;
}

/** The history entry of a recorded event, given what it changed. */
export function historyEntry(recorded: RecordedEvent, change: Change): HistoryEntry {
  return {
    version: recorded.streamVersion,
    eventType: recorded.eventType,
    recordedAt: recorded.recordedAt,
    occurredAt: recorded.occurredAt,
    actor: recordedActor(recorded),
    correlationId: recorded.correlationId,
    causationId: recorded.causationId,
    changedFields: Object.keys(change.changes),
    changes: change.changes,
    correctionId: change.correctionId ?? null,
  };
}

/** The history entries of a stream's recorded events and their decoded domain events. */
export function historyEntries<Event>(
  recorded: readonly RecordedEvent[],
  events: readonly Event[],
  change: (event: Event) => Change,
): HistoryEntry[] {
  return recorded.map((event, i) => {
    const decoded = events[i];
    if (decoded === undefined) throw new Error(`event ${event.eventId} was not decoded`);
    return historyEntry(event, change(decoded));
  });
}

/**
 * The events of a stream as they stood at `asOf`: those recorded at or before it. A stream's
 * events are recorded in version order, so this is a prefix of the stream.
 */
export function recordedBy(
  events: readonly RecordedEvent[],
  asOf: Date | undefined,
): readonly RecordedEvent[] {
  if (asOf === undefined) return events;
  const end = events.findIndex((event) => event.recordedAt.getTime() > asOf.getTime());
  return end === -1 ? events : events.slice(0, end);
}
