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

/** The name of the agency feeds' relay: its checkpoint row and leader lock. */
export const AGENCY_FEEDS_RELAY = 'registry.agency-feeds';

/** One organisation's feed. */
export interface AgencyFeed {
  /** The organisation (its id in the legal-basis catalogue). */
  readonly organisationId: string;
  /** The feed topic; `registry.changes.<organisation id>.v1` by default. It must exist. */
  readonly topic?: string;
}

/**
 * A message of an agency feed, with its topic and the log event it comes from (its id goes in
 * the `event-id` header): a record cut to the agency's view, or a tombstone. A re-cut's
 * messages come from the cut event.
 */
export type AgencyDelivery =
  | { readonly topic: string; readonly source: PositionedEvent; readonly change: RecordChange }
  | { readonly topic: string; readonly source: PositionedEvent; readonly erased: string };

/** A Kafka record of an agency feed, with the topic it goes to. */
export interface AgencyFeedRecord {
  readonly topic: string;
  readonly message: OutboundMessage;
}

/** Configuration of an {@link AgencyFeedsPublisher}. */
export interface AgencyFeedsPublisherOptions extends Omit<
  OutboxRelaySettings<AgencyDelivery, AgencyFeedRecord>,
  'topic' | 'label' | 'lockNamespace' | 'operation' | 'publisher'
> {
  /** The organisations' feeds (the catalogue's `feeds`), at least one. */
  readonly feeds: readonly AgencyFeed[];
  /** The Kafka publisher; each feed's records go to its topic. */
  readonly publisher: FeedPublisher;
  /** Idle poll interval (ms); 250 by default. */
  readonly idlePollMs?: number;
  /** How many records' latest states are kept between batches; 10 000 by default. */
  readonly stateCacheSize?: number;
  /** How many record streams a re-cut folds at once; 32 by default. */
  readonly recutConcurrency?: number;
  /**
   * How many records go to Kafka per produce call, one call after the other; 500 by default.
   * A re-cut holds a message per covered record: sent in one call it would exceed the broker's
   * batch size limit (`message.max.bytes`) and stall the feed. A re-cut is sent a call at a
   * time as it is read, so that no more than this many of its records are held at once.
   */
  readonly publishChunkSize?: number;
  /** The registry's per-subject keys, which open persons' personal data. */
  readonly keyStore: SubjectKeyStore;
}

/** The Kafka record of a delivery: the cut record, or a tombstone. */
function messageOf(delivery: AgencyDelivery): OutboundMessage {
  return 'erased' in delivery
    ? toTombstone(delivery.erased, delivery.source.eventId)
    : toFeedMessage(delivery.change, delivery.source.eventId);
}

/**
 * `publisher` sending a topic's `messages` in consecutive calls of at most `size` records, each
 * awaited before the next (the order per key is kept). A failed call fails the whole batch,
 * which the relay retries from its checkpoint (the calls that went through are sent again, the
 * same bytes, which the contract allows).
 */
function inChunks(
  publisher: FeedPublisher,
  size: number,
): (topic: string, messages: readonly OutboundMessage[]) => Promise<void> {
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`publishChunkSize must be a positive integer, got ${size}`);
  }
  return async (topic, messages) => {
    for (let i = 0; i < messages.length; i += size) {
      await publisher.publish(topic, messages.slice(i, i + size));
    }
  };
}

