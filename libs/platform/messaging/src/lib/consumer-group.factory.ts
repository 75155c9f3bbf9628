import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';

import {
  SpanKind,
  batchParent,
  consumerDeadLetters,
  consumerHandled,
  consumerLag,
  consumerRetries,
  contextFrom,
  inSpan,
  spanContextFrom,
} from '@gov/platform-observability';

import type {
  BatchHandler,
  ConsumerGroup,
  ConsumerGroupOptions,
  InboundMessage,
  MessageHandler,
} from './consumer-group';
import { EventPublisher } from './event-publisher.service';
import { KafkaAdmin } from './kafka-admin.service';
import { KafkaConnection } from './kafka-connection';
import { KafkaConsumerGroup } from './kafka-consumer-group';
import type { ConsumerObserver, DeadLetterSink } from './kafka-consumer-group';

/** W3C trace context headers, as the outbox relay (and any traced producer) writes them. */
const TRACEPARENT_HEADER = 'traceparent';
const TRACESTATE_HEADER = 'tracestate';

/**
 * Dead-letter topics keep what they receive forever (an operator decides what to replay), on
 * one partition: their order does not matter, their contents do.
 */
const DEAD_LETTER_TOPIC_CONFIG = { 'retention.ms': '-1' };

/**
 * Creates consumer group members and stops them all when the application shuts down.
 *
 * A service's Kafka consumer class typically creates its group in its constructor and starts it
 * in `onApplicationBootstrap`. Groups are stopped in `onModuleDestroy`, the first shutdown hook,
 * so that handlers finish while the database pools and the publisher they use are still open.
 */
@Injectable()
export class ConsumerGroupFactory implements OnModuleDestroy {
  private readonly logger = new Logger(ConsumerGroupFactory.name);
  private readonly groups = new Set<ConsumerGroup>();

  private readonly deadLetters: DeadLetterSink;

  constructor(
    private readonly connection: KafkaConnection,
    publisher: EventPublisher,
    admin: KafkaAdmin,
  ) {
    this.deadLetters = {
      ensureTopics: (topics) =>
        admin.ensureTopics(
          topics.map((topic) => ({ topic, numPartitions: 1, configs: DEAD_LETTER_TOPIC_CONFIG })),
        ),
      publish: (topic, message) => publisher.publish(topic, [message]),
    };
  }

  /**
   * Creates a member of consumer group `options.groupId`; call {@link ConsumerGroup.start} to
   * begin consuming.
   */
  create(options: ConsumerGroupOptions): ConsumerGroup {
    const group = new KafkaConsumerGroup(
      this.connection.kafka,
      observed(options),
      this.deadLetters,
      metricsObserver(options.groupId),
    );
    this.groups.add(group);
    return group;
  }

  /**
   * Stops every group created here, gracefully and concurrently. A group that fails to stop is
   * logged, not thrown, so that the rest of the shutdown (publisher, database pools) still runs.
   */
  async onModuleDestroy(): Promise<void> {
    const groups = [...this.groups];
    const results = await Promise.allSettled(groups.map((group) => group.stop()));
    results.forEach((result, i) => {
      if (result.status === 'rejected') {
        this.logger.error(
          `Consumer group ${groups[i]?.groupId ?? '?'} did not stop cleanly`,
          result.reason,
        );
      }
    });
  }
}

/**
 * The group's handlers, each call a consumer span in the trace of the record's producer (the
 * `traceparent` header: the request that appended the event, on either site, since MirrorMaker
 * 2 copies headers), and counted.
 */
function observed(options: ConsumerGroupOptions): ConsumerGroupOptions {
  const { groupId } = options;
  const attributes = (topic: string, count: number) => ({
    'messaging.system': 'kafka',
    'messaging.operation.type': 'process',
    'messaging.destination.name': topic,
    'messaging.consumer.group.name': groupId,
    'messaging.batch.message_count': count,
  });
  const handler: MessageHandler = async (message) => {
    await inSpan(
      `process ${message.topic}`,
      {
        kind: SpanKind.CONSUMER,
        parent: contextFrom(
          message.headers[TRACEPARENT_HEADER],
          message.headers[TRACESTATE_HEADER],
        ),
        attributes: attributes(message.topic, 1),
      },
      () => options.handler(message),
    );
    consumerHandled.inc({ group: groupId, topic: message.topic });
  };
  const batchHandler = options.batchHandler;
  const observedBatch: BatchHandler | undefined = batchHandler
    ? async (messages, info) => {
        const topic = messages[0]?.topic ?? '';
        const { parent, links } = batchParent(messages.map(traceOf));
        await inSpan(
          `process ${topic}`,
          {
            kind: SpanKind.CONSUMER,
            parent,
            links,
            attributes: attributes(topic, messages.length),
          },
          () => batchHandler(messages, info),
        );
        consumerHandled.inc({ group: groupId, topic }, messages.length);
      }
    : undefined;
  return { ...options, handler, ...(observedBatch ? { batchHandler: observedBatch } : {}) };
}

function traceOf(message: InboundMessage) {
  return spanContextFrom(message.headers[TRACEPARENT_HEADER], message.headers[TRACESTATE_HEADER]);
}

function metricsObserver(group: string): ConsumerObserver {
  return {
    fetched: (topic, partition, offsetLag) => {
      consumerLag.set({ group, topic, partition: String(partition) }, Number(offsetLag));
    },
    retried: (topic) => {
      consumerRetries.inc({ group, topic });
    },
    deadLettered: (topic) => {
      consumerDeadLetters.inc({ group, topic });
    },
  };
}
