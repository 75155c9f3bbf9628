/** A message as a consumer group hands it to its handler. */
export interface InboundMessage {
  readonly topic: string;
  readonly partition: number;
  /** Offset within the partition, as a decimal string (offsets are 64-bit). */
  readonly offset: string;
  /** The partitioning key, UTF-8 decoded; `null` for messages published without one. */
  readonly key: string | null;
  /** The payload; a tombstone (null value) arrives as an empty buffer. */
  readonly value: Buffer;
  /** Headers, UTF-8 decoded; of a header repeated under one name, the last one wins. */
  readonly headers: Readonly<Record<string, string>>;
  /** The record's timestamp (producer create time unless the topic says log-append time). */
  readonly timestamp: Date;
}

/**
 * Handles one message. Resolving means "done": the offset may be committed. Rejecting hands the
 * error to the group's {@link HandlerErrorPolicy}; the offset is not committed.
 */
export type MessageHandler = (message: InboundMessage) => Promise<void>;

/**
 * Handles consecutive messages of one partition at once (in offset order). Resolving means all
 * of them are done. Rejecting changes nothing for the group: the same messages then go one by
 * one through the {@link MessageHandler} and its error policy, so one bad message is retried or
 * dead-lettered on its own and the good ones around it are handled. A batch handler must
 * therefore be all-or-nothing (one transaction) and agree with the message handler.
 */
export type BatchHandler = (messages: readonly InboundMessage[], info: BatchInfo) => Promise<void>;

/** Where a fetched batch stands in its partition. */
export interface BatchInfo {
  /** Records in the partition after this batch (high watermark minus next offset): 0 is live. */
  readonly offsetLag: bigint;
}

/** A handler failure, as the {@link HandlerErrorPolicy} sees it. */
export interface HandlerFailure {
  readonly error: unknown;
  readonly message: InboundMessage;
  /**
   * How many times in a row the handler has now failed on this message in this consumer
   * (1 on the first failure). Starts again at 1 after a restart or a rebalance moved the
   * partition.
   */
  readonly attempt: number;
}

/**
 * What to do after a handler failure. In every case the failed message's offset is not committed
 * and no later message of its partition is handled before it.
 *
 * - `retry`: hand the same message to the handler again after `afterMs` (its partition is paused
 *   meanwhile; other partitions go on).
 * - `pause-partition`: stop handling this partition until the consumer is restarted (for a
 *   failure that needs an operator).
 * - `dead-letter`: copy the message to `<topic>.dlq` with headers saying why (see
 *   {@link DEAD_LETTER_HEADERS}), then commit its offset and go on with the next message. If the
 *   dead-letter topic cannot be written, the message is retried instead: it is never dropped.
 */
export type FailureDecision =
  | { readonly action: 'retry'; readonly afterMs: number }
  | { readonly action: 'pause-partition' }
  | { readonly action: 'dead-letter'; readonly reason: string };

/** Decides what happens after a handler failure; also the place to log or count it. */
export type HandlerErrorPolicy = (
  failure: HandlerFailure,
) => FailureDecision | Promise<FailureDecision>;

/** Configuration of one consumer group member. */
export interface ConsumerGroupOptions {
  /** The consumer group; members with the same id share the partitions and the offsets. */
  readonly groupId: string;
  /** The topics to consume; they must exist. */
  readonly topics: readonly string[];
  /**
   * Where a group without committed offsets starts: the oldest retained message (`true`) or
   * only messages published from now on (`false`, the default).
   */
  readonly fromBeginning?: boolean;
  /** Handles each message; messages of one partition strictly one after the other. */
  readonly handler: MessageHandler;
  /**
   * Optional fast path for high-volume consumers (replay): each fetched batch of a partition
   * goes to this handler at once, and only a failed batch falls back to `handler`, message by
   * message.
   */
  readonly batchHandler?: BatchHandler;
  /**
   * Decides what happens when the handler fails. The default logs the failure and retries the
   * message with exponential backoff (100 ms doubling up to 30 s), forever.
   */
  readonly onError?: HandlerErrorPolicy;
  /**
   * Most bytes fetched per partition at once (1 MiB by default): with a `batchHandler`, larger
   * fetches make larger batches, for a replay that pays a fixed cost per batch.
   */
  readonly maxBytesPerPartition?: number;
  /**
   * How many partitions are handled concurrently; 1 by default. Order within a partition is
   * kept whatever the value.
   */
  readonly partitionsConsumedConcurrently?: number;
}

/**
 * One member of a consumer group. Delivery is at least once: an offset is committed only after
 * the handler resolved for that message and for every earlier message of its partition, so after
 * a crash or rebalance the handler may see a message again, but never misses one.
 */
export interface ConsumerGroup {
  readonly groupId: string;
  /**
   * Connects, joins the group and starts handling messages. Resolves once the member has joined
   * (partitions are assigned).
   *
   * @throws {@link MessagingError} if the group could not be joined; nothing is left running.
   */
  start(): Promise<void>;
  /**
   * Stops gracefully: no further fetching, the message being handled is finished, the offsets of
   * every handled message are committed, the member leaves the group and disconnects. Safe to
   * call more than once and on a group that never started.
   */
  stop(): Promise<void>;
}
