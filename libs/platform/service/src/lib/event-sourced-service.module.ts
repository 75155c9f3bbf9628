import { Inject, Injectable, Module } from '@nestjs/common';
import type { DynamicModule, FactoryProvider, OnModuleInit, Provider } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';

import { AuthModule } from '@gov/platform-auth';
import {
  MESSAGE_TRANSPORT,
  MessageTransports,
  PG_POOL,
  PostgresModule,
  PostgresReadinessCheck,
  READINESS_CHECKS,
} from '@gov/platform-chassis';
import type { ReadinessCheck } from '@gov/platform-chassis';
import {
  EventSourcingModule,
  OutboxRelayModule,
  ReplayBacklog,
} from '@gov/platform-event-sourcing';
import {
  ConsumerGroupFactory,
  EventPublisher,
  KafkaAdmin,
  MessagingModule,
} from '@gov/platform-messaging';
import { ReplicationModule, SiteRole } from '@gov/platform-replication';

import {
  KeyEncryptionKey,
  PostgresSubjectKeyStore,
  SUBJECT_KEY_STORE,
} from '@gov/platform-data-protection';

import { ProjectionHost } from './background/projection-host';
import { KeyRelay, KeyReplicaConsumer } from './data-protection/subject-keys';
import { PlatformEventTransport } from './consumers/event-transport';
import { SERVICE_OPTIONS } from './event-sourced-service.options';
import type { EventSourcedServiceOptions, ServiceKit } from './event-sourced-service.options';
import { IDEMPOTENCY_STORE, IdempotencyInterceptor } from './idempotency/idempotency.interceptor';
import { PgIdempotencyStore } from './idempotency/idempotency-store';
import { ownTablesOf, verifyOwnTables } from './own-schema';
import { ownDataSourceOptions } from './own-tables/own-data-source';

const DEFAULT_EVENT_TOPIC_PARTITIONS = 6;
const DEFAULT_MAX_CONNECTIONS = 20;

/**
 * Refuses to start on a database whose own tables lack a TypeORM migration (the event store's
 * module checks its own schema): migrations are a deliberate step, the service's `migrate`
 * target, never TypeORM's `migrationsRun`.
 */
@Injectable()
class OwnSchemaGate implements OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_OPTIONS) private readonly options: EventSourcedServiceOptions,
  ) {}

  onModuleInit(): Promise<void> {
    return verifyOwnTables(this.dataSource, this.options.config.serviceName);
  }
}

/** The service takes traffic once its database and the Kafka cluster answer. */
const readinessChecks: FactoryProvider<ReadinessCheck[]> = {
  provide: READINESS_CHECKS,
  useFactory: (postgres: PostgresReadinessCheck, kafka: KafkaAdmin): ReadinessCheck[] => [
    postgres,
    kafka,
  ],
  inject: [PostgresReadinessCheck, KafkaAdmin],
};

/**
 * Everything an event-sourced service of the platform has that is not its own business, from
 * one import in its root module:
 *
 * - its PostgreSQL pool (`PG_POOL`) and event store (`EVENT_STORE`, `PostgresEventStore`),
 *   refusing to start before its migrations ran;
 * - the outbox relay that publishes the log to its internal topic (kept forever, keyed by
 *   stream), Kafka (`MessagingModule`) and bearer authentication (`AuthModule`);
 * - the site's role (`SiteRole`) and the write guard: a replica or a fenced site refuses every
 *   append, whatever asks for it (503 `READ_ONLY_SITE`);
 * - the replica role (replay of the mirrored log), promotion and fencing, log and projection
 *   digests, and the operator's `/replication` routes;
 * - its projections, hosted on every site, and its reactors, run only where the site is
 *   writable (see `ProjectionHost`);
 * - its own tables (`ownEntities`, `ownMigrations`): a TypeORM `DataSource` (`@nestjs/typeorm`,
 *   injectable as `DataSource`) over the same pool, refusing to start while a migration is
 *   pending;
 * - idempotency keys (`IdempotencyInterceptor`, `@Idempotent`) in its own schema, purged daily;
 * - its consumers: `@EventPattern` handlers served by `PlatformEventTransport` (`subscriptions`),
 *   consuming only while the site is writable (held on a replica until promotion);
 * - readiness checks of PostgreSQL and Kafka; shutdown in dependency order (background work and
 *   relays stop before the pool closes).
 *
 * The chassis (`bootstrapService`, `startService`) adds logging, problem+json errors, health
 * routes and the OpenAPI document around it. Global: the service's own providers inject what
 * it provides.
 */
