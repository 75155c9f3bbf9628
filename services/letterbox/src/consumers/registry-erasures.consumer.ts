import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';

import { recordRecipientErasure } from '@gov/letterbox-application';
import { PostgresEventStore } from '@gov/platform-event-sourcing';
import type { PositionedEvent } from '@gov/platform-event-sourcing';
import { EnvelopeContext, causedBy, erasureIn } from '@gov/platform-service';

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
    // A malformed PersonErased is dead-lettered (erasureIn throws a permanent error).
    const erasure = erasureIn(event);
    if (erasure === null) return;
    await recordRecipientErasure(
      this.store,
      context.client,
      erasure,
      causedBy(event, { kind: 'service', id: 'letterbox' }),
    );
  }
}
