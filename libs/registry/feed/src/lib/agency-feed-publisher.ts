import type { AgencyView, RecordChange } from '@gov/contracts';
import { ChangeKind } from '@gov/contracts';
import type { SubjectKeyStore } from '@gov/platform-data-protection';
import { OutboxRelay } from '@gov/platform-event-sourcing';
import type {
  OutboxRelaySettings,
  PositionedEvent,
  PostgresEventStore,
  RelayMapping,
} from '@gov/platform-event-sourcing';
import type { OutboundMessage } from '@gov/platform-messaging';
import {
  NO_PERSONAL_DATA,
  agencyFeedCutCodec,
  isAgencyFeedCut,
  streamIds,
} from '@gov/registry-application';
import type { AgencyFeedCut } from '@gov/registry-application';

import { agencyView, cutForAgency, viewCovers, viewFields } from './agency-cut';
import { toFeedMessage, toTombstone } from './feed-topic';
import type { FeedPublisher } from './record-change-publisher';
import { RECORD_EVENT_TYPES, RecordStates } from './record-states';
import type { SourcedChange } from './record-states';

/** The topic of an organisation's change feed: `registry.changes.<organisation id>.v1`. */
export function agencyFeedTopic(organisationId: string): string {
  return `registry.changes.${organisationId}.v1`;
}

/**
 * A message of an agency feed, with the log event it comes from (its id goes in the `event-id`
 * header): a record cut to the agency's view, or a tombstone. A re-cut's messages come from the
 * cut event.
 */
export type AgencyDelivery =
  | { readonly source: PositionedEvent; readonly change: RecordChange }
  | { readonly source: PositionedEvent; readonly erased: string };

/** Configuration of an {@link AgencyFeedPublisher}. */
export interface AgencyFeedPublisherOptions extends Omit<
  OutboxRelaySettings<AgencyDelivery, OutboundMessage>,
  'topic' | 'label' | 'lockNamespace' | 'operation'
> {
  /** The organisation whose feed this is (its id in the legal-basis catalogue). */
  readonly organisationId: string;
  /** The feed topic; `registry.changes.<organisation id>.v1` by default. It must exist. */
  readonly topic?: string;
  /** Idle poll interval (ms); 250 by default. */
  readonly idlePollMs?: number;
  /** How many records' latest states are kept between batches; 10 000 by default. */
  readonly stateCacheSize?: number;
  /** How many record streams a re-cut folds at once; 32 by default. */
  readonly recutConcurrency?: number;
  /**
   * How many records go to Kafka per produce call, one call after the other; 500 by default.
   * A re-cut's batch holds a message per covered record: sent in one call it would exceed the
   * broker's batch size limit (`message.max.bytes`) and stall the feed.
   */
  readonly publishChunkSize?: number;
  /** The registry's per-subject keys, which open persons' personal data. */
  readonly keyStore: SubjectKeyStore;
}

/**
 * `publisher`, sending `messages` in consecutive calls of at most `size` records, each awaited
 * before the next: the order per key is kept, and a failed call fails the whole batch, which
 * the relay retries from its checkpoint (the calls that went through are sent again, the same
 * bytes, which the contract allows).
 */
function inChunks(publisher: FeedPublisher, size: number): FeedPublisher {
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`publishChunkSize must be a positive integer, got ${size}`);
  }
  return {
    publish: async (topic, messages) => {
      for (let i = 0; i < messages.length; i += size) {
        await publisher.publish(topic, messages.slice(i, i + size));
      }
    },
  };
}

/** The view a cut event sets. */
function viewOf(cut: AgencyFeedCut): AgencyView {
  const { organisationId, legalBasisId, version, categories } = cut.data;
  return agencyView(organisationId, legalBasisId, version, categories);
}

/** `change` as a re-cut sends it: kind RECUT, every field of the new view changed. */
function recutChange(change: RecordChange, view: AgencyView): RecordChange | undefined {
  return cutForAgency(
    { ...change, kind: ChangeKind.RECUT, changedFields: viewFields(view, change.register) },
    view,
  );
}

