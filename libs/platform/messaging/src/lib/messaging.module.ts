import { Global, Module } from '@nestjs/common';
import type { DynamicModule, Provider } from '@nestjs/common';

import { ConsumerGroupFactory } from './consumer-group.factory';
import { EventPublisher } from './event-publisher.service';
import { KafkaAdmin } from './kafka-admin.service';
import { KafkaConnection } from './kafka-connection';
import { MESSAGING_OPTIONS } from './messaging.options';
import type { MessagingModuleAsyncOptions, MessagingModuleOptions } from './messaging.options';

const SERVICES = [EventPublisher, ConsumerGroupFactory, KafkaAdmin];

/**
 * Kafka for a Nest application: one client, one idempotent {@link EventPublisher}, consumer
 * groups from {@link ConsumerGroupFactory} and {@link KafkaAdmin}. Global: import it once, in the
 * application's root module, with `forRoot` or, for options from other providers, `forRootAsync`.
 */
@Global()
@Module({})
export class MessagingModule {
  /** Configures the module with options known up front. */
  static forRoot(options: MessagingModuleOptions): DynamicModule {
    return MessagingModule.with([{ provide: MESSAGING_OPTIONS, useValue: options }]);
  }

  /** Configures the module with options computed from other providers (configuration, secrets). */
  static forRootAsync(options: MessagingModuleAsyncOptions): DynamicModule {
    return MessagingModule.with(
      [
        {
          provide: MESSAGING_OPTIONS,
          // Nest calls the factory with the providers listed in `inject`, whatever their types.
          useFactory: options.useFactory as (...args: unknown[]) => MessagingModuleOptions,
          inject: options.inject ?? [],
        },
      ],
      options.imports ?? [],
    );
  }

  private static with(
    optionProviders: Provider[],
    imports: NonNullable<MessagingModuleAsyncOptions['imports']> = [],
  ): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      imports,
      providers: [...optionProviders, KafkaConnection, ...SERVICES],
      exports: SERVICES,
    };
  }
}
