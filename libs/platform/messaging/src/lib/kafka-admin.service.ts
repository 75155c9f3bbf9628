import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { Admin } from 'kafkajs';

import { KafkaConnection } from './kafka-connection';
import { MessagingError, translateKafkaError } from './messaging-error';
import type { MessagingErrorContext } from './messaging-error';
import { withTimeout } from './with-timeout';

/** A topic as {@link KafkaAdmin.ensureTopics} declares it. */
export interface TopicSpec {
  readonly topic: string;
  /** Partition count. Fixed in practice: adding partitions moves keys to other partitions. */
  readonly numPartitions: number;
  /** Replication factor; the broker default (`default.replication.factor`) if omitted. */
  readonly replicationFactor?: number;
  /** Topic configuration, e.g. `{ 'retention.ms': '-1', 'min.insync.replicas': '2' }`. */
  readonly configs?: Readonly<Record<string, string>>;
}

/**
 * Topic administration and the Kafka readiness check. It is itself a readiness check
 * (`name: 'kafka'`, `check()`): it satisfies the chassis's `ReadinessCheck` by shape, so it can
 * be handed to the health module as is without messaging depending on the chassis.
 */
/** Whether `error`, or one it wraps, is kafkajs's "the broker closed the connection". */
function closedUnanswered(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth += 1) {
    if (current.name === 'KafkaJSConnectionClosedError') return true;
    current =
      (current as { cause?: unknown; originalError?: unknown }).originalError ?? current.cause;
  }
  return false;
}

/** How long `ensureTopics` waits for new topics to have leaders. */
const LEADER_WAIT_MS = 30_000;

@Injectable()
export class KafkaAdmin implements OnApplicationShutdown {
  /** The readiness check's name. */
  readonly name = 'kafka';

  private readonly logger = new Logger(KafkaAdmin.name);
  private readonly admin: Admin;
  /** Fails fast: a probe must answer within its timeout, not retry for half a minute. */
  private readonly probe: Admin;
  private used = false;

  constructor(private readonly connection: KafkaConnection) {
    this.admin = connection.kafka.admin();
    this.probe = connection.probe.admin();
  }

  /**
   * Creates the topics that do not exist yet and waits until they have leaders. Existing topics
   * are left as they are (a differing partition count is logged, not changed), so calling it at
   * every start is safe, also from several instances at once.
   *
   * @throws {@link MessagingError} `rejected` for an invalid spec or missing authorisation,
   *   `unavailable` / `timeout` if the cluster cannot be reached.
   */
  async ensureTopics(topics: readonly TopicSpec[]): Promise<void> {
    const context = {
      operation: 'admin.ensureTopics',
      topic: topics.map((t) => t.topic).join(','),
    };
    try {
      this.used = true;
      await this.admin.connect();
      const existing = new Set(await this.admin.listTopics());
      const missing = topics.filter(({ topic }) => !existing.has(topic));
      if (missing.length > 0) {
        // Resolves to false when another instance created them first, which is just as good.
        // Leaders are awaited below: the client's own wait gives up on the
        // UNKNOWN_TOPIC_OR_PARTITION a broker answers for a moment after creating a topic.
        await this.admin.createTopics({
          waitForLeaders: false,
          topics: missing.map((spec) => ({
            topic: spec.topic,
            numPartitions: spec.numPartitions,
            replicationFactor: spec.replicationFactor ?? -1,
            configEntries: Object.entries(spec.configs ?? {}).map(([name, value]) => ({
              name,
              value,
            })),
          })),
        });
        await this.awaitLeaders(missing.map((spec) => spec.topic));
      }
      await this.warnOnPartitionMismatch(topics.filter(({ topic }) => existing.has(topic)));
    } catch (error) {
      throw this.translate(error, context);
    }
  }

  /**
   * The names of the cluster's topics (internal ones included), sorted.
   *
   * @throws {@link MessagingError} `unavailable` / `timeout` if the cluster cannot be reached.
   */
  async listTopics(): Promise<string[]> {
    try {
      this.used = true;
      await this.admin.connect();
      return (await this.admin.listTopics()).sort();
    } catch (error) {
      throw this.translate(error, { operation: 'admin.listTopics' });
    }
  }

  /**
   * Readiness: asks the cluster to describe itself within `readinessTimeoutMs`.
   *
   * @throws {@link MessagingError} `unavailable` or `timeout` when Kafka cannot serve.
   */
  async check(): Promise<void> {
    const context = { operation: 'readiness' };
    const timeoutMs = this.connection.readinessTimeoutMs;
    try {
      this.used = true;
      await withTimeout(
        this.probe.connect().then(() => this.probe.describeCluster()),
        timeoutMs,
        () => new MessagingError('timeout', `readiness: no answer within ${timeoutMs} ms`, context),
      );
    } catch (error) {
      throw this.translate(error, context);
    }
  }

  /**
   * {@link translateKafkaError}, except for a client without credentials whose connection the
   * broker closed: a SASL listener answers ApiVersions, then hangs up on the first other
   * request of a client that did not authenticate. Say so, instead of a bare "Closed
   * connection" that reads like an outage.
   */
  private translate(error: unknown, context: MessagingErrorContext): MessagingError {
    if (!this.connection.authenticates && closedUnanswered(error)) {
      return new MessagingError(
        'rejected',
        `${context.operation ?? 'kafka'}: SASL authentication required: the broker closed the connection ` +
          'of this client, which has no credentials (set KAFKA_SASL_PASSWORD)',
        context,
      );
    }
    return translateKafkaError(error, context);
  }

  /** Closes the admin connections on shutdown. */
  async onApplicationShutdown(): Promise<void> {
    if (this.used) {
      await Promise.all([this.admin.disconnect(), this.probe.disconnect()]);
    }
  }

  /**
   * Waits until every partition of `topics` has a leader, treating "unknown topic" and "no
   * leader" as not yet (both are what a broker says for a moment after creating a topic).
   */
  private async awaitLeaders(topics: readonly string[]): Promise<void> {
    const deadline = Date.now() + LEADER_WAIT_MS;
    for (;;) {
      try {
        const metadata = await this.admin.fetchTopicMetadata({ topics: [...topics] });
        const ready = topics.every((name) => {
          const partitions = metadata.topics.find((t) => t.name === name)?.partitions ?? [];
          return partitions.length > 0 && partitions.every((p) => p.leader >= 0);
        });
        if (ready) return;
      } catch (error) {
        const type = (error as { type?: unknown }).type;
        if (type !== 'UNKNOWN_TOPIC_OR_PARTITION' && type !== 'LEADER_NOT_AVAILABLE') throw error;
        if (Date.now() > deadline) throw error;
      }
      if (Date.now() > deadline) {
        throw new MessagingError(
          'timeout',
          `admin.ensureTopics: no leaders for ${topics.join(', ')} after ${LEADER_WAIT_MS} ms`,
          { operation: 'admin.ensureTopics', topic: topics.join(',') },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private async warnOnPartitionMismatch(specs: readonly TopicSpec[]): Promise<void> {
    if (specs.length === 0) {
      return;
    }
    const { topics } = await this.admin.fetchTopicMetadata({ topics: specs.map((s) => s.topic) });
    for (const spec of specs) {
      const actual = topics.find((t) => t.name === spec.topic)?.partitions.length;
      if (actual !== undefined && actual !== spec.numPartitions) {
        this.logger.warn(
          `Topic ${spec.topic} has ${String(actual)} partitions, declared ${String(spec.numPartitions)}; left unchanged`,
        );
      }
    }
  }
}
