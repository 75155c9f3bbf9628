import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';

import { CONSENT_ACTOR, ErasureService } from '@gov/consent-application';
import type { ErasureOutcome } from '@gov/consent-application';
import type { PositionedEvent } from '@gov/platform-event-sourcing';
import { EnvelopeContext, causedBy, erasureIn } from '@gov/platform-service';

/** The `@EventPattern` of the registry's log (its topic is configuration). */
export const REGISTRY_EVENTS = 'registry.events';

/**
 * Obeys the registry's `PersonErased` (the legal act; the registry is the authority on
 * persons): ends the person's live consents, forgets their prefill preferences and refuses
 * anything new for them (see `ErasureService`), in the inbox's transaction, so a redelivery
 * finds the event handled. Every other event of the registry's log is ignored. Runs only where
 * the site is writable; the embassy learns the erasure by replaying this service's own log.
 */
@Controller()
export class RegistryErasuresConsumer {
  constructor(private readonly erasures: ErasureService) {}

  @EventPattern(REGISTRY_EVENTS)
  async registry(
    @Payload() event: PositionedEvent,
    @Ctx() context: EnvelopeContext,
  ): Promise<ErasureOutcome | null> {
    // A malformed PersonErased is dead-lettered (erasureIn throws a permanent error).
    const erasure = erasureIn(event);
    if (erasure === null) return null;
    return this.erasures.erase(context.client, erasure, causedBy(event, CONSENT_ACTOR));
  }
}
