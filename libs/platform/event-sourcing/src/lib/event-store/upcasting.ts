import { UpcastError } from './event-store-errors';
import type { RecordedEvent } from './event-store';

/** What an upcaster reads and writes: an event's type, payload schema version and payload. */
export interface UpcastPayload {
  readonly eventType: string;
  readonly payloadSchemaVersion: number;
  readonly payload: Uint8Array;
}

/**
 * Maps stored payloads of one event type and schema version to a newer shape, on read.
 *
 * An upcaster turns `(eventType, fromVersion)` into the next step: usually the same type at a
 * higher version (a compatible change whose old events need a default made explicit), or a new
 * type in a new package (`gov.registry.v1.X` to `gov.registry.v2.X`, a breaking change). The
 * registry chains upcasters until none applies, so each upcaster only knows one step.
 *
 * Upcasters must be pure and deterministic: they run on every read, on every site, and the
 * embassy must derive the same state as the home site. The stored event is never changed.
 */
export interface Upcaster {
  /** The event type this upcaster reads. */
  readonly eventType: string;
  /** The payload schema version it reads. */
  readonly fromVersion: number;
  /** Returns the event one step newer. */
  upcast(event: UpcastPayload, stored: RecordedEvent): UpcastPayload;
}

const key = (eventType: string, version: number): string => `${eventType}@${version}`;

/**
 * Upcasters by (event type, payload schema version), applied to every event the store returns
 * from `readStream` and `readAll`. The outbox relay reads without upcasting: Kafka carries the
 * bytes as stored, which the content hash covers.
 */
export class UpcasterRegistry {
  private readonly byKey = new Map<string, Upcaster>();

  /**
   * @param upcasters - At most one per (event type, from version).
   * @throws Error if two upcasters read the same type and version.
   */
  constructor(upcasters: readonly Upcaster[] = []) {
    for (const upcaster of upcasters) {
      const k = key(upcaster.eventType, upcaster.fromVersion);
      if (this.byKey.has(k)) {
        throw new Error(`two upcasters for ${upcaster.eventType} version ${upcaster.fromVersion}`);
      }
      this.byKey.set(k, upcaster);
    }
  }

  /** Whether no upcaster is registered (reads then skip upcasting entirely). */
  get empty(): boolean {
    return this.byKey.size === 0;
  }

  /**
   * `event` with every applicable upcaster applied in turn; the same object when none applies.
   *
   * @throws {@link UpcastError} when an upcaster throws, or when the chain does not progress
   *   (same type without a higher version) or does not end.
   */
  apply<E extends RecordedEvent>(event: E): E {
    let current: UpcastPayload = event;
    let steps = 0;
    for (
      let upcaster = this.byKey.get(key(current.eventType, current.payloadSchemaVersion));
      upcaster !== undefined;
      upcaster = this.byKey.get(key(current.eventType, current.payloadSchemaVersion))
    ) {
      const before = current;
      try {
        current = upcaster.upcast(before, event);
      } catch (error) {
        throw new UpcastError(
          event.eventId,
          before.eventType,
          before.payloadSchemaVersion,
          error instanceof Error ? error.message : String(error),
          { cause: error },
        );
      }
      steps += 1;
      // A chain that does not move forward, or runs longer than there are upcasters, loops.
      if (
        (current.eventType === before.eventType &&
          current.payloadSchemaVersion <= before.payloadSchemaVersion) ||
        steps > this.byKey.size
      ) {
        throw new UpcastError(
          event.eventId,
          event.eventType,
          event.payloadSchemaVersion,
          `upcaster chain does not progress at ${before.eventType} v${before.payloadSchemaVersion}`,
        );
      }
    }
    if (current === event) {
      return event;
    }
    return {
      ...event,
      eventType: current.eventType,
      payloadSchemaVersion: current.payloadSchemaVersion,
      payload: current.payload,
    };
  }
}
