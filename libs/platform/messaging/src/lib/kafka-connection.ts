import { Inject, Injectable } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import type { KafkaConfig } from 'kafkajs';

import { kafkaLogLevel, nestLogCreator } from './kafka-log';
import { MESSAGING_OPTIONS } from './messaging.options';
import type { MessagingModuleOptions } from './messaging.options';

/**
 * The module's Kafka clients and their settings. Internal: the services of this library share
 * them, nothing outside the library sees a Kafka client type.
 */
@Injectable()
export class KafkaConnection {
  /** The client for publishing, consuming and administration. */
  readonly kafka: Kafka;
  /**
   * A client that fails fast, for the readiness check: no retries, and connection and request
   * timeouts no longer than the check may take, so a probe leaves nothing running behind it.
   */
  readonly probe: Kafka;
  readonly publishTimeoutMs: number;
  readonly readinessTimeoutMs: number;

  constructor(@Inject(MESSAGING_OPTIONS) options: MessagingModuleOptions) {
    this.publishTimeoutMs = options.publishTimeoutMs ?? 30_000;
    this.readinessTimeoutMs = options.readinessTimeoutMs ?? 2_000;
    const common: KafkaConfig = {
      clientId: options.clientId,
      brokers: [...options.brokers],
      logLevel: kafkaLogLevel(options.logLevel ?? 'warn'),
      logCreator: nestLogCreator,
    };
    this.kafka = new Kafka({ ...common, requestTimeout: options.requestTimeoutMs ?? 30_000 });
    this.probe = new Kafka({
      ...common,
      connectionTimeout: Math.min(this.readinessTimeoutMs, 1_000),
      requestTimeout: this.readinessTimeoutMs,
      retry: { retries: 0 },
    });
  }
}
