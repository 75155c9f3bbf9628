// Validation and preparation of an append, shared by every EventStore implementation so that
// they accept and refuse exactly the same input and hash it the same way.
import { computeContentHash } from './content-hash';
import { isCanonicalUuid, newEventId } from './event-id';
import { InvalidArgumentError } from './event-store-errors';
import type { Actor, AppendMetadata, ExpectedVersion, NewEvent } from './event-store';

/** An event ready to store: id assigned, version and hashes computed. */
export interface PreparedEvent {
  readonly eventId: string;
  readonly eventType: string;
  readonly payloadSchemaVersion: number;
  readonly payload: Uint8Array;
  readonly occurredAt: Date;
  readonly dataSubjectKeyId: string | null;
  readonly streamVersion: number;
  readonly contentHash: Uint8Array;
  /**
   * Hash of the previous event. `null` for the first prepared event when it follows an event
   * already stored: the store fills it in from that event (see {@link prepareEvents}).
   */
  readonly previousHash: Uint8Array | null;
}

/** Metadata with absent values as `null`, as stored. */
export interface NormalizedMetadata {
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly traceparent: string | null;
  readonly tracestate: string | null;
  readonly actor: Actor | null;
}

/**
 * Most events one append may carry. A decision producing more is a modelling smell, and the
 * bound keeps one append inside one statement's parameter limit and one relay batch.
 */
export const MAX_EVENTS_PER_APPEND = 1_000;

/** Largest payload schema version: PostgreSQL `integer`, well inside the envelope's uint32. */
const MAX_SCHEMA_VERSION = 2_147_483_647;
/** Stream ids are Kafka keys and index entries: keep them short. */
const MAX_STREAM_ID_BYTES = 512;
const MAX_EVENT_TYPE_BYTES = 512;
/** A fully-qualified protobuf message name: dot-separated identifiers, at least one dot. */
const PROTO_FULL_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$/;
/** W3C Trace Context `traceparent`: version-traceId-parentId-flags, lowercase hex. */
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** Throws {@link InvalidArgumentError} unless `streamId` is a usable stream id. */
export function checkStreamId(streamId: string): void {
  if (typeof streamId !== 'string' || streamId.length === 0) {
    throw new InvalidArgumentError('streamId', 'must be a non-empty string');
  }
  if (Buffer.byteLength(streamId, 'utf8') > MAX_STREAM_ID_BYTES) {
    throw new InvalidArgumentError('streamId', `longer than ${MAX_STREAM_ID_BYTES} UTF-8 bytes`);
  }
}

/** Throws {@link InvalidArgumentError} unless `version` is a stream version (from 1 on). */
export function checkFromVersion(version: number): void {
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new InvalidArgumentError('fromVersion', `must be an integer >= 1, got ${version}`);
  }
}

/** Throws {@link InvalidArgumentError} unless `fromPosition` and `limit` can page the log. */
export function checkReadAll(fromPosition: bigint, limit: number): void {
  if (typeof fromPosition !== 'bigint' || fromPosition < 0n) {
    throw new InvalidArgumentError('fromPosition', 'must be a bigint >= 0');
  }
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new InvalidArgumentError('limit', `must be an integer >= 1, got ${limit}`);
  }
}

/**
 * Checks an append's input; throws {@link InvalidArgumentError} naming the first argument at
 * fault.
 *
 * @returns The metadata, normalized.
 */
export function checkAppend(
  streamId: string,
  expectedVersion: ExpectedVersion,
  events: readonly NewEvent[],
  metadata: AppendMetadata,
): NormalizedMetadata {
  checkStreamId(streamId);
  if (
    expectedVersion !== 'any' &&
    (!Number.isSafeInteger(expectedVersion) || expectedVersion < 0)
  ) {
    throw new InvalidArgumentError(
      'expectedVersion',
      `must be 'any' or an integer >= 0, got ${String(expectedVersion)}`,
    );
  }
  if (events.length === 0 || events.length > MAX_EVENTS_PER_APPEND) {
    throw new InvalidArgumentError(
      'events',
      `must hold 1 to ${MAX_EVENTS_PER_APPEND} events, got ${events.length}`,
    );
  }
  const ids = new Set<string>();
  events.forEach((event, i) => {
    checkEvent(event, `events[${i}]`);
    if (event.eventId !== undefined) {
      if (ids.has(event.eventId)) {
        throw new InvalidArgumentError(`events[${i}].eventId`, 'repeated within the append');
      }
      ids.add(event.eventId);
    }
  });
  return normalizeMetadata(metadata);
}

