import { randomBytes } from 'node:crypto';

import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';

import {
  InvalidSourceEventError,
  encodeAccessRecorded,
  entriesFromCorrectionCommunicated,
  entryFromConsentEvent,
  entryFromLetterboxEvent,
  entryFromRegistryEvent,
  entryStreamId,
} from '@gov/audit-application';
import type { AccessEntry } from '@gov/audit-application';
import { PostgresEventStore } from '@gov/platform-event-sourcing';
import type { PositionedEvent } from '@gov/platform-event-sourcing';
import { PermanentMessageError } from '@gov/platform-messaging';
import { EnvelopeContext, causedBy } from '@gov/platform-service';

/** The `@EventPattern` names of the sources (their topics are configuration). */
export const REGISTRY_EVENTS = 'registry.events';
export const CONSENT_EVENTS = 'consent.events';
export const LETTERBOX_EVENTS = 'letterbox.events';

const SALT_BYTES = 32;
const salt = () => randomBytes(SALT_BYTES);
const one = (entry: AccessEntry | null): AccessEntry[] => (entry ? [entry] : []);

/**
 * Turns each access a source reports into entries of the audit log, in the inbox's
 * transaction (the event id recorded as handled and the entries appended commit together, so a
 * redelivery adds nothing). Each entry id derives from the source event id (and, for an event
 * reporting several accesses, the accessor): a source event that reaches a promoted embassy a
 * second time (its inbox is the embassy's, empty of the primary's handling) finds its entries
 * replayed and is not recorded again.
 */
@Controller()
export class AccessSourcesConsumer {
  constructor(private readonly store: PostgresEventStore) {}

  @EventPattern(REGISTRY_EVENTS)
  registry(@Payload() event: PositionedEvent, @Ctx() context: EnvelopeContext): Promise<void> {
    return this.record(
      () => [
        ...one(entryFromRegistryEvent(event, salt())),
        ...entriesFromCorrectionCommunicated(event, salt),
      ],
      event,
      context,
    );
  }

  @EventPattern(CONSENT_EVENTS)
  consent(@Payload() event: PositionedEvent, @Ctx() context: EnvelopeContext): Promise<void> {
    return this.record(() => one(entryFromConsentEvent(event, salt())), event, context);
  }

  @EventPattern(LETTERBOX_EVENTS)
  letterbox(@Payload() event: PositionedEvent, @Ctx() context: EnvelopeContext): Promise<void> {
    return this.record(() => one(entryFromLetterboxEvent(event, salt())), event, context);
  }

  private async record(
    toEntries: () => AccessEntry[],
    event: PositionedEvent,
    context: EnvelopeContext,
  ): Promise<void> {
    let entries: AccessEntry[];
    try {
      entries = toEntries();
    } catch (error) {
      if (error instanceof InvalidSourceEventError) {
        // The source broke its contract: no retry changes that; the dead letter keeps it.
        throw new PermanentMessageError('invalid', error.message, { cause: error });
      }
      throw error;
    }
    if (entries.length === 0) return;
    const existing = await this.store.existingStreams(
      entries.map((entry) => entryStreamId(entry.entryId)),
      context.client,
    );
    const recordedAt = new Date();
    for (const entry of entries) {
      const stream = entryStreamId(entry.entryId);
      if (existing.has(stream)) continue;
      await this.store.appendInTransaction(
        context.client,
        stream,
        0,
        [encodeAccessRecorded(entry, recordedAt)],
        causedBy(event, { kind: 'service', id: 'audit' }),
      );
    }
  }
}
