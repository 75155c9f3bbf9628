import { ApplicationError } from '@gov/platform-chassis';
import { SubjectErasedError } from '@gov/platform-data-protection';
import type { SubjectKeyStore } from '@gov/platform-data-protection';
import type { EventStore } from '@gov/platform-event-sourcing';

import { REGISTRY_ACTOR, appendMetadata } from '../context';
import { toApplicationError } from '../errors';
import type { Clock, CorrectionsReadModel } from '../ports';
import { acceptanceOf, completeAcceptedCorrection } from './apply-accepted-correction';

/** Where the reactor reports what it gives up on. */
export interface ReactorLogger {
  warn(message: string): void;
}

/** Options of a {@link CorrectionsReactor}. */
export interface CorrectionsReactorOptions {
  /**
   * How long an acceptance is left to the request that made it before the reactor steps in
   * (default 5 s): the request applies it within milliseconds, and two writers of one record
   * at the same moment would make one of them fail on the stream version.
   */
  readonly graceMs?: number;
  /** Acceptances per run (default 100). */
  readonly batchSize?: number;
}

/**
 * Makes sure every accepted correction reaches its record, and every accepted correction of a
 * person's record is communicated to the organisations that had the old value (GDPR Art. 19),
 * which the request path alone cannot promise across a crash between the acceptance and the
 * steps after it. Its to-do list is the read model: requests `ACCEPTED` and not yet
 * `appliedToRecord` (the projector marks them applied when the record's `…RecordCorrected`
 * event is in the log), and accepted corrections of persons' records without a communication.
 * For each it runs what follows an acceptance ({@link completeAcceptedCorrection}): the
 * record's correct command, caused by the `CorrectionAccepted` event, then the communication,
 * caused by the record's `PersonRecordCorrected`; each is a no-op if it happened meanwhile.
 *
 * It appends, so it runs on the primary only. A promoted embassy needs nothing more: its replayed
 * read model holds exactly the acceptances the old primary had not applied yet. It writes
 * nothing but events, so the read model stays a function of the log.
 */
export class CorrectionsReactor {
  private readonly graceMs: number;
  private readonly batchSize: number;
  /** Refused for good (the record is not there): reported once per process, not retried. */
  private readonly givenUp = new Set<string>();

  constructor(
    private readonly store: EventStore,
    private readonly keyStore: SubjectKeyStore,
    private readonly clock: Clock,
    private readonly readModel: CorrectionsReadModel,
    private readonly logger: ReactorLogger,
    options: CorrectionsReactorOptions = {},
  ) {
    this.graceMs = options.graceMs ?? 5_000;
    this.batchSize = options.batchSize ?? 100;
  }

  /**
   * Completes the pending acceptances decided before the grace period. Resolves with how many
   * it completed; a transient failure rejects (call again later: everything it does is
   * idempotent).
   */
  async runOnce(): Promise<number> {
    const now = this.clock.now();
    const decidedBefore = new Date(now.getTime() - this.graceMs);
    const limit = this.batchSize + this.givenUp.size;
    const pending = [
      ...new Set([
        ...(await this.readModel.pendingAcceptances(decidedBefore, limit)),
        ...(await this.readModel.pendingCommunications(decidedBefore, limit)),
      ]),
    ];
    let applied = 0;
    for (const correctionId of pending) {
      if (this.givenUp.has(correctionId)) continue;
      if (await this.react(correctionId, now)) applied += 1;
      if (applied >= this.batchSize) break;
    }
    return applied;
  }

  private async react(correctionId: string, now: Date): Promise<boolean> {
    let accepted;
    try {
      accepted = await acceptanceOf(this.store, this.keyStore, correctionId);
    } catch (error) {
      if (!(error instanceof SubjectErasedError)) throw error;
      // The person was erased after the acceptance: there is no record left to correct nor a
      // value to communicate, and the read model forgets the request once it reads the erasure.
      this.givenUp.add(correctionId);
      return false;
    }
    const causedBy = (causationId: string) =>
      appendMetadata(
        {
          correlationId: accepted.recorded.correlationId,
          ...(accepted.recorded.traceparent === null
            ? {}
            : { traceparent: accepted.recorded.traceparent }),
          ...(accepted.recorded.tracestate === null
            ? {}
            : { tracestate: accepted.recorded.tracestate }),
        },
        REGISTRY_ACTOR,
        causationId,
      );
    try {
      await completeAcceptedCorrection(this.store, this.keyStore, accepted, now, causedBy);
      return true;
    } catch (error) {
      const failure = toApplicationError(error);
      if (
        failure instanceof ApplicationError &&
        failure.kind !== 'service-unavailable' &&
        failure.kind !== 'conflict'
      ) {
        // Retrying cannot help. The request stays "accepted, not applied" in the read model
        // for a registrar to look into.
        this.givenUp.add(correctionId);
        this.logger.warn(
          `correction ${correctionId} (event ${accepted.recorded.eventId}) cannot be applied to ` +
            `${accepted.event.data.target.register} record ${accepted.event.data.target.recordId}: ${failure.message}`,
        );
        return false;
      }
      throw failure;
    }
  }
}
