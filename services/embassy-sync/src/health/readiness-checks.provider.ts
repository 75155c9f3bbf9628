import type { FactoryProvider } from '@nestjs/common';

import { READINESS_CHECKS } from '@gov/platform-chassis';
import type { ReadinessCheck } from '@gov/platform-chassis';
import { KafkaAdmin } from '@gov/platform-messaging';

/**
 * What embassy-sync needs before it takes traffic: its site's Kafka cluster (checkpoints). The
 * watched services are not among them: a site that is down is what it reports, not a reason
 * to stop reporting.
 */
export const readinessChecksProvider: FactoryProvider<ReadinessCheck[]> = {
  provide: READINESS_CHECKS,
  useFactory: (kafka: KafkaAdmin): ReadinessCheck[] => [kafka],
  inject: [KafkaAdmin],
};
