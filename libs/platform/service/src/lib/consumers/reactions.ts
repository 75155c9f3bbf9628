import { MalformedErasureError, erasedPersonOf } from '@gov/platform-data-protection';
import type { PersonErasure } from '@gov/platform-data-protection';
import type { Actor, AppendMetadata, PositionedEvent } from '@gov/platform-event-sourcing';
import { PermanentMessageError } from '@gov/platform-messaging';

/**
 * The metadata of what a consumer appends in reaction to `event`: the same correlation and
 * trace, caused by `event`, appended by `actor` (the consuming service). So the history of
 * the effect points at its cause, and the trace goes on across the services.
 */
export function causedBy(event: PositionedEvent, actor: Actor): AppendMetadata {
  return {
    correlationId: event.correlationId,
    causationId: event.eventId,
    ...(event.traceparent === null ? {} : { traceparent: event.traceparent }),
    ...(event.tracestate === null ? {} : { tracestate: event.tracestate }),
    actor,
  };
}

/** A person's erasure as a consumer of the registry's log receives it. */
export interface ReceivedErasure extends PersonErasure {
  /** The registry's `PersonErased` event: the act the consumer obeys, for its own record. */
  readonly registryEventId: string;
}

/**
 * The erasure an event of the registry's log records (its `PersonErased`), or `null` for any
 * other event: for the services that hold a person's data and must erase their own copy.
 *
 * @throws `PermanentMessageError` for a `PersonErased` that does not decode or names nobody:
 *   the registry broke its contract, no retry mends it; the dead letter keeps it.
 */
export function erasureIn(event: PositionedEvent): ReceivedErasure | null {
  let erasure: PersonErasure | null;
  try {
    erasure = erasedPersonOf(event);
  } catch (error) {
    if (error instanceof MalformedErasureError) {
      throw new PermanentMessageError('invalid', error.message, { cause: error });
    }
    throw error;
  }
  return erasure === null ? null : { ...erasure, registryEventId: event.eventId };
}
