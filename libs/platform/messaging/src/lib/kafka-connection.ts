import { readFileSync } from 'node:fs';

import { Inject, Injectable } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import type { KafkaConfig, SASLOptions } from 'kafkajs';

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
  /** Whether the clients authenticate (SASL credentials are set). */
  readonly authenticates: boolean;

  constructor(@Inject(MESSAGING_OPTIONS) options: MessagingModuleOptions) {
    this.publishTimeoutMs = options.publishTimeoutMs ?? 30_000;
    this.readinessTimeoutMs = options.readinessTimeoutMs ?? 2_000;
    this.authenticates = options.sasl !== undefined;
    const common: KafkaConfig = {
      ...kafkaSecurity(options),
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

/**
 * The client's TLS and SASL settings from the module's options. The CA file is read once, at
 * start-up: a rotated cluster CA reaches the process with its restart, as Strimzi's own
 * clients do.
 */
export function kafkaSecurity(
  options: Pick<MessagingModuleOptions, 'sasl' | 'tls'>,
): Pick<KafkaConfig, 'sasl' | 'ssl'> {
  return {
    ...(options.tls === undefined
      ? {}
      : { ssl: { ca: [readFileSync(options.tls.caFile, 'utf8')] } }),
    ...(options.sasl === undefined ? {} : { sasl: saslOptions(options.sasl) }),
  };
}

function saslOptions(sasl: NonNullable<MessagingModuleOptions['sasl']>): SASLOptions {
  const { username, password } = sasl;
  // kafkajs types its options per mechanism: one literal each.
  switch (sasl.mechanism) {
    case 'scram-sha-512':
      return { mechanism: 'scram-sha-512', username, password };
    case 'scram-sha-256':
      return { mechanism: 'scram-sha-256', username, password };
    case 'plain':
      return { mechanism: 'plain', username, password };
    default: {
      const unknown: never = sasl.mechanism;
      throw new Error(`unknown SASL mechanism ${String(unknown)}`);
    }
  }
}
