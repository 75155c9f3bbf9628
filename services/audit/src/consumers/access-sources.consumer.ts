import { randomBytes } from 'node:crypto';

import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';

import {
  InvalidSourceEventError,
  encodeAccessRecorded,
  entryFromConsentEvent,
  entryFromRegistryEvent,
  entryStreamId,
} from '@gov/audit-application';
import type { AccessEntry } from '@gov/audit-application';
import { PostgresEventStore } from '@gov/platform-event-sourcing';
import type { PositionedEvent } from '@gov/platform-event-sourcing';
import { PermanentMessageError } from '@gov/platform-messaging';
import { EnvelopeContext } from '@gov/platform-service';

/** The `@EventPattern` names of the sources (their topics are configuration). */
export const REGISTRY_EVENTS = 'registry.events';
export const CONSENT_EVENTS = 'consent.events';

const SALT_BYTES = 32;

/**
 * Turns each access a source reports into one entry of the audit log, in the inbox's
 * transaction (the event id recorded as handled and the entry appended commit together, so a
 * redelivery adds nothing). The entry id derives from the source event id: a source event that
 * reaches a promoted embassy a second time (its inbox is the embassy's, empty of the primary's
 * handling) finds its entry replayed and is not recorded again.
 */
@Controller()
export class AccessSourcesConsumer {
  constructor(private readonly store: PostgresEventStore) {}

  @EventPattern(REGISTRY_EVENTS)
  registry(@Payload() event: PositionedEvent, @Ctx() context: EnvelopeContext): Promise<void> {
    return this.record(
      () => entryFromRegistryEvent(event, randomBytes(SALT_BYTES)),
      event,
      context,
    );
  }

  @EventPattern(CONSENT_EVENTS)
  consent(@Payload() event: PositionedEvent, @Ctx() context: EnvelopeContext): Promise<void> {
    return this.record(() => entryFromConsentEvent(event, randomBytes(SALT_BYTES)), event, context);
  }

  private async record(
    toEntry: () => AccessEntry | null,
    event: PositionedEvent,
    context: EnvelopeContext,
  ): Promise<void> {
    let entry: AccessEntry | null;
    try {
      entry = toEntry();
    } catch (error) {
      if (error instanceof InvalidSourceEventError) {
        // The source broke its contract: no retry changes that; the dead letter keeps it.
        throw new PermanentMessageError('invalid', error.message, { cause: error });
      }
      throw error;
    }
    if (!entry) return;
    const stream = entryStreamId(entry.entryId);
    const existing = await this.store.existingStreams([stream], context.client);
    if (existing.has(stream)) return;
    await this.store.appendInTransaction(
      context.client,
      stream,
      0,
      [encodeAccessRecorded(entry, new Date())],
      {
        correlationId: event.correlationId,
        causationId: event.eventId,
        ...(event.traceparent === null ? {} : { traceparent: event.traceparent }),
        actor: { kind: 'service', id: 'audit' },
      },
    );
  }
}
