import { Inject, Injectable, Logger, Module } from '@nestjs/common';
import type {
  DynamicModule,
  OnApplicationBootstrap,
  OnModuleDestroy,
  Provider,
} from '@nestjs/common';

import { PostgresEventStore } from '@gov/platform-event-sourcing';
import { EventPublisher, KafkaAdmin } from '@gov/platform-messaging';

import { registryChangesTopicSpec } from './feed-topic';
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
export class RegistryFeedService implements OnApplicationBootstrap, OnModuleDestroy {
  /** The publisher (its `role`, `publishedPosition`, `notify()`). */
  readonly publisher: RecordChangePublisher;

  constructor(
    @Inject(REGISTRY_FEED_OPTIONS) private readonly options: RegistryFeedModuleOptions,
    store: PostgresEventStore,
    publisher: EventPublisher,
    private readonly admin: KafkaAdmin,
  ) {
    const logger = new Logger('RegistryChangeFeed');
    this.publisher = new RecordChangePublisher({
      ...options,
      store,
      publisher,
      logger: {
        log: (message) => {
          logger.log(message);
        },
        warn: (message) => {
          logger.warn(message);
        },
        error: (message, error) => {
          logger.error(message, error instanceof Error ? error.stack : String(error));
        },
      },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.options.ensureTopic ?? true) {
      await this.admin.ensureTopics([
        registryChangesTopicSpec(
          this.publisher.topicName,
          this.options.numPartitions,
          this.options.replicationFactor,
        ),
      ]);
    }
    this.publisher.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.publisher.stop();
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
    return RegistryFeedModule.with({ provide: REGISTRY_FEED_OPTIONS, useValue: options });
  }

  /** Configures the feed with options computed from other providers (the configuration). */
  static forRootAsync(options: RegistryFeedModuleAsyncOptions): DynamicModule {
    return RegistryFeedModule.with(
      {
        provide: REGISTRY_FEED_OPTIONS,
        // Nest calls the factory with the providers listed in `inject`, whatever their types.
        useFactory: options.useFactory as (...args: unknown[]) => RegistryFeedModuleOptions,
        inject: options.inject ?? [],
      },
      options.imports ?? [],
    );
  }

  private static with(
    optionsProvider: Provider,
    imports: NonNullable<RegistryFeedModuleAsyncOptions['imports']> = [],
  ): DynamicModule {
    return {
      module: RegistryFeedModule,
      imports,
      providers: [optionsProvider, RegistryFeedService],
      exports: [RegistryFeedService],
    };
  }
}
