import { fromBinary, toBinary } from '@bufbuild/protobuf';
import type { DescMessage, MessageShape } from '@bufbuild/protobuf';

import {
  ERASED,
  KeyRing,
  SealedDataError,
  SubjectErasedError,
} from '@gov/platform-data-protection';
import type { SubjectKeys } from '@gov/platform-data-protection';
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
 * The revision of the person events whose `PersonalData` is sealed (`sealed_personal_data`,
 * added to each of them compatibly): a reader of revision 1 finds the clear `personal_data`.
 */
export const SEALED_PAYLOAD_SCHEMA_VERSION = 2;

/**
 * The keys of events that carry no personal data (businesses, corrections, access records):
 * a codec of those never seals nor opens anything.
 */
export const NO_PERSONAL_DATA: SubjectKeys = KeyRing.EMPTY;

/** What a codec reads of a stored event. */
export type StoredPayload = Pick<RecordedEvent, 'eventType' | 'payload' | 'dataSubjectKeyId'>;

/**
 * How one aggregate's events are stored: the event type is the payload message's full name
 * (`gov.registry.v1.PersonRegistered`), the payload its binary encoding. `occurredAt` is the time
 * of the decision, which the domain events do not carry (the command does).
 */
export interface PayloadCodec<Event> {
  /** The event types this codec reads and writes. */
  readonly eventTypes: readonly string[];
  /**
   * The stored form of `event`; its personal data sealed under its subject's key in `keys`.
   *
   * @throws `SubjectErasedError` when that subject's key was destroyed.
   */
  encode(event: Event, occurredAt: Date, keys: SubjectKeys): NewEvent;
  /**
   * The domain event of a stored one; its personal data opened with `keys`.
   *
   * @throws {@link MalformedPayloadError} for a type it does not know or bytes that do not
   *   decode; `SubjectErasedError` when the personal data's key was destroyed;
   *   `KeyUnavailableError` when `keys` lack it (a replica the key has not reached yet).
   */
  decode(event: StoredPayload, keys: SubjectKeys): Event;
}

/** The platform's {@link EventCodec} for one decision, all of whose events occurred at `occurredAt`. */
export function codecAt<Event>(
  codec: PayloadCodec<Event>,
  occurredAt: Date,
  keys: SubjectKeys,
): EventCodec<Event> {
  return {
    encode: (event) => codec.encode(event, occurredAt, keys),
    decode: (event) => codec.decode(event, keys),
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

/**
 * The stored form of an event about `subjectId` whose `PersonalData` is sealed: `build` makes
 * the message around the sealed bytes; the envelope names the key.
 */
export function sealedPayloadOf<Desc extends DescMessage, Personal extends DescMessage>(
  schema: Desc,
  personalSchema: Personal,
  subjectId: string,
  personal: MessageShape<Personal>,
  build: (sealed: Uint8Array) => MessageShape<Desc>,
  occurredAt: Date,
  keys: SubjectKeys,
): NewEvent {
  const { keyId, sealed } = keys.seal(subjectId, toBinary(personalSchema, personal), [
    schema.typeName,
    subjectId,
  ]);
  return {
    ...protoPayload(schema, build(sealed), occurredAt, SEALED_PAYLOAD_SCHEMA_VERSION),
    dataSubjectKeyId: keyId,
  };
}

/**
 * The `PersonalData` of a stored event about `subjectId`: opened from `sealed` when it is
 * sealed, else the clear message of an event written before sealing.
 *
 * @throws `SubjectErasedError` when its key was destroyed; {@link MalformedPayloadError} when
 *   neither form is there or the sealed bytes do not open.
 */
export function personalDataOf<Personal extends DescMessage>(
  event: StoredPayload,
  personalSchema: Personal,
  subjectId: string,
  clear: MessageShape<Personal> | undefined,
  sealed: Uint8Array,
  keys: SubjectKeys,
): MessageShape<Personal> {
  if (sealed.length === 0) {
    if (clear === undefined) {
      throw new MalformedPayloadError(event.eventType, 'personal_data is required but missing');
    }
    return clear;
  }
  if (event.dataSubjectKeyId === null) {
    throw new MalformedPayloadError(event.eventType, 'sealed personal data without a key id');
  }
  let plaintext;
  try {
    plaintext = keys.open(event.dataSubjectKeyId, sealed, [event.eventType, subjectId]);
  } catch (error) {
    if (!(error instanceof SealedDataError)) throw error;
    throw new MalformedPayloadError(event.eventType, 'sealed personal data does not open', {
      cause: error,
    });
  }
  if (plaintext === ERASED) throw new SubjectErasedError(subjectId);
  try {
    return fromBinary(personalSchema, plaintext);
  } catch (error) {
    throw new MalformedPayloadError(event.eventType, 'sealed personal data does not decode', {
      cause: error,
    });
  }
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
