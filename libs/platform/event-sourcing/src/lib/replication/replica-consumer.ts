import { replicaAppliedPosition } from '@gov/platform-observability';
import { retryThenDeadLetter } from '@gov/platform-messaging';
import type {
  ConsumerGroup,
  ConsumerGroupFactory,
  InboundMessage,
  RetryThenDeadLetterOptions,
} from '@gov/platform-messaging';

import { asDependencyFailure } from '../inbox/dependency-failure';
import { decodeRecord } from '../inbox/envelope-consumer';
import type { PositionedEvent } from '../event-store/event-store';
import type { PostgresEventStore } from '../postgres/postgres-event-store';
import { readEventEnvelope } from './envelope-reader';
import { ReplayBacklog } from './replay-backlog';
import { ReplicaApplier } from './replica-applier';
import type { HaltedStream, ReplicaApplyResult, ReplicaProgress } from './replica-applier';

/** A record of a mirrored topic that the replica could not apply and dead-lettered. */
export interface ReplicaDeadLetter {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly reason: string;
  readonly error: string;
  readonly at: Date;
}

/** Hooks for logging and metrics. */
export interface ReplicaEvents {
  /** After every applied batch. */
  applied?(result: ReplicaApplyResult): void;
  /** A stream stopped: its replicated history broke. */
  halted?(stream: HaltedStream): void;
  /** A record went to the dead-letter topic. */
  deadLettered?(record: ReplicaDeadLetter): void;
}

/** Options of a {@link ReplicaConsumer}. */
export interface ReplicaConsumerOptions {
  readonly store: PostgresEventStore;
  readonly groups: ConsumerGroupFactory;
  /** The mirrored topics, e.g. `primary.registry.events.v1`. */
  readonly topics: readonly string[];
  /** The consumer group on the replica's cluster, e.g. `registry.replica`. */
  readonly groupId: string;
  readonly retry?: RetryThenDeadLetterOptions;
  readonly events?: ReplicaEvents;
  /**
   * Most bytes fetched per partition at once (4 MiB by default: large batches, one
   * transaction each, for a fast replay).
   */
  readonly maxBytesPerPartition?: number;
  /** Where the consumer reports how far behind its topics it is (one of its own by default). */
  readonly backlog?: ReplayBacklog;
}

/** The replica's state for status pages and metrics. */
export interface ReplicaStatus extends ReplicaProgress {
  readonly running: boolean;
  /** Events stored since this process started. */
  readonly appliedSinceStart: number;
  /**
   * When the first batch that stored events since the start arrived, and when the latest one
   * was stored: the replay's rate is `appliedSinceStart` over their distance. `null` before.
   */
  readonly replayWindow: { readonly from: Date; readonly to: Date } | null;
  /** Records behind the end of the mirrored topics, as the latest batches reported. */
  readonly backlog: bigint;
  readonly deadLetters: readonly ReplicaDeadLetter[];
}

/** Dead letters kept for the status (the topic keeps them all). */
const KEPT_DEAD_LETTERS = 100;

/**
 * Rebuilds a service's event store on the embassy from its mirrored event topics: a consumer
 * group over the topics (on the embassy's own cluster) whose batches go to a
 * {@link ReplicaApplier} in one transaction each.
 *
 * Progress is the store's own: the consumer group's offsets only say where to fetch next. A
 * crash between a committed batch and its offset commit redelivers the batch, which the applier
 * recognises event by event (same id at the same stream version) and skips; a group started
 * from scratch (new offsets, a re-created topic) simply re-reads and skips what is stored. A
 * record that does not decode or breaks the envelope contract goes to `<topic>.dlq` at once and
 * is reported ({@link ReplicaStatus.deadLetters}). A database that is down (refused, terminated,
 * shutting down) never dead-letters anything: the records wait at the head of their partitions,
 * retried with a bounded backoff until the database is back (the outage is logged once), since
 * a dead-lettered valid event would leave a gap that halts its stream. Other failures are
 * retried, then dead-lettered, like any consumer of the platform.
 */
export class ReplicaConsumer {
  readonly applier: ReplicaApplier;
  private readonly backlog: ReplayBacklog;
  private readonly group: ConsumerGroup;
  private running = false;
  private appliedSinceStart = 0;
  private replayWindow: { from: Date; to: Date } | null = null;
  private readonly deadLetters: ReplicaDeadLetter[] = [];

  constructor(private readonly options: ReplicaConsumerOptions) {
    this.applier = new ReplicaApplier(options.store);
    this.backlog = options.backlog ?? new ReplayBacklog();
    const policy = retryThenDeadLetter({
      ...options.retry,
      onFailure: (failure, decision) => {
        options.retry?.onFailure?.(failure, decision);
        if (decision.action !== 'dead-letter') return;
        const { message, error } = failure;
        const record: ReplicaDeadLetter = {
          topic: message.topic,
          partition: message.partition,
          offset: message.offset,
          reason: decision.reason,
          error: error instanceof Error ? error.message : String(error),
          at: new Date(),
        };
        this.deadLetters.push(record);
        if (this.deadLetters.length > KEPT_DEAD_LETTERS) this.deadLetters.shift();
        options.events?.deadLettered?.(record);
      },
    });
    this.group = options.groups.create({
      groupId: options.groupId,
      topics: options.topics,
      fromBeginning: true,
      onError: policy,
      // Batches of different partitions (different streams) are decoded, checked and stored
      // side by side; the applier serialises only the move of the head.
      partitionsConsumedConcurrently: 3,
      // Larger batches: each pays two transactions and a durable commit whatever its size.
      maxBytesPerPartition: options.maxBytesPerPartition ?? 4 * 1024 * 1024,
      // Fast path: a fetched batch in one transaction. A batch with a record that does not
      // decode fails as a whole and goes through `handler`, which dead-letters that record.
      batchHandler: async (messages, info) => {
        await this.applyAll(messages.map((message) => decodeRecord(message, readEventEnvelope)));
        const first = messages[0];
        if (first) this.backlog.report(first.topic, first.partition, info.offsetLag);
      },
      handler: async (message: InboundMessage) => {
        await this.applyAll([decodeRecord(message, readEventEnvelope)]);
      },
    });
  }

  /** Joins the group and starts applying. */
  async start(): Promise<void> {
    await this.group.start();
    this.running = true;
  }

  /** Stops after the batch in progress; its offsets are committed. */
  async stop(): Promise<void> {
    this.running = false;
    await this.group.stop();
    this.backlog.clear();
  }

  async status(): Promise<ReplicaStatus> {
    return {
      ...(await this.applier.progress()),
      running: this.running,
      appliedSinceStart: this.appliedSinceStart,
      replayWindow: this.replayWindow && { ...this.replayWindow },
      backlog: this.backlog.records,
      deadLetters: [...this.deadLetters],
    };
  }

  private async applyAll(events: readonly PositionedEvent[]): Promise<void> {
    if (events.length === 0) return;
    const arrived = new Date();
    let result: ReplicaApplyResult;
    try {
      result = await this.applier.apply(events);
    } catch (error) {
      throw asDependencyFailure(error);
    }
    replicaAppliedPosition.set({ schema: this.options.store.schema }, Number(result.head));
    this.appliedSinceStart += result.applied;
    if (result.applied > 0) {
      this.replayWindow = { from: this.replayWindow?.from ?? arrived, to: new Date() };
    }
    for (const stream of result.halted) this.options.events?.halted?.(stream);
    this.options.events?.applied?.(result);
  }
}
