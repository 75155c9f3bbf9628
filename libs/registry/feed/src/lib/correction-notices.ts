import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';

import { CorrectionCommunicatedSchema, CorrectionNoticeSchema, Register } from '@gov/contracts';
import type { CorrectionNotice } from '@gov/contracts';
import { SubjectErasedError } from '@gov/platform-data-protection';
import type { SubjectKeyStore } from '@gov/platform-data-protection';
import type { EventStore, PositionedEvent } from '@gov/platform-event-sourcing';
import {
  NO_PERSONAL_DATA,
  acceptanceOf,
  correctionEventsCodec,
  personCorrectionToProto,
} from '@gov/registry-application';
import type { CorrectionAccepted, CorrectionCommunicated } from '@gov/registry-domain';

/** A notice to publish, with the log event it comes from. */
export interface SourcedNotice {
  /** The `CorrectionCommunicated` event (its id goes in the `event-id` header). */
  readonly source: PositionedEvent;
  readonly notice: CorrectionNotice;
}

/** Whether `event` is one the notices are made from. */
export function isCommunicationEventType(eventType: string): boolean {
  return eventType === CorrectionCommunicatedSchema.typeName;
}

/**
 * The notices of one communicated correction: one per recipient, in the event's order
 * (organisation id), each with the accepted value and the acceptance's time (`recordedAt` of
 * `CorrectionAccepted`, the time the registry decided on and the person sees).
 */
export function correctionNotices(
  communicated: CorrectionCommunicated,
  accepted: { readonly event: CorrectionAccepted; readonly recordedAt: Date },
): CorrectionNotice[] {
  const { target } = accepted.event.data;
  if (target.register !== 'persons') {
    throw new Error(
      `correction ${communicated.data.correctionId} is communicated but corrects a ${target.register} record`,
    );
  }
  const corrected = personCorrectionToProto(target.correction);
  return communicated.data.recipients.map((recipient) =>
    create(CorrectionNoticeSchema, {
      noticeId: recipient.noticeId,
      organisationId: recipient.organisationId,
      correctionId: communicated.data.correctionId,
      register: Register.PERSONS,
      recordId: communicated.data.recordId,
      corrected,
      acceptedAt: timestampFromDate(accepted.recordedAt),
      lastReceivedAt: timestampFromDate(recipient.lastReceivedAt),
      purpose: recipient.purpose,
      procedureId: recipient.procedureId ?? '',
    }),
  );
}

/**
 * The notices of a batch of the log, in log order: for each `CorrectionCommunicated`, its
 * correction's acceptance is read from the request's stream (one `readStream` per communicated
 * correction, a few events). An event that does not decode fails the batch (the relay retries
 * it, loudly) rather than being skipped: a skipped notice is a recipient never told.
 */
export async function noticesOf(
  store: Pick<EventStore, 'readStream'>,
  keyStore: SubjectKeyStore,
  events: readonly PositionedEvent[],
): Promise<SourcedNotice[]> {
  const notices: SourcedNotice[] = [];
  for (const source of events) {
    if (!isCommunicationEventType(source.eventType)) continue;
    const communicated = correctionEventsCodec.decode(source, NO_PERSONAL_DATA);
    if (communicated.type !== 'CorrectionCommunicated') continue;
    if (communicated.data.recipients.length === 0) continue;
    let accepted;
    try {
      // The accepted value is sealed under the person's key; `KeyUnavailableError` (a key not
      // replicated yet) fails the batch, which the relay retries.
      accepted = await acceptanceOf(store, keyStore, communicated.data.correctionId);
    } catch (error) {
      if (!(error instanceof SubjectErasedError)) throw error;
      // The person was erased before their correction was published: the notice would carry
      // a value nobody may read any more, and none is published.
      continue;
    }
    const { event, recorded } = accepted;
    for (const notice of correctionNotices(communicated, {
      event,
      recordedAt: recorded.recordedAt,
    })) {
      notices.push({ source, notice });
    }
  }
  return notices;
}
