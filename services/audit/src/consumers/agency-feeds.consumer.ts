import { randomBytes } from 'node:crypto';

import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';

import {
  InvalidSourceEventError,
  UndecodableFeedRecordError,
  encodeAccessRecorded,
  entriesFromFeedRecord,
  entryStreamId,
} from '@gov/audit-application';
import type { AccessEntry, FeedCatalogue } from '@gov/audit-application';
import {
  ConcurrencyError,
  PostgresEventStore,
  ReadOnlyStoreError,
  StoreUnavailableError,
} from '@gov/platform-event-sourcing';
import {
  ConsumerGroupFactory,
  DependencyUnavailableError,
  PermanentMessageError,
  joinWhenReady,
  retryThenDeadLetter,
} from '@gov/platform-messaging';
import type { ConsumerGroup, InboundMessage } from '@gov/platform-messaging';
import { SiteRole } from '@gov/platform-replication';

/** Injection token of the {@link AgencyFeedsOptions}. */
export const AGENCY_FEEDS = Symbol('AGENCY_FEEDS');

/** What the consumer of the agencies' feeds reads, and with what. */
export interface AgencyFeedsOptions {
  /** Each organisation with a feed and its topic; none: the consumer does nothing. */
  readonly feeds: readonly { readonly organisationId: string; readonly topic: string }[];
  readonly groupId: string;
  /** The legal bases the feeds' views name (their provisions and seals). */
  readonly catalogue: FeedCatalogue;
  /** Pause between two attempts to join while a topic is missing or not readable yet. */
  readonly joinRetryMs?: number;
}

const SALT_BYTES = 32;
const AUDIT_ACTOR = { kind: 'service', id: 'audit' } as const;
const TRACEPARENT_HEADER = 'traceparent';

/**
 * Records every record delivered on an agency's feed (`registry.changes.<org>.v1`) as an access
 * entry of that organisation in the log of each person it names (see `entriesFromFeedRecord`).
 *
 * The feeds are plain protobuf records, not platform envelopes, so this is a consumer group of
 * the messaging library rather than an `@EventPattern` of the kit's transport; it follows the
 * site's role as that transport does: it consumes only while the site is writable (its effect
 * is an append to the audit log, which a replica replays from the primary and a fenced site must
 * not extend), starts on promotion and stops when fenced.
 *
 * Exactly one entry per delivery without an inbox: the entry id is derived from what identifies
 * the message on its feed, so a redelivery, a re-published message or the same change published
 * again by a promoted embassy's registry finds its entry's stream taken and adds nothing. The
 * offset is committed only after the append (the group commits once the handler resolved). A
 * record that breaks the feed's contract goes to `<topic>.dlq` at once, with nothing appended.
 */
@Injectable()
export class AgencyFeedsConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('AgencyFeeds');
  private readonly organisationOf: ReadonlyMap<string, string>;
  private group: ConsumerGroup | undefined;
  private joining: Promise<void> = Promise.resolve();
  private stopped = false;
  private unsubscribe: (() => void) | undefined;
  /** Serialises starts and stops on role changes. */
  private roleChange: Promise<void> = Promise.resolve();

  constructor(
    private readonly groups: ConsumerGroupFactory,
    private readonly store: PostgresEventStore,
    private readonly site: SiteRole,
    @Inject(AGENCY_FEEDS) private readonly options: AgencyFeedsOptions,
  ) {
    this.organisationOf = new Map(options.feeds.map((feed) => [feed.topic, feed.organisationId]));
  }

  onApplicationBootstrap(): void {
    if (this.options.feeds.length === 0) return;
    if (this.site.writable) this.start();
    this.unsubscribe = this.site.onChange(() => {
      this.roleChange = this.roleChange.then(() => this.followRole());
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    await this.roleChange;
    await this.stop();
  }

  /** Whether the group is consuming or trying to join (not held by the site's role). */
  get active(): boolean {
    return this.group !== undefined;
  }

  private async followRole(): Promise<void> {
    if (this.stopped) return;
    if (this.site.writable && !this.group) {
      this.start();
    } else if (!this.site.writable && this.group) {
      await this.stop();
      this.logger.log('holding the agency feeds: the site is not writable');
    }
  }

  /** A fresh group each time: a stopped consumer group is not restarted. */
  private start(): void {
    const group = this.groups.create({
      groupId: this.options.groupId,
      topics: [...this.organisationOf.keys()],
      fromBeginning: true,
      onError: retryThenDeadLetter(),
      handler: (message) => this.record(message),
    });
    this.group = group;
    let reported = '';
    // In the background: a feed's topic may not exist yet (the registry creates it with its
    // first cut), and the service must start regardless.
    this.joining = joinWhenReady(group, {
      stopped: () => this.stopped || this.group !== group,
      ...(this.options.joinRetryMs === undefined ? {} : { retryMs: this.options.joinRetryMs }),
      onRetry: (error) => {
        const reason = error instanceof Error ? error.message : String(error);
        if (reason !== reported) {
          this.logger.warn(`cannot consume the agency feeds yet (retrying): ${reason}`);
        }
        reported = reason;
      },
    });
  }

  private async stop(): Promise<void> {
    const group = this.group;
    this.group = undefined;
    await this.joining;
    await group?.stop();
  }

  private async record(message: InboundMessage): Promise<void> {
    const organisationId = this.organisationOf.get(message.topic);
    if (organisationId === undefined) {
      throw new PermanentMessageError('invalid', `${message.topic} is no organisation's feed`);
    }
    let entries: AccessEntry[];
    try {
      entries = entriesFromFeedRecord(message, organisationId, this.options.catalogue, () =>
        randomBytes(SALT_BYTES),
      );
    } catch (error) {
      if (error instanceof InvalidSourceEventError) {
        // The feed broke its contract: no retry changes that; the dead letter keeps it.
        const reason = error instanceof UndecodableFeedRecordError ? 'undecodable' : 'invalid';
        throw new PermanentMessageError(reason, error.message, { cause: error });
      }
      throw error;
    }
    if (entries.length === 0) return;
    const streams = entries.map((entry) => ({ entry, stream: entryStreamId(entry.entryId) }));
    const traceparent = message.headers[TRACEPARENT_HEADER];
    try {
      const existing = await this.store.existingStreams(streams.map(({ stream }) => stream));
      // One append per entry: a crash between two leaves the offset uncommitted, and the
      // redelivery appends only what is missing.
      for (const { entry, stream } of streams) {
        if (existing.has(stream)) continue;
        await this.appendEntry(stream, entry, traceparent);
      }
    } catch (error) {
      if (error instanceof StoreUnavailableError) {
        throw new DependencyUnavailableError('postgres', error.message, { cause: error });
      }
      if (error instanceof ReadOnlyStoreError) {
        // Fenced or demoted while handling: the group is being stopped; never a dead letter.
        throw new DependencyUnavailableError('site', error.message, { cause: error });
      }
      throw error;
    }
  }

  private async appendEntry(
    stream: string,
    entry: AccessEntry,
    traceparent: string | undefined,
  ): Promise<void> {
    // Caused by the registry event the delivered record comes from (its `event-id` header).
    const { eventId } = entry.source;
    try {
      await this.store.append(stream, 0, [encodeAccessRecorded(entry, new Date())], {
        correlationId: eventId,
        causationId: eventId,
        ...(traceparent === undefined ? {} : { traceparent }),
        actor: AUDIT_ACTOR,
      });
    } catch (error) {
      // Appended since the check (a redelivery racing this one): the delivery is recorded.
      if (error instanceof ConcurrencyError) return;
      throw error;
    }
  }
}