function checkEvent(event: NewEvent, at: string): void {
  if (event.eventId !== undefined && !isCanonicalUuid(event.eventId)) {
    throw new InvalidArgumentError(`${at}.eventId`, 'must be a UUID in canonical lowercase form');
  }
  if (
    typeof event.eventType !== 'string' ||
    !PROTO_FULL_NAME.test(event.eventType) ||
    Buffer.byteLength(event.eventType, 'utf8') > MAX_EVENT_TYPE_BYTES
  ) {
    throw new InvalidArgumentError(
      `${at}.eventType`,
      `must be a fully-qualified message name such as gov.registry.v1.PersonRegistered, got ${JSON.stringify(event.eventType)}`,
    );
  }
  if (
    !Number.isSafeInteger(event.payloadSchemaVersion) ||
    event.payloadSchemaVersion < 1 ||
    event.payloadSchemaVersion > MAX_SCHEMA_VERSION
  ) {
    throw new InvalidArgumentError(
      `${at}.payloadSchemaVersion`,
      `must be an integer from 1 to ${MAX_SCHEMA_VERSION}`,
    );
  }
  if (!(event.payload instanceof Uint8Array)) {
    throw new InvalidArgumentError(`${at}.payload`, 'must be a Uint8Array');
  }
  if (!(event.occurredAt instanceof Date) || Number.isNaN(event.occurredAt.getTime())) {
    throw new InvalidArgumentError(`${at}.occurredAt`, 'must be a valid Date');
  }
  if (event.dataSubjectKeyId !== undefined && event.dataSubjectKeyId.length === 0) {
    throw new InvalidArgumentError(`${at}.dataSubjectKeyId`, 'must be omitted or non-empty');
  }
}

function normalizeMetadata(metadata: AppendMetadata): NormalizedMetadata {
  if (typeof metadata.correlationId !== 'string' || metadata.correlationId.length === 0) {
    throw new InvalidArgumentError('metadata.correlationId', 'must be a non-empty string');
  }
  if (metadata.traceparent && !TRACEPARENT.test(metadata.traceparent)) {
    throw new InvalidArgumentError(
      'metadata.traceparent',
      'must be a W3C traceparent (00-<32 hex>-<16 hex>-<2 hex>)',
    );
  }
  const actor = metadata.actor;
  if (actor && (actor.kind.length === 0 || actor.id.length === 0)) {
    throw new InvalidArgumentError('metadata.actor', 'must have a non-empty kind and id');
  }
  // The envelope carries absent optional fields as empty strings: treat both the same here.
  return {
    actor: actor
      ? { kind: actor.kind, id: actor.id, organisationId: actor.organisationId || undefined }
      : null,
    correlationId: metadata.correlationId,
    causationId: metadata.causationId || null,
    traceparent: metadata.traceparent || null,
    tracestate: metadata.tracestate || null,
  };
}

/**
 * Assigns ids (where missing) and stream versions from `firstVersion` on, and computes the
 * content hashes and the chain between the new events. The first event's `previousHash` is
 * `previousHash` (the stored predecessor's hash, `null` when unknown to the caller or when
 * `firstVersion` is 1).
 */
export function prepareEvents(
  streamId: string,
  firstVersion: number,
  previousHash: Uint8Array | null,
  events: readonly NewEvent[],
  now: number = Date.now(),
): PreparedEvent[] {
  let previous = firstVersion === 1 ? null : previousHash;
  return events.map((event, i) => {
    const streamVersion = firstVersion + i;
    const contentHash = computeContentHash(streamId, streamVersion, event.eventType, event.payload);
    const prepared: PreparedEvent = {
      eventId: event.eventId ?? newEventId(now),
      eventType: event.eventType,
      payloadSchemaVersion: event.payloadSchemaVersion,
      payload: event.payload,
      occurredAt: event.occurredAt,
      dataSubjectKeyId: event.dataSubjectKeyId ?? null,
      streamVersion,
      contentHash,
      previousHash: previous,
    };
    previous = contentHash;
    return prepared;
  });
}
