/**
 * The service kit: what makes a new service of the platform small. A service's root module
 * imports {@link EventSourcedServiceModule} (store, relay, site role and write guard, replica
 * and replay, digests, projections and reactors, idempotency keys, readiness, shutdown) or, with
 * no store of its own, {@link ServiceModule}; its controllers use the HTTP plumbing below
 * (`Idempotency-Key` here; `ETag`/`If-Match`, zod validation and problem+json in OpenAPI in the
 * chassis), and keep only what is the service's own.
 */
export { EventSourcedServiceModule } from './lib/event-sourced-service.module';
export { SERVICE_OPTIONS } from './lib/event-sourced-service.options';
export type {
  EventSourcedServiceOptions,
  Reactor,
  ServiceKit,
} from './lib/event-sourced-service.options';
export { causedBy, erasureIn } from './lib/consumers/reactions';
export type { ReceivedErasure } from './lib/consumers/reactions';
export { ServiceModule } from './lib/service.module';
export type { ServiceModuleOptions } from './lib/service.module';
export { ProjectionHost } from './lib/background/projection-host';
export {
  EnvelopeContext,
  PlatformEventTransport,
  RecordContext,
} from './lib/consumers/event-transport';
export type {
  EventTransportOptions,
  Subscription,
  SubscriptionState,
} from './lib/consumers/event-transport';
export {
  defaultEventsTopic,
  eventSourcedServiceConfigSchema,
  eventSourcedServiceVariables,
  toEventSourcedServiceConfig,
} from './lib/service-config';
export type { EventSourcedServiceConfig } from './lib/service-config';
export {
  OwnSchemaNotMigratedError,
  migrateService,
  ownTablesOf,
  pendingOwnMigrations,
  verifyOwnSchema,
  verifyOwnTables,
} from './lib/own-schema';
export type { OwnMigrateResult, ServiceMigrateResult, ServiceSchemas } from './lib/own-schema';
export {
  OWN_MIGRATIONS_TABLE,
  createOwnDataSource,
  entityManagerOn,
  ownDataSourceOptions,
  pgClientOf,
  runInOwnSchema,
} from './lib/own-tables/own-data-source';
export type { OwnMigration, OwnTables } from './lib/own-tables/own-data-source';
export { ProjectingPgStore } from './lib/own-tables/projecting-pg-store';
export type { ProjectEvent, ProjectingTransaction } from './lib/own-tables/projecting-pg-store';
export { runMigrateStep } from './lib/migrate-step';

export {
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENCY_STORE,
  Idempotent,
  IdempotencyInterceptor,
  fingerprintOf,
} from './lib/idempotency/idempotency.interceptor';
export type { IdempotentOptions } from './lib/idempotency/idempotency.interceptor';
export {
  IDEMPOTENCY_KEYS_MIGRATION_SQL,
  PgIdempotencyStore,
} from './lib/idempotency/idempotency-store';
export {
  IdempotencyKeyEntity,
  IdempotencyKeysTable1765000000000,
} from './lib/idempotency/idempotency-key.entity';
export type { IdempotencyKeyRow } from './lib/idempotency/idempotency-key.entity';
export type {
  IdempotencyClaim,
  IdempotencyStore,
  StoredResponse,
} from './lib/idempotency/idempotency-store';
export {
  actorOf,
  appendMetadata,
  newIdFor,
  requireAgency,
  requireCitizen,
  systemClock,
  traceIdOf,
  uuidOf,
} from './lib/request-context';
export type { Clock, RequestContext } from './lib/request-context';
export {
  KeyRelay,
  KeyReplicaConsumer,
  keysTopicOf,
  keysTopicSpec,
} from './lib/data-protection/subject-keys';
