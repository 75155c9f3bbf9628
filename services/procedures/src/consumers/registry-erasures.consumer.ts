import { Controller, Logger } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';

import { MalformedErasureError } from '@gov/platform-data-protection';
import { PostgresEventStore } from '@gov/platform-event-sourcing';
import type { PositionedEvent } from '@gov/platform-event-sourcing';
import { PermanentMessageError } from '@gov/platform-messaging';
import { EnvelopeContext } from '@gov/platform-service';
import type { Subscription } from '@gov/platform-service';
import { obeyPersonErasure } from '@gov/procedures-application';

/** The `@EventPattern` of the registry's log (the topic is configuration). */
export const REGISTRY_EVENTS = 'registry.events';

/**
 * The subscription to the registry's log, for its erasures: envelopes, from the beginning for a
 * new group (an erasure is a legal act to obey, however late the service starts). Like every
 * subscription of the kit it consumes only where the site is writable: a replica learns the
 * erasure by replaying the service's own PersonalDataErased.
 */
export function registryErasuresSubscription(topic: string | undefined): Subscription {
  return {
    pattern: REGISTRY_EVENTS,
    topic,
    groupId: 'procedures.registry-erasures',
    kind: 'envelope',
    fromBeginning: true,
  };
}

/**
 * Obeys each `PersonErased` of the registry's log (every other event is ignored): the person's
 * key here is destroyed and the service's own PersonalDataErased appended, in the inbox's
 * transaction, so a redelivery changes nothing. A `PersonErased` that does not decode goes to
 * the dead-letter topic at once; a database fault is retried, then dead-lettered.
 */
@Controller()
export class RegistryErasuresConsumer {
  private readonly logger = new Logger('RegistryErasures');

  constructor(private readonly store: PostgresEventStore) {}

  @EventPattern(REGISTRY_EVENTS)
  async received(
    @Payload() event: PositionedEvent,
    @Ctx() context: EnvelopeContext,
  ): Promise<void> {
    let outcome;
    try {
      outcome = await obeyPersonErasure(this.store, context.client, event);
    } catch (error) {
      if (error instanceof MalformedErasureError) {
        throw new PermanentMessageError('invalid', error.message, { cause: error });
      }
      throw error;
    }
    if (outcome === 'erased') {
      this.logger.log(`registry event ${event.eventId}: a person's data erased here`);
    }
  }
}
