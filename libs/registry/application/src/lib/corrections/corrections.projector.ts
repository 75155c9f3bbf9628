import { CorrectionCommunicatedSchema, PersonErasedSchema } from '@gov/contracts';
import type { EventStore, RecordedEvent } from '@gov/platform-event-sourcing';

import { businessEventsCodec } from '../codecs/business-events.codec';
import { correctionEventsCodec, correctionFactsOf } from '../codecs/correction-events.codec';
import { NO_PERSONAL_DATA, messageOf } from '../codecs/payload';
import { correctionIdOfPersonRecordCorrected } from '../codecs/person-events.codec';
import type { CorrectionsReadModel, ProjectionCheckpoints } from '../ports';

/** The projection's name in the checkpoints table. */
export const CORRECTIONS_PROJECTION = 'corrections';

const CORRECTION_TYPES = new Set(correctionEventsCodec.eventTypes);
const RECORD_CORRECTED_TYPES = new Set([
  'gov.registry.v1.PersonRecordCorrected',
  'gov.registry.v1.BusinessRecordCorrected',
]);

/**
 * The corrections read model's reaction to one event of the registry's log. Deterministic: every
 * value comes from the event (times are the event's `recordedAt`), so the read model is a
 * function of the log, equal on every site that holds the same log (the data embassy compares
 * its digests). Idempotent, so the request path may make the same writes first
 * (read-your-writes) and a batch may be applied twice.
 */
export async function projectCorrectionEvent(
  readModel: CorrectionsReadModel,
  event: RecordedEvent,
): Promise<void> {
  if (event.eventType === PersonErasedSchema.typeName) {
    // The person's data was erased: their requests leave the read model on every site (their
    // events stay in the log, their words sealed or withheld).
    await readModel.forgetRecord('persons', messageOf(PersonErasedSchema, event).nationalId);
    return;
  }
  if (RECORD_CORRECTED_TYPES.has(event.eventType)) {
    // The correction id, not the corrected value: a projection never opens personal data, so
    // that it gives the same read model on every site, whatever keys each holds.
    if (event.eventType === 'gov.registry.v1.PersonRecordCorrected') {
      await readModel.recordApplied(correctionIdOfPersonRecordCorrected(event));
      return;
    }
    const corrected = businessEventsCodec.decode(event, NO_PERSONAL_DATA);
    if ('correctionId' in corrected.data) {
      await readModel.recordApplied(corrected.data.correctionId);
    }
    return;
  }
  if (!CORRECTION_TYPES.has(event.eventType)) return;
  if (event.eventType === CorrectionCommunicatedSchema.typeName) {
    const communicated = correctionEventsCodec.decode(event, NO_PERSONAL_DATA);
    if (communicated.type !== 'CorrectionCommunicated') throw new TypeError(communicated.type);
    await readModel.recordCommunicated({
      correctionId: communicated.data.correctionId,
      communicatedAt: communicated.data.communicatedAt,
      recipients: communicated.data.recipients,
      version: event.streamVersion,
    });
    return;
  }
  // The facts, never the personal data: a person's words and values are sealed (see above).
  const correction = correctionFactsOf(event);
  switch (correction.type) {
    case 'CorrectionRequested':
      await readModel.recordRequested({
        correctionId: correction.correctionId,
        register: correction.register,
        recordId: correction.recordId,
        field: correction.field,
        requester: correction.requester,
        status: 'REQUESTED',
        requestedAt: event.recordedAt,
        decidedAt: null,
        decidedBy: null,
        reason: null,
        appliedToRecord: false,
        communicatedAt: null,
        version: event.streamVersion,
      });
      return;
    case 'CorrectionRejected':
    case 'CorrectionAccepted': {
      const rejected = correction.type === 'CorrectionRejected';
      await readModel.recordDecision({
        correctionId: correction.correctionId,
        status: rejected ? 'REJECTED' : 'ACCEPTED',
        decidedAt: event.recordedAt,
        decidedBy: rejected ? correction.rejectedBy : correction.acceptedBy,
        reason: rejected ? correction.reason : null,
        version: event.streamVersion,
      });
      return;
    }
    default: {
      const unknown: never = correction;
      throw new TypeError(`unhandled correction event ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * Keeps a corrections read model up to date from the log through the application's ports (the
 * in-memory model of the tests; in PostgreSQL the service runs {@link projectCorrectionEvent}
 * under the event store's `ProjectionRunner`, batch and checkpoint in one transaction). Reads
 * only: it runs on every site, the embassy's replica included. What an accepted correction
 * does to its record is the {@link CorrectionsReactor}'s work, on the primary only.
 */
export class CorrectionsProjector {
  constructor(
    private readonly store: Pick<EventStore, 'readAll'>,
    private readonly readModel: CorrectionsReadModel,
    private readonly checkpoints: ProjectionCheckpoints,
  ) {}

  /**
   * Applies the next events of the log, at most `limit`, and moves the checkpoint past them.
   * Resolves with how many were read (0: up to date).
   */
  async runOnce(limit = 500): Promise<number> {
    const from = (await this.checkpoints.load(CORRECTIONS_PROJECTION)) + 1n;
    const events = await this.store.readAll(from, limit);
    for (const event of events) {
      await projectCorrectionEvent(this.readModel, event);
    }
    const last = events.at(-1);
    if (last) await this.checkpoints.save(CORRECTIONS_PROJECTION, last.globalPosition);
    return events.length;
  }
}
