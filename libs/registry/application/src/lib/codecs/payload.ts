import type { DescMessage, MessageShape } from '@bufbuild/protobuf';

import { protoMessage, protoPayload } from '@gov/platform-event-sourcing';
import type { EventCodec, NewEvent, RecordedEvent } from '@gov/platform-event-sourcing';

import { MalformedPayloadError } from './proto-values';

/**
 * The revision of every gov.registry.v1 payload this code writes. A compatible change to a
 * message (a new field) raises it for that message's events (see proto/README.md); readers decode
 * every revision of v1 with the same message, which is what compatible means.
 */
export const PAYLOAD_SCHEMA_VERSION = 1;

/**
 * How one aggregate's events are stored: the event type is the payload message's full name
 * (`gov.registry.v1.PersonRegistered`), the payload its binary encoding. `occurredAt` is the time
 * of the decision, which the domain events do not carry (the command does).
 */
export interface PayloadCodec<Event> {
  /** The event types this codec reads and writes. */
  readonly eventTypes: readonly string[];
  encode(event: Event, occurredAt: Date): NewEvent;
  /** @throws {@link MalformedPayloadError} for a type it does not know or bytes that do not decode. */
  decode(event: Pick<RecordedEvent, 'eventType' | 'payload'>): Event;
}

/** The platform's {@link EventCodec} for one decision, all of whose events occurred at `occurredAt`. */
export function codecAt<Event>(codec: PayloadCodec<Event>, occurredAt: Date): EventCodec<Event> {
  return {
    encode: (event) => codec.encode(event, occurredAt),
    decode: (event) => codec.decode(event),
  };
}

/** The stored form of `message`. */
export function payloadOf<Desc extends DescMessage>(
  schema: Desc,
  message: MessageShape<Desc>,
  occurredAt: Date,
): NewEvent {
  return protoPayload(schema, message, occurredAt, PAYLOAD_SCHEMA_VERSION);
}

/** The message in a stored payload. */
export function messageOf<Desc extends DescMessage>(
  schema: Desc,
  event: Pick<RecordedEvent, 'eventType' | 'payload'>,
): MessageShape<Desc> {
  return protoMessage(
    schema,
    event,
    (detail, cause) => new MalformedPayloadError(event.eventType, detail, { cause }),
  );
}

/** The error for an event type a codec does not read. */
export function unknownEventType(eventType: string, aggregate: string): MalformedPayloadError {
  return new MalformedPayloadError(eventType, `not an event of the ${aggregate} streams`);
}