@Module({})
export class EventSourcedServiceModule {
  static forRoot(options: EventSourcedServiceOptions): DynamicModule {
    const { config } = options;
    const postgres = PostgresModule.forRoot({
      url: config.database.url,
      applicationName: config.serviceName,
      maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    });
    // Shared by the event store's write gate and the replication module.
    const siteRole = new SiteRole(config.siteRole === 'embassy' ? 'replica' : 'primary');
    // Shared by the replica (which reports how far behind it is) and the relays, which hold
    // while a replica catches up so that the replay has the cores.
    const backlog = new ReplayBacklog();
    const kit: ServiceKit = { holdWhile: () => backlog.catchingUp };
    // The key relay, once made: the events relay waits on it (keys leave before their data).
    const keyRelay: { current?: KeyRelay } = {};
    const subjectKeys = options.subjectKeys === true ? subjectKeyProviders(options, keyRelay) : [];
    return {
      module: EventSourcedServiceModule,
      global: true,
      imports: [
        postgres,
        MessagingModule.forRoot({ clientId: config.serviceName, ...config.kafka }),
        EventSourcingModule.forRootAsync({
          imports: [postgres],
          inject: [PG_POOL],
          useFactory: (pool: Pool) => ({
            pool,
            schema: options.eventStoreSchema,
            producer: config.serviceName,
            writeGate: () => {
              siteRole.assertWritable();
            },
          }),
        }),
        OutboxRelayModule.forRoot({
          topic: config.eventsTopic,
          // The internal topic is the log itself: kept forever, never compacted (every event
          // of a stream matters, not only the last).
          ensureTopic: {
            numPartitions: options.eventTopicPartitions ?? DEFAULT_EVENT_TOPIC_PARTITIONS,
            configs: { 'retention.ms': '-1', 'cleanup.policy': 'delete' },
          },
          holdWhile: kit.holdWhile,
          ...(options.subjectKeys === true
            ? {
                beforePublish: (events) => {
                  if (keyRelay.current === undefined) {
                    throw new Error('the key relay is not made yet');
                  }
                  return keyRelay.current.relayedBefore(events);
                },
              }
            : {}),
        }),
        // One pool for everything: TypeORM's driver borrows the chassis' (see
        // `ownDataSourceOptions`), so its connections count against the same limit.
        TypeOrmModule.forRootAsync({
          imports: [postgres],
          inject: [PG_POOL],
          useFactory: (pool: Pool) => ({
            ...ownDataSourceOptions(pool, ownTablesOf(options)),
            // The chassis' pool connects (and retries) on its own; a failure here is not one
            // to wait out.
            retryAttempts: 0,
          }),
        }),
        AuthModule.forRoot(config.auth),
        ReplicationModule.forRoot({
          serviceName: config.serviceName,
          siteRole,
          replicaTopics: [`${config.replicationSource}.${config.eventsTopic}`],
          replicaGroupId: config.replicationGroup,
          replicaFetchBytes: config.replicationFetchBytes,
          ...(options.onPromote === undefined ? {} : { onPromote: options.onPromote }),
          backlog,
        }),
        ...(options.imports?.(kit) ?? []),
      ],
      providers: [
        { provide: SERVICE_OPTIONS, useValue: options },
        { provide: SiteRole, useValue: siteRole },
        {
          provide: IDEMPOTENCY_STORE,
          useFactory: (dataSource: DataSource, pool: Pool) =>
            new PgIdempotencyStore(dataSource, pool),
          inject: [DataSource, PG_POOL],
        },
        IdempotencyInterceptor,
        OwnSchemaGate,
        ProjectionHost,
        readinessChecks,
        ...subjectKeys,
        ...(options.subscriptions === undefined
          ? []
          : [
              {
                provide: MESSAGE_TRANSPORT,
                useFactory: (
                  groups: ConsumerGroupFactory,
                  pool: Pool,
                  transports: MessageTransports | undefined,
                ) => {
                  const transport = new PlatformEventTransport({
                    groups,
                    subscriptions: options.subscriptions ?? [],
                    store: { pool, schema: options.eventStoreSchema },
                    // Handlers append to the service's own log: only where it is writable.
                    site: siteRole,
                  });
                  // startService serves what is registered (absent outside startService).
                  transports?.register(transport);
                  return transport;
                },
                inject: [
                  ConsumerGroupFactory,
                  PG_POOL,
                  { token: MessageTransports, optional: true },
                ],
              },
            ]),
      ],
      exports: [
        postgres,
        SiteRole,
        IDEMPOTENCY_STORE,
        IdempotencyInterceptor,
        ProjectionHost,
        READINESS_CHECKS,
        ...(options.subjectKeys === true ? [SUBJECT_KEY_STORE] : []),
        ...(options.subscriptions === undefined ? [] : [MESSAGE_TRANSPORT]),
      ],
    };
  }
}

/**
 * The per-subject keys of a service that seals personal data: the store in its own schema, the
 * relay of its key changes and the consumer of the other site's (see `subjectKeys`).
 */
function subjectKeyProviders(
  options: EventSourcedServiceOptions,
  relay: { current?: KeyRelay },
): Provider[] {
  const file = options.config.keyEncryptionKeyFile;
  if (file === undefined) {
    throw new Error(
      `${options.config.serviceName} seals personal data: set DATA_KEK_FILE to the file of the ` +
        'key-encryption key (base64, 32 bytes), the same on both sites',
    );
  }
  // Read once, at start: a missing or malformed key stops the service here, not on a request.
  const kek = KeyEncryptionKey.fromFile(file);
  // The store wakes the relay when it makes or destroys a key; the relay is made after the
  // store (it injects it), so the store calls through this late binding (`relay`).
  return [
    {
      provide: SUBJECT_KEY_STORE,
      useFactory: (pool: Pool) =>
        new PostgresSubjectKeyStore(pool, options.ownSchema, kek, () => {
          relay.current?.notify();
        }),
      inject: [PG_POOL],
    },
    {
      provide: KeyRelay,
      useFactory: (...args: ConstructorParameters<typeof KeyRelay>) => {
        relay.current = new KeyRelay(...args);
        return relay.current;
      },
      inject: [SUBJECT_KEY_STORE, EventPublisher, KafkaAdmin, SiteRole, SERVICE_OPTIONS],
    },
    KeyReplicaConsumer,
  ];
}
