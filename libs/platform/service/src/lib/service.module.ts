import { Module } from '@nestjs/common';
import type { DynamicModule, FactoryProvider } from '@nestjs/common';

import { AuthModule } from '@gov/platform-auth';
import type { AuthConfig } from '@gov/platform-auth';
import { MESSAGE_TRANSPORT, MessageTransports, READINESS_CHECKS } from '@gov/platform-chassis';
import type { ReadinessCheck } from '@gov/platform-chassis';
import type { PlatformConfig } from '@gov/platform-config';
import { ConsumerGroupFactory, KafkaAdmin, MessagingModule } from '@gov/platform-messaging';

import { PlatformEventTransport } from './consumers/event-transport';
import type { Subscription } from './consumers/event-transport';

/** What {@link ServiceModule} needs: the platform's settings and bearer authentication. */
export interface ServiceModuleOptions {
  readonly config: PlatformConfig & { readonly auth: AuthConfig };
  /** Topics it consumes, `record` kind only (no store, so no inbox): see `PlatformEventTransport`. */
  readonly subscriptions?: readonly Subscription[];
}

/** A service without a database takes traffic once its Kafka cluster answers. */
const kafkaReadiness: FactoryProvider<ReadinessCheck[]> = {
  provide: READINESS_CHECKS,
  useFactory: (kafka: KafkaAdmin): ReadinessCheck[] => [kafka],
  inject: [KafkaAdmin],
};

/**
 * The kit of a platform service that keeps no event store of its own (embassy-sync): Kafka
 * (`MessagingModule`), bearer authentication (`AuthModule`) and the readiness check of its
 * Kafka cluster. An event-sourced service imports `EventSourcedServiceModule` instead, which
 * has all of this and its store. Global, like that one.
 */
@Module({})
export class ServiceModule {
  static forRoot(options: ServiceModuleOptions): DynamicModule {
    const { config } = options;
    return {
      module: ServiceModule,
      global: true,
      imports: [
        MessagingModule.forRoot({ clientId: config.serviceName, ...config.kafka }),
        AuthModule.forRoot(config.auth),
      ],
      providers: [
        kafkaReadiness,
        ...(options.subscriptions === undefined
          ? []
          : [
              {
                provide: MESSAGE_TRANSPORT,
                useFactory: (
                  groups: ConsumerGroupFactory,
                  transports: MessageTransports | undefined,
                ) => {
                  const transport = new PlatformEventTransport({
                    groups,
                    subscriptions: options.subscriptions ?? [],
                  });
                  // startService serves what is registered (absent outside startService).
                  transports?.register(transport);
                  return transport;
                },
                inject: [ConsumerGroupFactory, { token: MessageTransports, optional: true }],
              },
            ]),
      ],
      exports: [
        READINESS_CHECKS,
        ...(options.subscriptions === undefined ? [] : [MESSAGE_TRANSPORT]),
      ],
    };
  }
}
