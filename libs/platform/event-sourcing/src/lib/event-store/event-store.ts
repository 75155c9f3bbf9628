/**
 * The version a stream must be at for an append to proceed: a number (0 = the stream must not
 * exist yet, n = its last event has version n), or `'any'` to append after whatever is there.
 */
export type ExpectedVersion = number | 'any';

/** An event to append. Its payload is opaque to the store: bytes in, the same bytes out. */
export interface NewEvent {
  /**
   * Unique id, a UUID in canonical lowercase form. Generated (UUIDv7) when omitted. Give one to
   * make a retried append recognisable: the store refuses a second event with the same id.
   */
  readonly eventId?: string;
  /** Fully-qualified payload message name, e.g. `gov.registry.v1.PersonRegistered`. */
  readonly eventType: string;
  /** Revision of the payload schema within its package, at least 1. */
  readonly payloadSchemaVersion: number;
  /** The serialized payload; hashed and stored byte for byte. */
  readonly payload: Uint8Array;
  /** When the fact happened in the domain, as the command states it. */
  readonly occurredAt: Date;
  /** Id of the data subject's key that encrypts personal fields of the payload, if any. */
  readonly dataSubjectKeyId?: string;
}

/** What every event of one append shares: where it comes from and the trace it belongs to. */
/** The party on whose authority events were written (the envelope's `Actor`). */
export interface Actor {
  /** `registrar`, `citizen`, `agency` or `service`. */
  readonly kind: string;
  /** Token subject, or the service name for `service`. */
  readonly id: string;
  /** Organisation acted for, if any. */
  readonly organisationId?: string | undefined;
}

export interface AppendMetadata {
  /** Id of the originating request, copied from cause to effect. Required, never empty. */
  readonly correlationId: string;
  /** Id of the command, request or event that directly caused these events. */
  readonly causationId?: string;
  /** W3C `traceparent` of the span that appends. */
  readonly traceparent?: string;
  /** W3C `tracestate` accompanying `traceparent`. */
  readonly tracestate?: string;
  /** Who caused the events; recorded with each of them (history: "changed by whom"). */
  readonly actor?: Actor;
}

/**
 * An event as stored: every field of the `gov.platform.v1.EventEnvelope`. Optional envelope
 * fields are `null` here when absent (empty strings on the wire).
 */
export interface RecordedEvent {
  readonly eventId: string;
  readonly eventType: string;
  readonly payloadSchemaVersion: number;
  readonly streamId: string;
  /** 1 for the first event of the stream, then gapless. */
  readonly streamVersion: number;
  /**
   * Position in the store's log across all streams: dense (1, 2, 3, ...) and assigned shortly
   * after the append commits. `null` on an event read from its stream before it was positioned.
   */
  readonly globalPosition: bigint | null;
  /** The service that wrote the event (given when the store was constructed). */
  readonly producer: string;
  readonly occurredAt: Date;
  /** When the store recorded the event (the appending transaction's time). */
  readonly recordedAt: Date;
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly traceparent: string | null;
  readonly tracestate: string | null;
  /**
   * SHA-256 over stream id, stream version, event type and the payload as stored (see
   * {@link computeContentHash}). After upcasting it still covers the stored payload, not the
   * upcast one.
   */
  readonly contentHash: Uint8Array;
  /** `contentHash` of the event at `streamVersion - 1`; `null` for version 1. */
  readonly previousHash: Uint8Array | null;
  readonly dataSubjectKeyId: string | null;
  /** The payload, upcast to the current schema if an upcaster applied. */
  readonly payload: Uint8Array;
  /** Who caused the event; `null` when the writer did not say. */
  readonly actor: Actor | null;
}

/** A recorded event that has its place in the global log. */
export interface PositionedEvent extends RecordedEvent {
  readonly globalPosition: bigint;
}

/** The outcome of a successful append. */
export interface AppendResult {
  /** The appended events, in order, with their stream versions (not positioned yet). */
  readonly events: readonly RecordedEvent[];
  /** The stream's version after the append: the expected version of the next append. */
  readonly streamVersion: number;
}

/**
 * The event store port: append-only streams with optimistic concurrency, and one global log.
 *
 * Guarantees every implementation gives (checked by the shared contract suite):
 * - An append is atomic: all of its events are stored, or none.
 * - Stream versions are gapless from 1; an append states the version it expects and fails with
 *   a {@link ConcurrencyError} when the stream is elsewhere, without storing anything.
 * - Each event carries a content hash and the hash of its predecessor in the stream.
 * - The global log is dense (positions 1, 2, 3, ...), keeps each stream in version order, and
 *   only grows at its end: a reader that read up to position P never finds a new event at or
 *   below P later.
 * - Payloads are opaque: stored and returned byte for byte (up to upcasting on read).
 *
 * Errors are the closed set {@link EventStoreFailure}.
 */
export interface EventStore {
  /**
   * Appends `events` to stream `streamId` if the stream is at `expectedVersion`.
   *
   * @throws {@link ConcurrencyError} when the stream is not at `expectedVersion`;
   *   {@link DuplicateEventError} when an event id is already stored;
   *   {@link InvalidArgumentError} for empty or malformed input.
   */
  append(
    streamId: string,
    expectedVersion: ExpectedVersion,
    events: readonly NewEvent[],
    metadata: AppendMetadata,
  ): Promise<AppendResult>;

  /**
   * The events of `streamId` from version `fromVersion` (default 1) on, in version order,
   * upcast; empty for a stream that does not exist.
   */
  readStream(streamId: string, fromVersion?: number): Promise<RecordedEvent[]>;

  /**
   * Up to `limit` events of the global log from position `fromPosition` (inclusive) on, in log
   * order, upcast. Continue with the last position read plus one.
   */
  readAll(fromPosition: bigint, limit: number): Promise<PositionedEvent[]>;

  /** The highest position assigned so far; 0 for an empty log. */
  headPosition(): Promise<bigint>;
}
