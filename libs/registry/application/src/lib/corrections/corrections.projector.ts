import { ApplicationError } from '@gov/platform-chassis';
import type { EventStore, PositionedEvent } from '@gov/platform-event-sourcing';

import { businessEventsCodec } from '../codecs/business-events.codec';
import { correctionEventsCodec } from '../codecs/correction-events.codec';
import { personEventsCodec } from '../codecs/person-events.codec';
import { REGISTRY_ACTOR, appendMetadata } from '../context';
import { toApplicationError } from '../errors';
import type { Clock, CorrectionsReadModel, ProjectionCheckpoints } from '../ports';
import { applyAcceptedCorrection } from './apply-accepted-correction';

/** The projection's name in the checkpoints table. */
export const CORRECTIONS_PROJECTION = 'corrections';

/** Where the projector reports what it skips. */
export interface ProjectorLogger {
  warn(message: string): void;
}

const CORRECTION_TYPES = new Set(correctionEventsCodec.eventTypes);
const RECORD_CORRECTED_TYPES = new Set([
  'gov.registry.v1.PersonRecordCorrected',
  'gov.registry.v1.BusinessRecordCorrected',
]);

/**
 * Follows the registry's global log and keeps two promises that the request path alone cannot
 * keep across a crash:
 *
 * - the corrections read model holds every request with its status (the request path writes it
 *   too, for read-your-writes; both writes are idempotent);
 * - every accepted correction reaches its record: for each `CorrectionAccepted` it runs the
 *   record's correct command (a no-op when the request path already did), so a crash between the
 *   acceptance and the record change is repaired (the reactor of the domain's design).
 *
 * At least once: the checkpoint moves after a batch is applied, and everything it does is
 * idempotent. Several instances may run side by side (each replica has one); they repeat each
 * other's work harmlessly. Only positioned events are read, so it follows the outbox relay's
 * sequencer by a few milliseconds.
 */
export class CorrectionsProjector {
  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
    private readonly readModel: CorrectionsReadModel,
    private readonly checkpoints: ProjectionCheckpoints,
    private readonly logger: ProjectorLogger,
  ) {}

  /**
   * Applies the next events of the log, at most `limit`, and moves the checkpoint past them.
   * Resolves with how many were read (0: up to date). A transient failure rejects, leaving the
   * checkpoint where it was: call again later.
   */
  async runOnce(limit = 500): Promise<number> {
    const from = (await this.checkpoints.load(CORRECTIONS_PROJECTION)) + 1n;
    const events = await this.store.readAll(from, limit);
    for (const event of events) {
      await this.apply(event);
    }
    const last = events.at(-1);
    if (last) await this.checkpoints.save(CORRECTIONS_PROJECTION, last.globalPosition);
    return events.length;
  }

  private async apply(event: PositionedEvent): Promise<void> {
    if (RECORD_CORRECTED_TYPES.has(event.eventType)) {
      const corrected =
        event.eventType === 'gov.registry.v1.PersonRecordCorrected'
          ? personEventsCodec.decode(event)
          : businessEventsCodec.decode(event);
      if ('correctionId' in corrected.data) {
        await this.readModel.recordApplied(corrected.data.correctionId);
      }
      return;
    }
    if (!CORRECTION_TYPES.has(event.eventType)) return;
    const correction = correctionEventsCodec.decode(event);
    switch (correction.type) {
      case 'CorrectionRequested':
        await this.readModel.recordRequested({
          correctionId: correction.data.correctionId,
          register: correction.data.target.register,
          recordId: correction.data.target.recordId,
          field: correction.data.target.correction.field,
          requester: correction.data.requester,
          status: 'REQUESTED',
          requestedAt: event.recordedAt,
          decidedAt: null,
          decidedBy: null,
          reason: null,
          appliedToRecord: false,
          version: event.streamVersion,
        });
        return;
      case 'CorrectionRejected':
        await this.readModel.recordDecision({
          correctionId: correction.data.correctionId,
          status: 'REJECTED',
          decidedAt: event.recordedAt,
          decidedBy: correction.data.rejectedBy,
          reason: correction.data.reason,
          version: event.streamVersion,
        });
        return;
      case 'CorrectionAccepted':
        await this.readModel.recordDecision({
          correctionId: correction.data.correctionId,
          status: 'ACCEPTED',
          decidedAt: event.recordedAt,
          decidedBy: correction.data.acceptedBy,
          reason: null,
          version: event.streamVersion,
        });
        await this.react(correction, event);
        return;
      default: {
        const unknown: never = correction;
        throw new TypeError(`unhandled correction event ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** Puts an accepted value into its record (idempotent); a business refusal is logged, not retried. */
  private async react(
    accepted: Extract<
      ReturnType<typeof correctionEventsCodec.decode>,
      { type: 'CorrectionAccepted' }
    >,
    event: PositionedEvent,
  ): Promise<void> {
    const metadata = appendMetadata(
      {
        correlationId: event.correlationId,
        ...(event.traceparent === null ? {} : { traceparent: event.traceparent }),
        ...(event.tracestate === null ? {} : { tracestate: event.tracestate }),
      },
      REGISTRY_ACTOR,
      event.eventId,
    );
    try {
      await applyAcceptedCorrection(this.store, accepted, this.clock.now(), metadata);
      await this.readModel.recordApplied(accepted.data.correctionId);
    } catch (error) {
      const failure = toApplicationError(error);
      if (
        failure instanceof ApplicationError &&
        failure.kind !== 'service-unavailable' &&
        failure.kind !== 'conflict'
      ) {
        // Refused for good (e.g. the record is not there): retrying cannot help. The request
        // stays "accepted, not applied" in the read model for a registrar to look into.
        this.logger.warn(
          `correction ${accepted.data.correctionId} (event ${event.eventId}) cannot be applied to ` +
            `${accepted.data.target.register} record ${accepted.data.target.recordId}: ${failure.message}`,
        );
        return;
      }
      throw failure;
    }
  }
}
