import type { SubjectKeyStore } from '@gov/platform-data-protection';
import { OutboxRelay } from '@gov/platform-event-sourcing';
import type { OutboxRelaySettings } from '@gov/platform-event-sourcing';
import type { OutboundMessage } from '@gov/platform-messaging';

import { REGISTRY_CORRECTION_NOTICES_TOPIC, toNoticeMessage } from './correction-notice-topic';
import { noticesOf } from './correction-notices';
import type { SourcedNotice } from './correction-notices';

/**
 * Configuration of a {@link CorrectionNoticePublisher}: the settings of the `OutboxRelay` it is
 * (`afterPublish` receives the batch's notices), with the notices' defaults.
 */
export interface CorrectionNoticePublisherOptions extends Omit<
  OutboxRelaySettings<SourcedNotice, OutboundMessage>,
  'topic' | 'label' | 'lockNamespace' | 'operation'
> {
  /** The registry's per-subject keys: the accepted values of persons' records are sealed. */
  readonly keyStore: SubjectKeyStore;
  /** The notices topic; `registry.correction-notices.v1` by default. It must exist. */
  readonly topic?: string;
  /** Idle poll interval (ms), cut short by {@link CorrectionNoticePublisher.notify}; 50 by default. */
  readonly idlePollMs?: number;
}

/**
 * The publisher of the registry's public correction notices (`registry.correction-notices.v1`,
 * GDPR Art. 19): one `gov.registry.v1.CorrectionNotice` per recipient of each
 * `CorrectionCommunicated` in the registry's log, keyed by the corrected record's id.
 *
 * It is the platform's `OutboxRelay` with its own mapping, checkpoint row (the topic's name in
 * `relay_checkpoints`) and leader lock (namespace `gov.registry.correction-notices`), like the
 * change feed's `RecordChangePublisher`: it reads the log after its checkpoint, reads each
 * communicated correction's acceptance from the request's stream (the accepted value and its
 * time), publishes the notices, waits for the acknowledgement, then saves the checkpoint.
 *
 * Delivery is at least once, as notices.proto promises: a crash between acknowledgement and
 * checkpoint publishes the batch again, as the same notices (same `notice_id`, a UUIDv5 of
 * correction and organisation fixed in the event), which subscribers skip by `notice_id`.
 * One publish call keeps the order per key: a person's notices reach their partition in log
 * order, the order in which the communications were appended (after each acceptance's record
 * change).
 */
export class CorrectionNoticePublisher extends OutboxRelay<SourcedNotice, OutboundMessage> {
  constructor(options: CorrectionNoticePublisherOptions) {
    const { store } = options;
    super({
      ...options,
      topic: options.topic ?? REGISTRY_CORRECTION_NOTICES_TOPIC,
      idlePollMs: options.idlePollMs ?? 50,
      label: 'correction notices',
      lockNamespace: 'gov.registry.correction-notices',
      operation: 'correction-notices',
      mapping: {
        // Upcast: the codecs decode the current payload schema.
        upcast: true,
        select: (events) => noticesOf(store, options.keyStore, events),
        toRecord: ({ notice, source }) => toNoticeMessage(notice, source.eventId),
      },
    });
  }
}
