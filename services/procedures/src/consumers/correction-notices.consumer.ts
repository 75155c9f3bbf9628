import { Controller, Logger } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';

import { PermanentMessageError } from '@gov/platform-messaging';
import { RecordContext } from '@gov/platform-service';
import type { Subscription } from '@gov/platform-service';
import {
  CaseService,
  InvalidCorrectionNoticeError,
  decodeCorrectionNotice,
} from '@gov/procedures-application';

/** The `@EventPattern` of the registry's correction notices (the topic is configuration). */
export const CORRECTION_NOTICES = 'registry.correction-notices';

/**
 * The subscription to the registry's public correction notices: bare CorrectionNotice records
 * (no envelope, so `record`), from the beginning of the topic for a new group (a notice is a
 * fact to act on, kept forever). Like every subscription of the kit it consumes only where the
 * site is writable: a replica replays the cases' CorrectionNoticeReceived from the primary.
 */
export function correctionNoticesSubscription(topic: string | undefined): Subscription {
  return {
    pattern: CORRECTION_NOTICES,
    topic,
    groupId: 'procedures.correction-notices',
    kind: 'record',
    fromBeginning: true,
  };
}

/**
 * Records each registry correction notice on the cases of the person it concerns (the
 * handling organisation's submissions, or the forms the service prefilled with the field).
 * At least once: the case keeps the notice id, so a redelivered notice changes nothing. A
 * record that is no CorrectionNotice, or one that breaks its contract, goes to the dead-letter
 * topic at once; a database fault is retried, then dead-lettered.
 */
@Controller()
export class CorrectionNoticesConsumer {
  private readonly logger = new Logger('CorrectionNotices');

  constructor(private readonly cases: CaseService) {}

  @EventPattern(CORRECTION_NOTICES)
  async received(@Payload() value: Buffer, @Ctx() context: RecordContext): Promise<void> {
    let notice;
    try {
      notice = decodeCorrectionNotice(value);
    } catch (error) {
      if (error instanceof InvalidCorrectionNoticeError) {
        throw new PermanentMessageError(error.reason, error.message, { cause: error });
      }
      throw error;
    }
    const { topic, partition, offset } = context.message;
    if (notice === null) {
      this.logger.warn(
        `notice ${topic}/${partition}@${offset} corrects a field this service does not know: ignored`,
      );
      return;
    }
    const recorded = await this.cases.recordCorrectionNotice(notice);
    if (recorded.length > 0) {
      this.logger.log(
        `notice ${notice.noticeId} (${notice.field} to ${notice.organisationId}) recorded on ${recorded.length} case(s)`,
      );
    }
  }
}
