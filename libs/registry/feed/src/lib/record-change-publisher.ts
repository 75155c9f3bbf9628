import type { SubjectKeyStore } from '@gov/platform-data-protection';
import { OutboxRelay } from '@gov/platform-event-sourcing';
import type {
  OutboxRelaySettings,
  PositionedEvent,
  RecordPublisher,
  RelayMapping,
} from '@gov/platform-event-sourcing';
import type { OutboundMessage } from '@gov/platform-messaging';

import { REGISTRY_CHANGES_TOPIC, toFeedMessage, toTombstone } from './feed-topic';
import { RecordStates } from './record-states';
import type { SourcedChange } from './record-states';

/**
 * Publishes records to Kafka and resolves once the brokers acknowledged them (acks=all), keeping
 * the order of records with the same key. `EventPublisher` of `@gov/platform-messaging` is one.
 */
export type FeedPublisher = RecordPublisher<OutboundMessage>;

/**
 * Configuration of a {@link RecordChangePublisher}: the settings of the `OutboxRelay` it is
 * (`afterPublish` receives the batch's changes), with the feed's defaults.
 */
export interface RecordChangePublisherOptions extends Omit<
  OutboxRelaySettings<SourcedChange, OutboundMessage>,
  'topic' | 'label' | 'lockNamespace' | 'operation'
> {
  /** The feed topic; `registry.changes.v1` by default. It must exist. */
  readonly topic?: string;
  /** Idle poll interval (ms), cut short by {@link RecordChangePublisher.notify}; 50 by default. */
  readonly idlePollMs?: number;
  /** How many records' latest states are kept between batches; 10 000 by default. */
  readonly stateCacheSize?: number;
  /** The registry's per-subject keys, which open persons' personal data. */
  readonly keyStore: SubjectKeyStore;
}

/**
 * The feed's mapping of a batch of the log: the record after each record event (streams folded
 * by `states`, upcast events decoded by the application's codecs), nothing for other events.
 */
function recordChanges(states: RecordStates): RelayMapping<SourcedChange, OutboundMessage> {
  return {
    // Upcast: the codecs decode the current payload schema.
    upcast: true,
    select: async (events: readonly PositionedEvent[], warn) => {
      const batch = await states.changesOf(events);
      for (const { source, reason } of batch.skipped) {
        warn(`event ${source.eventId} skipped: ${reason}`);
      }
      return batch.changes;
    },
    toRecord: (sourced) =>
      'erased' in sourced
        ? toTombstone(sourced.erased, sourced.source.eventId)
        : toFeedMessage(sourced.change, sourced.source.eventId),
  };
}

/**
 * The publisher of the registry's public change feed (`registry.changes.v1`): one
 * `gov.registry.v1.RecordChange` per change of a person's or a business's record, carrying the
 * complete record after the change, keyed by the record id.
 *
 * It is the platform's `OutboxRelay` with the feed's mapping. It reads the registry's own event
 * log, not its internal topic: the log is where the record streams are, to fold the record after
 * each change, and a checkpoint on log positions is exact. One iteration, as the outbox relay's:
 * run the sequencer, read the positioned events after the checkpoint (row `name` of
 * `relay_checkpoints`), fold each record stream up to each of its events, publish the changes and
 * wait for the acknowledgement, then save the checkpoint.
 *
 * Delivery is at least once, which is what the contract promises: a crash before the
 * acknowledgement loses nothing (the events are still after the checkpoint); a crash between
 * acknowledgement and checkpoint publishes the batch again after a restart, as the same messages
 * (same `record_version`, same snapshot), which subscribers skip by `record_version`. Log order
 * is version order per stream, and one publish call keeps the order per key, so each record's
 * changes reach its partition in version order.
 *
 * A record event that cannot be decoded (or an event type this code does not know in a record
 * stream) fails the iteration, which is retried with backoff and logged, rather than skipped:
 * skipping would publish later snapshots folded without it, i.e. wrong records. The feed then
 * stalls, loudly, until the code that can read the event is deployed.
 *
 * Only one instance publishes at a time: the leader holds a session advisory lock (namespace
 * `gov.registry.change-feed`) on a connection it keeps and checkpoints on; the others stand by
 * and take over within `standbyPollMs` of its release. It polls every `idlePollMs` when idle, at
 * once again after a full batch, and when {@link notify} is called (the store calls it after
 * each append in this process). `publishedCount` counts the changes published.
 */
export class RecordChangePublisher extends OutboxRelay<SourcedChange, OutboundMessage> {
  constructor({ stateCacheSize, keyStore, ...options }: RecordChangePublisherOptions) {
    super({
      ...options,
      topic: options.topic ?? REGISTRY_CHANGES_TOPIC,
      idlePollMs: options.idlePollMs ?? 50,
      label: 'change feed',
      lockNamespace: 'gov.registry.change-feed',
      operation: 'change-feed',
      mapping: recordChanges(new RecordStates(options.store, keyStore, stateCacheSize)),
    });
  }
}
