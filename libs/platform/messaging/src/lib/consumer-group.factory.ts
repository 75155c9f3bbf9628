import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';

import type { ConsumerGroup, ConsumerGroupOptions } from './consumer-group';
import { EventPublisher } from './event-publisher.service';
import { KafkaAdmin } from './kafka-admin.service';
import { KafkaConnection } from './kafka-connection';
import { KafkaConsumerGroup } from './kafka-consumer-group';
import type { DeadLetterSink } from './kafka-consumer-group';

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
    const group = new KafkaConsumerGroup(this.connection.kafka, options, this.deadLetters);
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
