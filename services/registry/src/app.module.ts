import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import type { Pool } from 'pg';

import { AuthModule } from '@gov/platform-auth';
import { PG_POOL, PostgresModule, READINESS_CHECKS } from '@gov/platform-chassis';
import {
  EventSourcingModule,
  OutboxRelayModule,
  ReplayBacklog,
} from '@gov/platform-event-sourcing';
import { MessagingModule } from '@gov/platform-messaging';
import { ReplicationModule, SiteRole } from '@gov/platform-replication';
import { RegistryFeedModule } from '@gov/registry-feed';
import { EVENT_STORE_SCHEMA, reseedAllocators } from '@gov/registry-application';

import { readinessChecksProvider } from './health/readiness-checks.provider';
import { BusinessesController } from './http/businesses.controller';
import { CorrectionsController } from './http/corrections.controller';
import { IdempotencyInterceptor } from './http/idempotency.interceptor';
import { PersonsController } from './http/persons.controller';
import type { RegistryConfig } from './registry.config';
import {
  BackgroundWork,
  REGISTRY_CONFIG,
  RegistrySchemaGate,
  applicationProviders,
} from './registry.providers';

/**
 * Partitions of the registry's event topic. Events are keyed by stream, so this bounds the
 * consumers that can share the topic; it cannot shrink later without reordering streams.
 */
const EVENT_TOPIC_PARTITIONS = 6;

/**
 * The registry's root module: its database and event store, the outbox relay that publishes
 * the log to `registry.events.v1`, Kafka, bearer authentication, the HTTP controllers and the
 * application's use cases. Health probes, error responses, logging and the OpenAPI document come
 * from the chassis.
 */
@Module({})
export class AppModule {
  static forRoot(config: RegistryConfig): DynamicModule {
    const postgres = PostgresModule.forRoot({
      url: config.database.url,
      applicationName: config.serviceName,
      maxConnections: 20,
    });
    // Shared by the event store's write gate and the replication module: a replica or fenced
    // site refuses every append, whatever asks for it.
    const siteRole = new SiteRole(config.siteRole === 'embassy' ? 'replica' : 'primary');
    // Shared by the replica (which reports how far behind it is) and the relays, which hold
    // while a replica catches up so that the replay has the cores.
    const backlog = new ReplayBacklog();
    const holdWhile = (): boolean => backlog.catchingUp;
    return {
      module: AppModule,
      imports: [
        postgres,
        MessagingModule.forRoot({ clientId: config.serviceName, brokers: config.kafka.brokers }),
        EventSourcingModule.forRootAsync({
          imports: [postgres],
          inject: [PG_POOL],
          useFactory: (pool: Pool) => ({
            pool,
            schema: EVENT_STORE_SCHEMA,
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
            numPartitions: EVENT_TOPIC_PARTITIONS,
            configs: { 'retention.ms': '-1', 'cleanup.policy': 'delete' },
          },
          holdWhile,
        }),
        // The public change feed for agencies (registry.changes.v1): full record snapshots,
        // compacted, published from the same log at least once.
        RegistryFeedModule.forRoot({ holdWhile }),
        AuthModule.forRoot(config.auth),
        // The data embassy: replay of the mirrored log on a replica, fence and promote.
        ReplicationModule.forRoot({
          serviceName: config.serviceName,
          siteRole,
          replicaTopics: [`${config.replicationSource}.${config.eventsTopic}`],
          replicaGroupId: config.replicationGroup,
          onPromote: (client, schema) => reseedAllocators(client, schema),
          backlog,
        }),
      ],
      controllers: [PersonsController, BusinessesController, CorrectionsController],
      providers: [
        { provide: REGISTRY_CONFIG, useValue: config },
        { provide: SiteRole, useValue: siteRole },
        ...applicationProviders,
        IdempotencyInterceptor,
        RegistrySchemaGate,
        BackgroundWork,
        readinessChecksProvider,
      ],
      exports: [READINESS_CHECKS],
    };
  }
}
