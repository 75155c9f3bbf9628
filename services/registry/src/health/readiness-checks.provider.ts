import type { FactoryProvider } from '@nestjs/common';

import { PostgresReadinessCheck, READINESS_CHECKS } from '@gov/platform-chassis';
import type { ReadinessCheck } from '@gov/platform-chassis';
import { KafkaAdmin } from '@gov/platform-messaging';

/**
 * What the registry needs before it takes traffic: its database and the Kafka cluster. Add a
 * dependency's check here, and to `inject`.
 */
export const readinessChecksProvider: FactoryProvider<ReadinessCheck[]> = {
  provide: READINESS_CHECKS,
  useFactory: (postgres: PostgresReadinessCheck, kafka: KafkaAdmin): ReadinessCheck[] => [
    postgres,
    kafka,
  ],
  inject: [PostgresReadinessCheck, KafkaAdmin],
};