/**
 * The record streams of the log at or below `position`, each with its last version there, in
 * stream id order (the re-cut's order, the same on every run): one scan of the log up to the
 * position, grouped by stream.
 */
async function streamsAt(
  store: PostgresEventStore,
  position: bigint,
): Promise<{ readonly streamId: string; readonly version: number }[]> {
  if (!/^[a-z_][a-z0-9_]*$/.test(store.schema)) {
    throw new Error(`unexpected event store schema name ${store.schema}`);
  }
  const { rows } = await store.pool.query<{ stream_id: string; version: string }>(
    `SELECT stream_id, max(stream_version) AS version FROM "${store.schema}".events
      WHERE global_position <= $1 AND event_type = ANY($2)
      GROUP BY stream_id ORDER BY stream_id COLLATE "C"`,
    [position.toString(), RECORD_EVENT_TYPES],
  );
  return rows.map((row) => ({ streamId: row.stream_id, version: Number(row.version) }));
}

/**
 * The publisher of one organisation's change feed, `registry.changes.<organisation id>.v1`
 * (changes.proto, "AGENCY FEEDS"): the full feed's changes cut to the organisation's view
 * ({@link cutForAgency}), tombstones of erased records of the registers the view covers, and
 * the re-cuts the log records (`AgencyFeedCut`, stream `agency-feed-<organisation id>`).
 *
 * It is an `OutboxRelay` over the registry's log, like `RecordChangePublisher`, with its own
 * checkpoint row (the topic) and lock namespace (`gov.registry.agency-feed`). It publishes
 * nothing before the organisation's first cut. When it reaches a cut event, it re-cuts in the
 * same batch, in this order: the batch's changes before the cut with the old view, then every
 * record the new view covers as it stood at the cut's position (kind RECUT, changed_fields =
 * the view's fields of its register) and a tombstone for each record only the old view covered,
 * then the batch's changes after the cut with the new view. One publish call keeps the order
 * per key, so a record changed after the cut arrives after its re-cut message.
 *
 * The view in force is always derived from the log: at each batch from the latest cut event
 * before the batch, so a restart (or a retry from the checkpoint) computes the same messages.
 * A crash during a re-cut publishes it again in full, the same bytes: only the checkpoint says
 * what is done. A re-cut costs one grouped scan of the log up to its position and one read of
 * each record stream, and its messages are published as one batch (memory grows with the
 * number of records the views cover).
 */
export class AgencyFeedPublisher extends OutboxRelay<AgencyDelivery, OutboundMessage> {
  constructor({
    stateCacheSize,
    keyStore,
    organisationId,
    recutConcurrency,
    publishChunkSize,
    ...options
  }: AgencyFeedPublisherOptions) {
    const topic = options.topic ?? agencyFeedTopic(organisationId);
    super({
      ...options,
      publisher: inChunks(options.publisher, publishChunkSize ?? 500),
      topic,
      // An agency feed is not on anyone's request path: a change that reaches the agency a
      // quarter of a second later costs nothing, while waking on every append (as the events
      // relay must) would fold the same log once more per feed for each request. It gathers
      // the appends of 200 ms into one batch, and polls every 250 ms when idle.
      idlePollMs: options.idlePollMs ?? 250,
      lingerMs: options.lingerMs ?? 200,
      label: `agency feed ${organisationId}`,
      lockNamespace: 'gov.registry.agency-feed',
      operation: 'agency-feed',
      mapping: new AgencyFeedMapping(
        organisationId,
        options.store,
        new RecordStates(options.store, keyStore, stateCacheSize),
        recutConcurrency ?? 32,
      ).mapping(),
    });
  }
}

/** The mapping of an {@link AgencyFeedPublisher}, with the view it is at between batches. */
class AgencyFeedMapping {
  private readonly cutStream: string;
  /** The view in force after position `viewAt`, if it is known (else read from the log). */
  private view: AgencyView | undefined;
  private viewAt: bigint | undefined;

  constructor(
    private readonly organisationId: string,
    private readonly store: PostgresEventStore,
    private readonly states: RecordStates,
    private readonly concurrency: number,
  ) {
    this.cutStream = streamIds.agencyFeed(organisationId);
  }

