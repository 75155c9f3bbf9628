import { Inject, Injectable, Logger, Module } from '@nestjs/common';
import type {
  DynamicModule,
  OnApplicationBootstrap,
  OnModuleDestroy,
  Provider,
} from '@nestjs/common';

import { EventPublisher, KafkaAdmin } from '@gov/platform-messaging';

import { PostgresEventStore } from '../postgres/postgres-event-store';
import { OutboxRelay } from '../relay/outbox-relay';
import { OUTBOX_RELAY_OPTIONS } from './outbox-relay.options';
import type {
  OutboxRelayModuleAsyncOptions,
  OutboxRelayModuleOptions,
} from './outbox-relay.options';

/**
 * Runs the service's {@link OutboxRelay} with the application: started once the application
 * has bootstrapped, stopped first on shutdown (`onModuleDestroy`), finishing the batch in
 * flight while the publisher and the pool are still open.
 */
@Injectable()
export class OutboxRelayService implements OnApplicationBootstrap, OnModuleDestroy {
  /** The relay (its `role`, `publishedPosition`, `notify()`). */
  readonly relay: OutboxRelay;

  constructor(
    @Inject(OUTBOX_RELAY_OPTIONS) private readonly options: OutboxRelayModuleOptions,
    store: PostgresEventStore,
    publisher: EventPublisher,
    private readonly admin: KafkaAdmin,
  ) {
    const logger = new Logger(`OutboxRelay(${options.name ?? options.topic})`);
    this.relay = new OutboxRelay({
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
    const spec = this.options.ensureTopic;
    if (spec) {
      await this.admin.ensureTopics([{ topic: this.options.topic, ...spec }]);
    }
    this.relay.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.relay.stop();
  }
}

/**
 * The outbox relay of the service's event store, publishing through the messaging module's
 * `EventPublisher`. Needs {@link EventSourcingModule} and `MessagingModule` (both global) in
 * the application.
 */
@Module({})
export class OutboxRelayModule {
  /** Configures the relay with options known up front. */
  static forRoot(options: OutboxRelayModuleOptions): DynamicModule {
    return OutboxRelayModule.with({ provide: OUTBOX_RELAY_OPTIONS, useValue: options });
  }

  /** Configures the relay with options computed from other providers. */
  static forRootAsync(options: OutboxRelayModuleAsyncOptions): DynamicModule {
    return OutboxRelayModule.with(
      {
        provide: OUTBOX_RELAY_OPTIONS,
        // Nest calls the factory with the providers listed in `inject`, whatever their types.
        useFactory: options.useFactory as (...args: unknown[]) => OutboxRelayModuleOptions,
        inject: options.inject ?? [],
      },
      options.imports ?? [],
    );
  }

  private static with(
    optionsProvider: Provider,
    imports: NonNullable<OutboxRelayModuleAsyncOptions['imports']> = [],
  ): DynamicModule {
    return {
      module: OutboxRelayModule,
      imports,
      providers: [optionsProvider, OutboxRelayService],
      exports: [OutboxRelayService],
    };
  }
}
