import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Partitioners } from 'kafkajs';
import type { Message, Producer } from 'kafkajs';

import { KafkaConnection } from './kafka-connection';
import { MessagingError, translateKafkaError } from './messaging-error';
import { withTimeout } from './with-timeout';

/** A message to publish. */
export interface OutboundMessage {
  /**
   * Partitioning key. Messages with the same key land on the same partition (with the same
   * murmur2 hash as the Java client) and are read back in the order they were published.
   */
  readonly key: string;
  /**
   * Serialized payload (protobuf bytes in this platform), or `null` for a tombstone: on a
   * compacted topic it deletes the key's earlier records once the log cleaner has run.
   */
  readonly value: Buffer | Uint8Array | null;
  /** Metadata such as content type, schema and trace ids. */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Publishes messages through one idempotent producer shared by the whole application.
 *
 * Delivery: `publish` resolves once all in-sync replicas acknowledged the messages (acks=all).
 * Within one `publish` call, and across calls awaited one after the other, messages with the same
 * key keep their order; the idempotent producer stops broker-side retries from duplicating or
 * reordering them. Concurrent `publish` calls have no order relative to each other.
 */
@Injectable()
export class EventPublisher implements OnApplicationShutdown {
  private readonly producer: Producer;
  private connecting: Promise<void> | undefined;

  constructor(private readonly connection: KafkaConnection) {
    this.producer = connection.kafka.producer({
      idempotent: true,
      // The Kafka client keeps one sequence number per partition and only guarantees
      // exactly-once, in-order writes with a single request in flight.
      maxInFlightRequests: 1,
      // Same partition for a key as Java and librdkafka producers (murmur2).
      createPartitioner: Partitioners.DefaultPartitioner,
      // Topics are declared with KafkaAdmin.ensureTopics; a misspelt topic must not be created
      // with broker defaults (one partition) behind our back.
      allowAutoTopicCreation: false,
    });
  }

  /**
   * Publishes `messages` to `topic` and waits until they are durably written.
   *
   * @param topic - The topic, which must already exist.
   * @param messages - The messages, in the order they should be read per key.
   * @throws {@link MessagingError} `unavailable` if the cluster cannot be reached, `timeout` if
   *   the acknowledgement did not arrive within `publishTimeoutMs` (the messages may still be
   *   written), `rejected` if the brokers refused them.
   */
  async publish(topic: string, messages: readonly OutboundMessage[]): Promise<void> {
    if (messages.length === 0) {
      return;
    }
    const context = { operation: 'publish', topic };
    try {
      await withTimeout(
        this.connect().then(() =>
          this.producer.send({ topic, acks: -1, messages: messages.map(toKafkaMessage) }),
        ),
        this.connection.publishTimeoutMs,
        () =>
          new MessagingError(
            'timeout',
            `publish: no acknowledgement within ${this.connection.publishTimeoutMs} ms`,
            context,
          ),
      );
    } catch (error) {
      throw translateKafkaError(error, context);
    }
  }

  /** Disconnects the producer; Nest calls it last on shutdown, after consumers have stopped. */
  async onApplicationShutdown(): Promise<void> {
    if (this.connecting) {
      this.connecting = undefined;
      // Also closes the connection of an attempt still in progress.
      await this.producer.disconnect();
    }
  }

  private connect(): Promise<void> {
    // Lazy and shared: the first publish connects, concurrent ones wait for the same attempt,
    // and a failed attempt is forgotten so the next publish tries again.
    this.connecting ??= this.producer.connect().catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
    return this.connecting;
  }
}

function toKafkaMessage(message: OutboundMessage): Message {
  const value =
    message.value === null || Buffer.isBuffer(message.value)
      ? message.value
      : Buffer.from(message.value.buffer, message.value.byteOffset, message.value.byteLength);
  return message.headers
    ? { key: message.key, value, headers: { ...message.headers } }
    : { key: message.key, value };
}
