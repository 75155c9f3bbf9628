import type { RelayModuleAsyncOptions } from '@gov/platform-event-sourcing';

import type { RecordChangePublisherOptions } from './record-change-publisher';

/** Configuration of {@link RegistryFeedModule}: the publisher's options without its parts. */
export interface RegistryFeedModuleOptions extends Omit<
  RecordChangePublisherOptions,
  'store' | 'publisher' | 'logger' | 'keyStore'
> {
  /**
   * Create the feed topic at start-up if it is missing, compacted as changes.proto states
   * (existing topics are left as they are). On by default; turn it off where the topic is
   * provisioned by the platform (Strimzi `KafkaTopic`) and the service may not create topics.
   */
  readonly ensureTopic?: boolean;
  /** Partitions of the topic when it is created; 6 by default. */
  readonly numPartitions?: number;
  /** Replication factor of the topic when it is created; the broker default if omitted. */
  readonly replicationFactor?: number;
}

/** Configuration of {@link RegistryFeedModule.forRootAsync}. */
export type RegistryFeedModuleAsyncOptions = RelayModuleAsyncOptions<RegistryFeedModuleOptions>;

/** Injection token of the resolved {@link RegistryFeedModuleOptions}; internal. */
export const REGISTRY_FEED_OPTIONS = Symbol('REGISTRY_FEED_OPTIONS');
