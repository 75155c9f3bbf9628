import { fromBinary, toBinary } from '@bufbuild/protobuf';
import type { DescMessage, MessageShape } from '@bufbuild/protobuf';

import type { NewEvent, RecordedEvent } from '../event-store/event-store';

/**
 * The stored form of a protobuf payload, as every service of the platform writes its events:
 * the event type is the message's full name (`gov.consent.v1.ConsentGranted`), the payload its
 * binary encoding, `occurredAt` the time of the decision (which the domain events do not carry).
 *
 * @param payloadSchemaVersion - The revision of the message's package this code writes.
 */
export function protoPayload<Desc extends DescMessage>(
  schema: Desc,
  message: MessageShape<Desc>,
  occurredAt: Date,
  payloadSchemaVersion: number,
): NewEvent {
  return {
    eventType: schema.typeName,
    payloadSchemaVersion,
    payload: toBinary(schema, message),
    occurredAt,
  };
}

/**
 * The protobuf message in a stored payload.
 *
 * @param malformed - Makes the error for bytes that do not decode: a fault of the log, never a
 *   client's, which each service names its own way.
 */
export function protoMessage<Desc extends DescMessage>(
  schema: Desc,
  event: Pick<RecordedEvent, 'payload'>,
  malformed: (detail: string, cause: unknown) => Error,
): MessageShape<Desc> {
  try {
    return fromBinary(schema, event.payload);
  } catch (error) {
    throw malformed(`the payload is not a ${schema.typeName}`, error);
  }
}
