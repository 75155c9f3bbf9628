import { Logger } from '@nestjs/common';
import type { Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';

import type {
  ConsumerGroup,
  ConsumerGroupOptions,
  FailureDecision,
  HandlerErrorPolicy,
  HandlerFailure,
  InboundMessage,
} from './consumer-group';
import { DEAD_LETTER_HEADERS, DEAD_LETTER_SUFFIX, isDependencyUnavailable } from './dead-letter';
import type { OutboundMessage } from './event-publisher.service';
import { MessagingError, translateKafkaError } from './messaging-error';

/** Where dead-lettered messages go; the factory backs it with the shared publisher and admin. */
export interface DeadLetterSink {
  /** Creates the dead-letter topics if they do not exist. */
  ensureTopics(topics: readonly string[]): Promise<void>;
  publish(topic: string, message: OutboundMessage): Promise<void>;
}

/** Where a consumer group member reports what metrics count; the factory backs it. */
export interface ConsumerObserver {
  /** A batch of `topic`/`partition` was fetched; `offsetLag` records remain after it. */
  fetched(topic: string, partition: number, offsetLag: bigint): void;
  /** A failed message of `topic` will be handled again. */
  retried(topic: string): void;
  /** A message of `topic` is now on its dead-letter topic. */
  deadLettered(topic: string): void;
}

/** How long to wait before trying again when the dead-letter topic could not be written. */
const DEAD_LETTER_RETRY_MS = 1_000;
/** Error texts in headers are cut to this many characters. */
const MAX_ERROR_HEADER_LENGTH = 1_000;

/** How long `start` waits for the client's own restart after a retriable failure to join. */
const RESTARTED_JOIN_TIMEOUT_MS = 30_000;
/** Longest wait between two attempts of the default error policy. */
const MAX_RETRY_DELAY_MS = 30_000;

/**
 * A consumer group member on the Kafka client.
 *
 * Offsets: `eachBatchAutoResolve` is off, so an offset is resolved only after the handler
 * resolved for it, and `autoCommit` is on, so the client commits what is resolved after every
 * batch, every 5 s within a long batch, before a rebalance and when stopping. Resolved is
 * therefore committed, and nothing unresolved ever is. A failed message is simply not resolved:
 * the next fetch of its partition starts at it again.
 */
export class KafkaConsumerGroup implements ConsumerGroup {
  readonly groupId: string;

  private readonly logger: Logger;
  private readonly onError: HandlerErrorPolicy;
  private consumer: Consumer | undefined;
  private starting: Promise<void> | undefined;
  private stopping = false;
  /** Consecutive failures of the message at the head of each partition. */
  private readonly failures = new Map<string, { offset: string; count: number }>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  /** Since when a dependency of the handler is down, and how often it failed since. */
  private outage: { since: number; failures: number } | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: ConsumerGroupOptions,
    private readonly deadLetters: DeadLetterSink,
    private readonly observer?: ConsumerObserver,
  ) {
    this.groupId = options.groupId;
    this.logger = new Logger(`ConsumerGroup ${options.groupId}`);
    this.onError = options.onError ?? ((failure) => this.defaultPolicy(failure));
  }

  start(): Promise<void> {
    if (this.consumer) {
      return Promise.reject(
        new MessagingError('rejected', 'consumer.start: the consumer group is already started', {
          operation: 'consumer.start',
        }),
      );
    }
    this.stopping = false;
    this.starting = this.connectAndRun();
    return this.starting;
  }

  async stop(): Promise<void> {
    // Checked before every message, so the handler is not called again from here on.
    this.stopping = true;
    await this.starting?.catch(() => undefined);
    await this.shutDown();
  }

  private async connectAndRun(): Promise<void> {
    const context = { operation: 'consumer.start', topic: this.options.topics.join(',') };
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      allowAutoTopicCreation: false,
      // Like the Java client's fetch.max.wait.ms: bounds how long a stop waits for an idle fetch.
      maxWaitTimeInMs: 500,
      // read_committed, said out loud: MirrorMaker 2 writes the mirrored topics in transactions
      // (exactly-once), and an aborted transaction's records must never be applied.
      readUncommitted: false,
      ...(this.options.maxBytesPerPartition === undefined
        ? {}
        : {
            maxBytesPerPartition: this.options.maxBytesPerPartition,
            maxBytes: Math.max(10 * 1024 * 1024, 4 * this.options.maxBytesPerPartition),
          }),
    });
    this.consumer = consumer;

    // Written by the client's event callbacks while `run` is pending.
    const progress: { joined: boolean; restarting: boolean; crash?: Error } = {
      joined: false,
      restarting: false,
    };
    let onJoin: () => void = () => undefined;
    const joined = new Promise<void>((resolve) => {
      onJoin = resolve;
    });
    consumer.on(consumer.events.GROUP_JOIN, () => {
      progress.joined = true;
      // Partitions may have moved; attempt counts are per ownership.
      this.failures.clear();
      onJoin();
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      progress.crash = payload.error;
      progress.restarting = payload.restart;
      if (progress.joined) {
        this.logger.error(
          `Consumer crashed (${payload.restart ? 'the client restarts it' : 'not restarting'})`,
          payload.error.stack,
        );
      }
    });

    try {
      await this.deadLetters.ensureTopics(
        this.options.topics.map((topic) => `${topic}${DEAD_LETTER_SUFFIX}`),
      );
      await consumer.connect();
      await consumer.subscribe({
        topics: [...this.options.topics],
        fromBeginning: this.options.fromBeginning ?? false,
      });
      await consumer.run({
        autoCommit: true,
        autoCommitInterval: 5_000,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 1,
        eachBatch: (payload) => this.handleBatch(payload),
      });
    } catch (error) {
      await this.shutDown();
      throw translateKafkaError(error, context);
    }
    // `run` returns after the first join, or after a failed join was reported as a crash. A
    // retriable failure (a coordinator still loading on a broker that just started) makes the
    // client restart by itself: wait, bounded, for that join instead of giving up.
    if (!progress.joined && progress.restarting) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        joined,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, RESTARTED_JOIN_TIMEOUT_MS);
        }),
      ]);
      clearTimeout(timer);
    }
    if (!progress.joined) {
      await this.shutDown();
      throw progress.crash === undefined
        ? new MessagingError('unknown', 'consumer.start: did not join the group', context)
        : translateKafkaError(progress.crash, context);
    }
  }

  private async shutDown(): Promise<void> {
    for (const timer of this.retryTimers) {
      clearTimeout(timer);
    }
    this.retryTimers.clear();
    const consumer = this.consumer;
    this.consumer = undefined;
    this.starting = undefined;
    if (consumer) {
      // Stops fetching, waits for the batch in progress (which ends after its current message),
      // commits the resolved offsets, leaves the group and closes the connections.
      await consumer.disconnect();
    }
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    this.observer?.fetched(batch.topic, batch.partition, BigInt(batch.offsetLag()));
    const pause = () => payload.pause();
    if ((await this.handleWhole(payload, pause)) !== 'one-by-one') {
      return;
    }
    for (const raw of batch.messages) {
      if (this.stopping || !payload.isRunning() || payload.isStale()) {
        return;
      }
      const message = toInboundMessage(batch.topic, batch.partition, raw);
      if (!(await this.handleMessage(message, pause))) {
        // Later messages of this partition wait for the failed one.
        return;
      }
      payload.resolveOffset(raw.offset);
      await payload.commitOffsetsIfNecessary();
      await payload.heartbeat();
    }
  }

  /**
   * The batch handler's fast path: the whole fetched batch at once.
   *
   * @returns `done` when the batch is; `one-by-one` sends it through the message handler;
   *   `waiting` when a dependency is down: the partition waits as the policy decided for the
   *   batch's first message (going one by one would only fail once per message).
   */
  private async handleWhole(
    payload: EachBatchPayload,
    pause: () => () => void,
  ): Promise<'done' | 'one-by-one' | 'waiting'> {
    const { batch } = payload;
    const last = batch.messages.at(-1);
    if (!this.options.batchHandler || !last || this.stopping || !payload.isRunning()) {
      return 'one-by-one';
    }
    const messages = batch.messages.map((raw) =>
      toInboundMessage(batch.topic, batch.partition, raw),
    );
    const first = messages[0];
    try {
      await this.options.batchHandler(messages, { offsetLag: BigInt(batch.offsetLag()) });
    } catch (error) {
      if (first && isDependencyUnavailable(error)) {
        const decision = await this.decide({
          error,
          message: first,
          attempt: this.countFailure(first),
        });
        // A policy that dead-letters even then decides message by message.
        if (decision.action !== 'dead-letter') {
          this.noteOutage(error);
          this.apply(decision, pause);
          return 'waiting';
        }
      }
      this.logger.warn(
        `Batch of ${String(messages.length)} from ${batch.topic}/${String(batch.partition)}@${messages[0]?.offset ?? '?'} failed; handling it message by message: ${error instanceof Error ? error.message : String(error)}`,
      );
      return 'one-by-one';
    }
    this.failures.delete(`${batch.topic}\u0000${String(batch.partition)}`);
    this.endOutage();
    payload.resolveOffset(last.offset);
    await payload.commitOffsetsIfNecessary();
    await payload.heartbeat();
    return 'done';
  }

  /** Counts a failure of `message`, the head of its partition. @returns the attempt number. */
  private countFailure(message: InboundMessage): number {
    const key = `${message.topic}\u0000${String(message.partition)}`;
    const previous = this.failures.get(key);
    const attempt = previous?.offset === message.offset ? previous.count + 1 : 1;
    this.failures.set(key, { offset: message.offset, count: attempt });
    return attempt;
  }

  /** Logs an outage once, when it starts; every retry of every partition during it is quiet. */
  private noteOutage(error: unknown): void {
    if (this.outage) {
      this.outage.failures += 1;
      return;
    }
    this.outage = { since: Date.now(), failures: 1 };
    this.logger.warn(
      `A dependency of the handler is unavailable; messages wait at the head of their partitions and are retried until it is back: ${error instanceof Error ? error.message : String(error)}`,
    );
  }

  private endOutage(): void {
    if (!this.outage) return;
    const { since, failures } = this.outage;
    this.outage = undefined;
    this.logger.log(
      `Dependency available again after ${String(Math.round((Date.now() - since) / 1000))} s (${String(failures)} failed attempts); resuming`,
    );
  }

  /** @returns whether the message is done (its offset may be committed). */
  private async handleMessage(message: InboundMessage, pause: () => () => void): Promise<boolean> {
    const key = `${message.topic}\u0000${String(message.partition)}`;
    try {
      await this.options.handler(message);
      this.failures.delete(key);
      this.endOutage();
      return true;
    } catch (error) {
      const attempt = this.countFailure(message);
      const decision = await this.decide({ error, message, attempt });
      if (decision.action !== 'dead-letter' && isDependencyUnavailable(error)) {
        this.noteOutage(error);
      }
      if (decision.action === 'dead-letter') {
        if (await this.deadLetter(message, error, attempt, decision.reason)) {
          this.failures.delete(key);
          return true;
        }
        this.observer?.retried(message.topic);
        this.apply({ action: 'retry', afterMs: DEAD_LETTER_RETRY_MS }, pause);
        return false;
      }
      if (decision.action === 'retry') this.observer?.retried(message.topic);
      this.apply(decision, pause);
      return false;
    }
  }

  /** @returns whether the message is now safely on the dead-letter topic. */
  private async deadLetter(
    message: InboundMessage,
    error: unknown,
    attempts: number,
    reason: string,
  ): Promise<boolean> {
    const topic = `${message.topic}${DEAD_LETTER_SUFFIX}`;
    const errorText = (
      error instanceof Error ? `${error.name}: ${error.message}` : String(error)
    ).slice(0, MAX_ERROR_HEADER_LENGTH);
    try {
      await this.deadLetters.publish(topic, {
        key: message.key ?? `${message.topic}/${String(message.partition)}@${message.offset}`,
        value: message.value,
        headers: {
          ...message.headers,
          [DEAD_LETTER_HEADERS.reason]: reason,
          [DEAD_LETTER_HEADERS.error]: errorText,
          [DEAD_LETTER_HEADERS.sourceTopic]: message.topic,
          [DEAD_LETTER_HEADERS.sourcePartition]: String(message.partition),
          [DEAD_LETTER_HEADERS.sourceOffset]: message.offset,
          [DEAD_LETTER_HEADERS.consumerGroup]: this.groupId,
          [DEAD_LETTER_HEADERS.attempts]: String(attempts),
          [DEAD_LETTER_HEADERS.failedAt]: new Date().toISOString(),
        },
      });
      this.observer?.deadLettered(message.topic);
      this.logger.warn(
        `Dead-lettered ${message.topic}/${String(message.partition)}@${message.offset} ` +
          `to ${topic} after ${String(attempts)} attempt(s): ${reason}: ${errorText}`,
      );
      return true;
    } catch (publishError) {
      this.logger.error(
        `Could not write ${message.topic}/${String(message.partition)}@${message.offset} to ${topic}; ` +
          'the message stays at the head of its partition',
        publishError instanceof Error ? publishError.stack : String(publishError),
      );
      return false;
    }
  }

  private async decide(failure: HandlerFailure): Promise<FailureDecision> {
    try {
      return await this.onError(failure);
    } catch (policyError) {
      this.logger.error('The error policy itself failed; retrying the message', policyError);
      return this.defaultPolicy(failure);
    }
  }

  private apply(decision: FailureDecision, pause: () => () => void): void {
    switch (decision.action) {
      case 'retry': {
        if (decision.afterMs <= 0) {
          return;
        }
        const resume = pause();
        const timer = setTimeout(() => {
          this.retryTimers.delete(timer);
          resume();
        }, decision.afterMs);
        this.retryTimers.add(timer);
        return;
      }
      case 'pause-partition':
        pause();
        return;
      case 'dead-letter':
        // Handled by handleMessage before a decision gets here.
        return;
      default: {
        const unknown: never = decision;
        throw new Error(`Unknown failure decision ${JSON.stringify(unknown)}`);
      }
    }
  }

  private defaultPolicy({ error, message, attempt }: HandlerFailure): FailureDecision {
    const afterMs = Math.min(100 * 2 ** (attempt - 1), MAX_RETRY_DELAY_MS);
    // An outage is logged once by noteOutage, not on every retry.
    if (isDependencyUnavailable(error)) return { action: 'retry', afterMs };
    this.logger.error(
      `Handler failed on ${message.topic}/${String(message.partition)}@${message.offset} ` +
        `(attempt ${String(attempt)}); retrying in ${String(afterMs)} ms`,
      error instanceof Error ? error.stack : String(error),
    );
    return { action: 'retry', afterMs };
  }
}

function toInboundMessage(topic: string, partition: number, raw: KafkaMessage): InboundMessage {
  return {
    topic,
    partition,
    offset: raw.offset,
    key: raw.key === null ? null : raw.key.toString('utf8'),
    value: raw.value ?? Buffer.alloc(0),
    headers: decodeHeaders(raw.headers),
    timestamp: new Date(Number(raw.timestamp)),
  };
}

function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    const value = Array.isArray(raw) ? raw.at(-1) : raw;
    if (value !== undefined) {
      decoded[name] = typeof value === 'string' ? value : value.toString('utf8');
    }
  }
  return decoded;
}
