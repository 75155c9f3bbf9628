import { Global, Inject, Injectable, Logger, Module } from '@nestjs/common';
import type { DynamicModule, OnModuleInit, Provider } from '@nestjs/common';

import { PostgresEventStore } from '../postgres/postgres-event-store';
import { migrate } from '../postgres/migrate';
import { EVENT_SOURCING_OPTIONS, EVENT_STORE } from './event-sourcing.options';
import type {
  EventSourcingModuleAsyncOptions,
  EventSourcingModuleOptions,
} from './event-sourcing.options';

/** Checks (or, if configured, migrates) the schema before the application starts serving. */
@Injectable()
class EventStoreSchemaGate implements OnModuleInit {
  private readonly logger = new Logger('EventStore');

  constructor(
    @Inject(EVENT_SOURCING_OPTIONS) private readonly options: EventSourcingModuleOptions,
    private readonly store: PostgresEventStore,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.options.migrateOnStart) {
      const result = await migrate(this.options.pool, { schema: this.options.schema });
      if (result.applied.length > 0) {
        this.logger.log(
          `schema ${this.options.schema}: applied migrations ${result.applied.join(', ')}`,
        );
      }
    }
    // Fails the start-up with SchemaNotMigratedError, naming the schema and the fix.
    await this.store.verifySchema();
  }
}

/**
 * The service's event store for a Nest application: a {@link PostgresEventStore} on the pool
 * given in the options, injectable as `PostgresEventStore` or as the {@link EventStore} port
 * under {@link EVENT_STORE}. Global: import it once, in the root module. Start-up fails while
 * the schema is not migrated (unless `migrateOnStart`).
 */
@Global()
@Module({})
export class EventSourcingModule {
  /** Configures the module with options known up front. */
  static forRoot(options: EventSourcingModuleOptions): DynamicModule {
    return EventSourcingModule.with({ provide: EVENT_SOURCING_OPTIONS, useValue: options });
  }

  /** Configures the module with options computed from other providers (the pool, config). */
  static forRootAsync(options: EventSourcingModuleAsyncOptions): DynamicModule {
    return EventSourcingModule.with(
      {
        provide: EVENT_SOURCING_OPTIONS,
        // Nest calls the factory with the providers listed in `inject`, whatever their types.
        useFactory: options.useFactory as (...args: unknown[]) => EventSourcingModuleOptions,
        inject: options.inject ?? [],
      },
      options.imports ?? [],
    );
  }

  private static with(
    optionsProvider: Provider,
    imports: NonNullable<EventSourcingModuleAsyncOptions['imports']> = [],
  ): DynamicModule {
    return {
      module: EventSourcingModule,
      global: true,
      imports,
      providers: [
        optionsProvider,
        {
          provide: PostgresEventStore,
          useFactory: (options: EventSourcingModuleOptions) =>
            new PostgresEventStore({
              pool: options.pool,
              schema: options.schema,
              producer: options.producer,
              upcasters: options.upcasters ?? [],
              ...(options.writeGate ? { writeGate: options.writeGate } : {}),
            }),
          inject: [EVENT_SOURCING_OPTIONS],
        },
        { provide: EVENT_STORE, useExisting: PostgresEventStore },
        EventStoreSchemaGate,
      ],
      exports: [PostgresEventStore, EVENT_STORE],
    };
  }
}
