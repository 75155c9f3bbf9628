import { fromBinary } from '@bufbuild/protobuf';

import { PersonErasedSchema } from '@gov/contracts';

/** A national identification number: 13 digits. */
const NATIONAL_ID = /^[0-9]{13}$/;

/** What {@link erasedPersonOf} reads of an event of the registry's log. */
export interface RegistryLogEvent {
  readonly eventType: string;
  readonly payload: Uint8Array;
  readonly recordedAt: Date;
}

/** A person the registry erased, as a service that holds data of theirs must learn it. */
export interface PersonErasure {
  /** The person's national identification number: the subject id of their key everywhere. */
  readonly nationalId: string;
  /** When the registry recorded the erasure: the time every service's key is destroyed at. */
  readonly erasedAt: Date;
}

/** Thrown for a `PersonErased` whose payload does not decode or names no person. */
export class MalformedErasureError extends Error {
  override readonly name = 'MalformedErasureError';
}

/**
 * The erasure an event of the registry's log (`registry.events.v1`) records, or `null` for
 * every other event. The registry is the authority on persons: its `PersonErased` is the legal
 * act every other service obeys by erasing its own key of the person (`eraseSubjectIn`), in
 * the transaction that records the event as handled.
 *
 * @throws {@link MalformedErasureError} for a `PersonErased` that does not decode: a broken
 *   contract no retry mends (a consumer dead-letters it).
 */
export function erasedPersonOf(event: RegistryLogEvent): PersonErasure | null {
  if (event.eventType !== PersonErasedSchema.typeName) return null;
  let nationalId: string;
  try {
    ({ nationalId } = fromBinary(PersonErasedSchema, event.payload));
  } catch (error) {
    throw new MalformedErasureError('a PersonErased payload does not decode', { cause: error });
  }
  // Every service keys the person by it: one that is no number would erase nobody, or someone
  // else's key under a wrong subject id.
  if (!NATIONAL_ID.test(nationalId)) {
    throw new MalformedErasureError('a PersonErased names no national identification number');
  }
  return { nationalId, erasedAt: event.recordedAt };
}
