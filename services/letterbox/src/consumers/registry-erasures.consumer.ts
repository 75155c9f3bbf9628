import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';

import { recordRecipientErasure } from '@gov/letterbox-application';
import { MalformedErasureError, erasedPersonOf } from '@gov/platform-data-protection';
import { PostgresEventStore } from '@gov/platform-event-sourcing';
import type { PositionedEvent } from '@gov/platform-event-sourcing';
import { PermanentMessageError } from '@gov/platform-messaging';
import { EnvelopeContext } from '@gov/platform-service';

/** The `@EventPattern` name of the registry's log (its topic is configuration). */
export const REGISTRY_EVENTS = 'registry.events';

/**
 * Obeys the registry's erasure of a person: for its `PersonErased`, records `RecipientErased`
 * in the letterbox's log and destroys the person's key here, in the inbox's transaction (a
 * redelivery finds the event handled; a second `PersonErased` of the person appends nothing).
 * Every other event of the registry is none of the letterbox's business. Runs where the site
 * is writable; the embassy learns the erasure by replaying `RecipientErased`.
 */
@Controller()
export class RegistryErasuresConsumer {
  constructor(private readonly store: PostgresEventStore) {}

  @EventPattern(REGISTRY_EVENTS)
  async erase(@Payload() event: PositionedEvent, @Ctx() context: EnvelopeContext): Promise<void> {
    let erasure;
    try {
      erasure = erasedPersonOf(event);
    } catch (error) {
      if (error instanceof MalformedErasureError) {
        // The registry broke its contract: no retry changes that; the dead letter keeps it.
        throw new PermanentMessageError('invalid', error.message, { cause: error });
      }
      throw error;
    }
    if (erasure === null) return;
    await recordRecipientErasure(
      this.store,
      context.client,
      { ...erasure, registryEventId: event.eventId },
      {
        correlationId: event.correlationId,
        causationId: event.eventId,
        ...(event.traceparent === null ? {} : { traceparent: event.traceparent }),
        actor: { kind: 'service', id: 'letterbox' },
      },
    );
  }
}
