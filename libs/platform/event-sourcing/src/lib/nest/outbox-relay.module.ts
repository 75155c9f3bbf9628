import { Inject, Injectable, Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';

import { EventPublisher, KafkaAdmin } from '@gov/platform-messaging';

import type { EnvelopeRecord } from '../envelope/envelope';
import type { PositionedEvent } from '../event-store/event-store';
import { PostgresEventStore } from '../postgres/postgres-event-store';
import { ENVELOPE_MAPPING, OutboxRelay } from '../relay/outbox-relay';
import { OUTBOX_RELAY_OPTIONS } from './outbox-relay.options';
import type {
  OutboxRelayModuleAsyncOptions,
  OutboxRelayModuleOptions,
} from './outbox-relay.options';
import { RelayHost, nestRelayLogger, relayModule } from './relay-host';

/**
 * Runs the service's {@link OutboxRelay} with the application: started once the application
 * has bootstrapped, stopped first on shutdown (`onModuleDestroy`), finishing the batch in
 * flight while the publisher and the pool are still open.
 */
@Injectable()
export class OutboxRelayService extends RelayHost<OutboxRelay> {
  constructor(
    @Inject(OUTBOX_RELAY_OPTIONS) options: OutboxRelayModuleOptions,
    store: PostgresEventStore,
    publisher: EventPublisher,
    admin: KafkaAdmin,
  ) {
    const { beforePublish } = options;
    super(
      new OutboxRelay<PositionedEvent, EnvelopeRecord>({
        ...options,
        store,
        publisher,
        logger: nestRelayLogger(`OutboxRelay(${options.name ?? options.topic})`),
        ...(beforePublish === undefined
          ? {}
          : {
              mapping: {
                ...ENVELOPE_MAPPING,
                select: async (events: readonly PositionedEvent[]) => {
                  await beforePublish(events);
                  return events;
                },
              },
            }),
      }),
      admin,
      options.ensureTopic ? { topic: options.topic, ...options.ensureTopic } : undefined,
    );
  }

  /** The relay (its `role`, `publishedPosition`, `notify()`). */
  get relay(): OutboxRelay {
    return this.hosted;
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
    return relayModule(OutboxRelayModule, OutboxRelayService, OUTBOX_RELAY_OPTIONS, {
      useValue: options,
    });
  }

  /** Configures the relay with options computed from other providers. */
  static forRootAsync(options: OutboxRelayModuleAsyncOptions): DynamicModule {
    return relayModule(OutboxRelayModule, OutboxRelayService, OUTBOX_RELAY_OPTIONS, options);
  }
}
