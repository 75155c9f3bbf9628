import { Inject, Injectable, Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';

import {
  PostgresEventStore,
  RelayHost,
  nestRelayLogger,
  relayModule,
} from '@gov/platform-event-sourcing';
import { SUBJECT_KEY_STORE } from '@gov/platform-data-protection';
import type { SubjectKeyStore } from '@gov/platform-data-protection';
import { EventPublisher, KafkaAdmin } from '@gov/platform-messaging';

import { REGISTRY_CHANGES_TOPIC, registryChangesTopicSpec } from './feed-topic';
import { RecordChangePublisher } from './record-change-publisher';
import { REGISTRY_FEED_OPTIONS } from './registry-feed.options';
import type {
  RegistryFeedModuleAsyncOptions,
  RegistryFeedModuleOptions,
} from './registry-feed.options';

/**
 * Runs the registry's {@link RecordChangePublisher} with the application: the feed topic is
 * ensured and publishing starts once the application has bootstrapped; it stops first on
 * shutdown (`onModuleDestroy`), finishing the batch in flight while the publisher and the pool
 * are still open.
 */
@Injectable()
export class RegistryFeedService extends RelayHost<RecordChangePublisher> {
  constructor(
    @Inject(REGISTRY_FEED_OPTIONS) options: RegistryFeedModuleOptions,
    store: PostgresEventStore,
    publisher: EventPublisher,
    admin: KafkaAdmin,
    @Inject(SUBJECT_KEY_STORE) keyStore: SubjectKeyStore,
  ) {
    const { ensureTopic = true, numPartitions, replicationFactor, ...publisherOptions } = options;
    super(
      new RecordChangePublisher({
        ...publisherOptions,
        store,
        publisher,
        keyStore,
        logger: nestRelayLogger('RegistryChangeFeed'),
      }),
      admin,
      ensureTopic
        ? registryChangesTopicSpec(
            options.topic ?? REGISTRY_CHANGES_TOPIC,
            numPartitions,
            replicationFactor,
          )
        : undefined,
    );
  }

  /** The publisher (its `role`, `publishedPosition`, `notify()`). */
  get publisher(): RecordChangePublisher {
    return this.hosted;
  }
}

/**
 * The registry's public change feed (`registry.changes.v1`) for a Nest application. Needs the
 * global `EventSourcingModule` (the registry's `PostgresEventStore`) and `MessagingModule`
 * (`EventPublisher`, `KafkaAdmin`) in the application.
 */
@Module({})
export class RegistryFeedModule {
  /** Configures the feed with options known up front (all optional). */
  static forRoot(options: RegistryFeedModuleOptions = {}): DynamicModule {
    return relayModule(RegistryFeedModule, RegistryFeedService, REGISTRY_FEED_OPTIONS, {
      useValue: options,
    });
  }

  /** Configures the feed with options computed from other providers (the configuration). */
  static forRootAsync(options: RegistryFeedModuleAsyncOptions): DynamicModule {
    return relayModule(RegistryFeedModule, RegistryFeedService, REGISTRY_FEED_OPTIONS, options);
  }
}