/** The relay's publisher: each feed's records to its topic, in chunks, the topics side by side. */
function toFeedTopics(
  send: (topic: string, messages: readonly OutboundMessage[]) => Promise<void>,
): {
  publish: (relayName: string, records: readonly AgencyFeedRecord[]) => Promise<void>;
} {
  return {
    publish: async (_relayName, records) => {
      const byTopic = new Map<string, OutboundMessage[]>();
      for (const { topic, message } of records) {
        const messages = byTopic.get(topic);
        if (messages) messages.push(message);
        else byTopic.set(topic, [message]);
      }
      await Promise.all([...byTopic].map(([topic, messages]) => send(topic, messages)));
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
 * The publisher of the organisations' change feeds, `registry.changes.<organisation id>.v1`
 * (changes.proto, "AGENCY FEEDS"): the full feed's changes cut to each organisation's view
 * ({@link cutForAgency}), tombstones of erased records of the registers a view covers, and the
 * re-cuts the log records (`AgencyFeedCut`, stream `agency-feed-<organisation id>`).
 *
 * It is one `OutboxRelay` over the registry's log for all the feeds, like
 * `RecordChangePublisher` for the full feed, with its own checkpoint row and leader lock
 * ({@link AGENCY_FEEDS_RELAY}): each batch of the log is read and folded into records once,
 * then cut for every feed, whatever their number; each feed's records go to its topic. A feed
 * gets nothing before its organisation's first cut. When a batch reaches a cut event, that feed
 * is re-cut in the same batch, in this order: the batch's changes before the cut with the old
 * view, then every record the new view covers as it stood at the cut's position (kind RECUT,
 * changed_fields = the view's fields of its register) and a tombstone for each record only the
 * old view covered, then the batch's changes after the cut with the new view. A topic's
 * records are published in that order (in chunks, one after the other), so a record changed
 * after the cut arrives after its re-cut message: what comes up to the cut and the re-cut are
 * sent while the batch is mapped, a produce call at a time as the records are read, and the
 * rest with the batch.
 *
 * Each view in force is always derived from the log: at each batch from the latest cut event
 * before the batch, so a restart (or a retry from the checkpoint) computes the same messages.
 * A crash during a re-cut publishes it again in full, the same bytes: only the checkpoint says
 * what is done. A feed added to the catalogue later starts at its first cut, which re-cuts it
 * from the whole register. A re-cut costs one grouped scan of the log up to its position (the
 * record streams and their versions, held in memory) and one read of each record stream; it
 * holds at most a produce call's records at a time.
 */
export class AgencyFeedsPublisher extends OutboxRelay<AgencyDelivery, AgencyFeedRecord> {
  constructor({
    stateCacheSize,
    keyStore,
    feeds,
    recutConcurrency,
    publishChunkSize,
    publisher,
    ...options
  }: AgencyFeedsPublisherOptions) {
    if (feeds.length === 0) throw new RangeError('an agency feeds publisher needs a feed');
    const states = new RecordStates(options.store, keyStore, stateCacheSize);
    const chunk = publishChunkSize ?? 500;
    const send = inChunks(publisher, chunk);
    super({
      ...options,
      publisher: toFeedTopics(send),
      // Names the checkpoint, the leader lock and the relay's spans and metrics.
      topic: options.name ?? AGENCY_FEEDS_RELAY,
      // The feeds are not on anyone's request path: a change that reaches an agency a quarter
      // of a second later costs nothing, while waking on every append (as the events relay
      // must) would fold the same log once more for each request. It gathers the appends of
      // 200 ms into one batch, and polls every 250 ms when idle.
      idlePollMs: options.idlePollMs ?? 250,
      lingerMs: options.lingerMs ?? 200,
      label: 'agency feeds',
      lockNamespace: 'gov.registry.agency-feed',
      operation: 'agency-feed',
      mapping: new AgencyFeedsMapping(
        feeds.map(
          ({ organisationId, topic }) =>
            new AgencyFeedMapping(
              organisationId,
              topic ?? agencyFeedTopic(organisationId),
              options.store,
              states,
              { concurrency: recutConcurrency ?? 32, chunk, send },
            ),
        ),
        states,
      ).mapping(),
    });
  }
}

/** The mapping of an {@link AgencyFeedsPublisher}: one fold of each batch, cut for every feed. */
class AgencyFeedsMapping {
  constructor(
    private readonly feeds: readonly AgencyFeedMapping[],
    private readonly states: RecordStates,
  ) {}

  mapping(): RelayMapping<AgencyDelivery, AgencyFeedRecord> {
    return {
      // Upcast: the codecs decode the current payload schema.
      upcast: true,
      select: (events, warn) => this.select(events, warn),
      toRecord: (delivery) => ({ topic: delivery.topic, message: messageOf(delivery) }),
    };
  }

  private async select(
    events: readonly PositionedEvent[],
    warn: (message: string) => void,
  ): Promise<AgencyDelivery[]> {
    if (events.length === 0) return [];
    const batch = await this.states.changesOf(events);
    for (const { source, reason } of batch.skipped) {
      warn(`event ${source.eventId} skipped: ${reason}`);
    }
    const deliveries: AgencyDelivery[] = [];
    for (const feed of this.feeds) deliveries.push(...(await feed.select(events, batch.changes)));
    return deliveries;
  }
}

/** One organisation's feed in an {@link AgencyFeedsMapping}, with the view it is at between batches. */
class AgencyFeedMapping {
  private readonly cutStream: string;
  /** The view in force after position `viewAt`, if it is known (else read from the log). */
  private view: AgencyView | undefined;
  private viewAt: bigint | undefined;

  constructor(
    organisationId: string,
    private readonly topic: string,
    private readonly store: PostgresEventStore,
    private readonly states: RecordStates,
    private readonly recuts: {
      /** Record streams folded at once. */
      readonly concurrency: number;
      /** Records sent per produce call. */
      readonly chunk: number;
      /** Sends messages to a topic, in order. */
      readonly send: (topic: string, messages: readonly OutboundMessage[]) => Promise<void>;
    },
  ) {
    this.cutStream = streamIds.agencyFeed(organisationId);
  }

  /**
   * This feed's messages of a batch of the log whose changes are `changes`. When the batch holds
   * a cut of this feed, what comes up to the cut and the re-cut are sent here, in order, a
   * produce call at a time; what follows the last cut is returned for the relay to publish.
   */
  async select(
    events: readonly PositionedEvent[],
    changes: readonly SourcedChange[],
  ): Promise<AgencyDelivery[]> {
    const first = events[0];
    if (first === undefined) return [];
    let view = await this.viewBefore(first.globalPosition);
    const cuts = events.filter(
      (event) => event.streamId === this.cutStream && isAgencyFeedCut(event),
    );
    const deliveries: AgencyDelivery[] = [];
    let next = 0;
    for (const cut of cuts) {
      for (; next < changes.length; next += 1) {
        const change = changes[next];
        if (change === undefined || change.source.globalPosition > cut.globalPosition) break;
        this.deliver(change, view, deliveries);
      }
      const newView = viewOf(agencyFeedCutCodec.decode(cut, NO_PERSONAL_DATA));
      await this.send(deliveries.splice(0));
      await this.recut(cut, view, newView);
      view = newView;
    }
    for (const change of changes.slice(next)) this.deliver(change, view, deliveries);
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
        into.push({ topic: this.topic, source: sourced.source, erased: sourced.erased });
      }
      return;
    }
    const change = cutForAgency(sourced.change, view);
    if (change !== undefined) into.push({ topic: this.topic, source: sourced.source, change });
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

  private async send(deliveries: readonly AgencyDelivery[]): Promise<void> {
    await this.recuts.send(this.topic, deliveries.map(messageOf));
  }

  /**
   * Sends the re-cut at `cut`: every record `next` covers as it stood at the cut's position, and
   * a tombstone for each record only `previous` covered, a produce call at a time as the record
   * streams are read (memory bounded by the chunk, whatever the register's size).
   */
  private async recut(
    cut: PositionedEvent,
    previous: AgencyView | undefined,
    next: AgencyView,
  ): Promise<void> {
    const streams = await streamsAt(this.store, cut.globalPosition);
    const { concurrency, chunk } = this.recuts;
    const deliveries: AgencyDelivery[] = [];
    for (let i = 0; i < streams.length; i += concurrency) {
      if (deliveries.length >= chunk) await this.send(deliveries.splice(0));
      const records = await Promise.all(
        streams
          .slice(i, i + concurrency)
          .map(({ streamId, version }) => this.states.recordAt(streamId, version)),
      );
      for (const record of records) {
        // Erased at or before the cut: its tombstone went out with the erasure.
        if (record === undefined || 'erased' in record) continue;
        const { change } = record;
        if (viewCovers(next, change.register)) {
          const recut = recutChange(change, next);
          if (recut !== undefined)
            deliveries.push({ topic: this.topic, source: cut, change: recut });
        } else if (previous !== undefined && viewCovers(previous, change.register)) {
          deliveries.push({ topic: this.topic, source: cut, erased: change.recordId });
        }
      }
    }
    await this.send(deliveries);
  }
}