  mapping(): RelayMapping<AgencyDelivery, OutboundMessage> {
    return {
      // Upcast: the codecs decode the current payload schema.
      upcast: true,
      select: (events, warn) => this.select(events, warn),
      toRecord: (delivery) =>
        'erased' in delivery
          ? toTombstone(delivery.erased, delivery.source.eventId)
          : toFeedMessage(delivery.change, delivery.source.eventId),
    };
  }

  private async select(
    events: readonly PositionedEvent[],
    warn: (message: string) => void,
  ): Promise<AgencyDelivery[]> {
    const first = events[0];
    if (first === undefined) return [];
    let view = await this.viewBefore(first.globalPosition);
    const batch = await this.states.changesOf(events);
    for (const { source, reason } of batch.skipped) {
      warn(`event ${source.eventId} skipped: ${reason}`);
    }
    const cuts = events.filter(
      (event) => event.streamId === this.cutStream && isAgencyFeedCut(event),
    );
    const deliveries: AgencyDelivery[] = [];
    let next = 0;
    for (const cut of cuts) {
      for (; next < batch.changes.length; next += 1) {
        const change = batch.changes[next];
        if (change === undefined || change.source.globalPosition > cut.globalPosition) break;
        this.deliver(change, view, deliveries);
      }
      const newView = viewOf(agencyFeedCutCodec.decode(cut, NO_PERSONAL_DATA));
      deliveries.push(...(await this.recut(cut, view, newView)));
      view = newView;
    }
    for (const change of batch.changes.slice(next)) this.deliver(change, view, deliveries);
    this.view = view;
    this.viewAt = events.at(-1)?.globalPosition;
    return deliveries;
  }

  /** The message (if any) of a full-feed change on this feed with `view`. */
  private deliver(
    sourced: SourcedChange,
    view: AgencyView | undefined,
    into: AgencyDelivery[],
  ): void {
    if (view === undefined) return;
    if ('erased' in sourced) {
      if (viewCovers(view, sourced.register)) {
        into.push({ source: sourced.source, erased: sourced.erased });
      }
      return;
    }
    const change = cutForAgency(sourced.change, view);
    if (change !== undefined) into.push({ source: sourced.source, change });
  }

  /**
   * The view in force just before `position`: the one the previous batch ended with when this
   * batch follows it, else the latest cut before `position` read from the log (first batch,
   * retry after a failure, new leader).
   */
  private async viewBefore(position: bigint): Promise<AgencyView | undefined> {
    if (this.viewAt === position - 1n) return this.view;
    const cuts = await this.store.readStream(this.cutStream);
    const latest = cuts
      .filter((event) => event.globalPosition !== null && event.globalPosition < position)
      .at(-1);
    return latest === undefined
      ? undefined
      : viewOf(agencyFeedCutCodec.decode(latest, NO_PERSONAL_DATA));
  }

  /**
   * The re-cut at `cut`: every record `next` covers as it stood at the cut's position, and a
   * tombstone for each record only `previous` covered.
   */
  private async recut(
    cut: PositionedEvent,
    previous: AgencyView | undefined,
    next: AgencyView,
  ): Promise<AgencyDelivery[]> {
    const streams = await streamsAt(this.store, cut.globalPosition);
    const deliveries: AgencyDelivery[] = [];
    for (let i = 0; i < streams.length; i += this.concurrency) {
      const records = await Promise.all(
        streams
          .slice(i, i + this.concurrency)
          .map(({ streamId, version }) => this.states.recordAt(streamId, version)),
      );
      for (const record of records) {
        // Erased at or before the cut: its tombstone went out with the erasure.
        if (record === undefined || 'erased' in record) continue;
        const { change } = record;
        if (viewCovers(next, change.register)) {
          const recut = recutChange(change, next);
          if (recut !== undefined) deliveries.push({ source: cut, change: recut });
        } else if (previous !== undefined && viewCovers(previous, change.register)) {
          deliveries.push({ source: cut, erased: change.recordId });
        }
      }
    }
    return deliveries;
  }
}
