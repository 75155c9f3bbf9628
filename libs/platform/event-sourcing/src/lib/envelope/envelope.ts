import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';

import { EventEnvelopeSchema } from '@gov/contracts';
import type { EventEnvelope } from '@gov/contracts';

import { isCanonicalUuid } from '../event-store/event-id';
import type { PositionedEvent } from '../event-store/event-store';

/** Kafka header carrying the event id (UTF-8), for deduplication without decoding. */
export const EVENT_ID_HEADER = 'event-id';
/** Kafka header carrying the event type, for routing and skipping without decoding. */
export const EVENT_TYPE_HEADER = 'event-type';
/** Kafka header naming the value's format. */
export const CONTENT_TYPE_HEADER = 'content-type';
/** W3C trace context headers (https://www.w3.org/TR/trace-context/), as HTTP carries them. */
export const TRACEPARENT_HEADER = 'traceparent';
export const TRACESTATE_HEADER = 'tracestate';
/** The `content-type` of a record whose value is a serialized `gov.platform.v1.EventEnvelope`. */
export const EVENT_ENVELOPE_CONTENT_TYPE =
  'application/x-protobuf; proto=gov.platform.v1.EventEnvelope';

/** A Kafka record as the outbox relay publishes it (structurally an `OutboundMessage`). */
export interface EnvelopeRecord {
  readonly key: string;
  readonly value: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
}

/** A record whose envelope is missing a required field or cannot be decoded: dead-letter it. */
export class MalformedEnvelopeError extends Error {
  readonly kind = 'malformed-envelope';
  override readonly name = 'MalformedEnvelopeError';

  constructor(
    readonly field: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`malformed event envelope, ${field}: ${message}`, options);
  }
}

/** The `gov.platform.v1.EventEnvelope` of a positioned event; absent optional fields empty. */
export function toEventEnvelope(event: PositionedEvent): EventEnvelope {
  return create(EventEnvelopeSchema, {
    eventId: event.eventId,
    eventType: event.eventType,
    payloadSchemaVersion: event.payloadSchemaVersion,
    streamId: event.streamId,
    streamVersion: BigInt(event.streamVersion),
    globalPosition: event.globalPosition,
    producer: event.producer,
    occurredAt: timestampFromDate(event.occurredAt),
    recordedAt: timestampFromDate(event.recordedAt),
    correlationId: event.correlationId,
    causationId: event.causationId ?? '',
    traceparent: event.traceparent ?? '',
    tracestate: event.tracestate ?? '',
    contentHash: event.contentHash,
    previousHash: event.previousHash ?? new Uint8Array(0),
    dataSubjectKeyId: event.dataSubjectKeyId ?? '',
    payload: event.payload,
    ...(event.actor
      ? {
          actor: {
            kind: event.actor.kind,
            id: event.actor.id,
            organisationId: event.actor.organisationId ?? '',
          },
        }
      : {}),
  });
}

/**
 * The Kafka record for `event`: key = stream id (one partition per stream, in order), headers
 * `event-id`, `event-type` and `content-type`, and the event's W3C `traceparent` and
 * `tracestate` when it has them (the same as in the envelope, readable without decoding it),
 * value = the serialized envelope.
 */
export function toEnvelopeRecord(event: PositionedEvent): EnvelopeRecord {
  return {
    key: event.streamId,
    value: toBinary(EventEnvelopeSchema, toEventEnvelope(event)),
    headers: {
      [EVENT_ID_HEADER]: event.eventId,
      [EVENT_TYPE_HEADER]: event.eventType,
      [CONTENT_TYPE_HEADER]: EVENT_ENVELOPE_CONTENT_TYPE,
      ...(event.traceparent ? { [TRACEPARENT_HEADER]: event.traceparent } : {}),
      ...(event.traceparent && event.tracestate ? { [TRACESTATE_HEADER]: event.tracestate } : {}),
    },
  };
}

/** Reads the wire format of an `EventEnvelope`; throws for bytes that are not one. */
export type EnvelopeReader = (bytes: Uint8Array) => EventEnvelope;

const readWithRuntime: EnvelopeReader = (bytes) => fromBinary(EventEnvelopeSchema, bytes);

/**
 * Decodes and checks a serialized envelope: every field the envelope declares required must be
 * set. Does not verify the content hash (see {@link computeContentHash}). `read` reads the wire
 * format (the protobuf runtime by default).
 *
 * @throws {@link MalformedEnvelopeError} for undecodable bytes or a missing required field.
 */
export function decodeEventEnvelope(
  bytes: Uint8Array,
  read: EnvelopeReader = readWithRuntime,
): PositionedEvent {
  let envelope: EventEnvelope;
  try {
    envelope = read(bytes);
  } catch (error) {
    throw new MalformedEnvelopeError('(bytes)', 'not a gov.platform.v1.EventEnvelope', {
      cause: error,
    });
  }
  return fromEventEnvelope(envelope);
}

/**
 * The event an envelope carries, with empty optional fields as `null`.
 *
 * @throws {@link MalformedEnvelopeError} for a missing required field.
 */
export function fromEventEnvelope(envelope: EventEnvelope): PositionedEvent {
  const required = (field: string, ok: boolean): void => {
    if (!ok) {
      throw new MalformedEnvelopeError(field, 'required, but missing or zero');
    }
  };
  required('event_id', isCanonicalUuid(envelope.eventId));
  required('event_type', envelope.eventType.length > 0);
  required('payload_schema_version', envelope.payloadSchemaVersion > 0);
  required('stream_id', envelope.streamId.length > 0);
  required('stream_version', envelope.streamVersion > 0n);
  required('global_position', envelope.globalPosition > 0n);
  required('producer', envelope.producer.length > 0);
  required('occurred_at', envelope.occurredAt !== undefined);
  required('recorded_at', envelope.recordedAt !== undefined);
  required('correlation_id', envelope.correlationId.length > 0);
  required('content_hash', envelope.contentHash.length === 32);
  required(
    'previous_hash',
    envelope.streamVersion === 1n
      ? envelope.previousHash.length === 0
      : envelope.previousHash.length === 32,
  );
  const { occurredAt, recordedAt } = envelope;
  return {
    eventId: envelope.eventId,
    eventType: envelope.eventType,
    payloadSchemaVersion: envelope.payloadSchemaVersion,
    streamId: envelope.streamId,
    streamVersion: Number(envelope.streamVersion),
    globalPosition: envelope.globalPosition,
    producer: envelope.producer,
    occurredAt: occurredAt ? timestampDate(occurredAt) : new Date(0),
    recordedAt: recordedAt ? timestampDate(recordedAt) : new Date(0),
    correlationId: envelope.correlationId,
    causationId: envelope.causationId || null,
    traceparent: envelope.traceparent || null,
    tracestate: envelope.tracestate || null,
    contentHash: envelope.contentHash,
    previousHash: envelope.previousHash.length > 0 ? envelope.previousHash : null,
    dataSubjectKeyId: envelope.dataSubjectKeyId || null,
    payload: envelope.payload,
    actor:
      envelope.actor && envelope.actor.kind && envelope.actor.id
        ? {
            kind: envelope.actor.kind,
            id: envelope.actor.id,
            organisationId: envelope.actor.organisationId || undefined,
          }
        : null,
  };
}
