/**
 * Event sourcing for the platform's services: the event store port and its PostgreSQL and
 * in-memory implementations, command handling over deciders, upcasting on read, the event
 * envelope on Kafka, and the transactional outbox relay.
 *
 * @packageDocumentation
 */

// The event store port
export type {
  Actor,
  AppendMetadata,
  AppendResult,
  EventStore,
  ExpectedVersion,
  NewEvent,
  PositionedEvent,
  RecordedEvent,
} from './lib/event-store/event-store';
export {
  ConcurrencyError,
  DuplicateEventError,
  EventStoreError,
  InvalidArgumentError,
  ReadOnlyStoreError,
  SchemaNotMigratedError,
  StoreUnavailableError,
  UnexpectedStoreError,
  UpcastError,
} from './lib/event-store/event-store-errors';
export type {
  ConcurrencyConflict,
  EventStoreErrorKind,
  EventStoreFailure,
} from './lib/event-store/event-store-errors';
export { computeContentHash } from './lib/event-store/content-hash';
export { isCanonicalUuid, newEventId } from './lib/event-store/event-id';
export { UpcasterRegistry } from './lib/event-store/upcasting';
export type { Upcaster, UpcastPayload } from './lib/event-store/upcasting';
export { InMemoryEventStore } from './lib/event-store/in-memory-event-store';
export type { InMemoryEventStoreOptions } from './lib/event-store/in-memory-event-store';

// PostgreSQL
export {
  PostgresEventStore,
  DEFAULT_SEQUENCER_BATCH,
  toRecordedEvent,
} from './lib/postgres/postgres-event-store';
export type {
  EventColumns,
  PostgresEventStoreOptions,
  RecordedSiteRole,
  StoredSiteRole,
} from './lib/postgres/postgres-event-store';
export type { SequencerOptions, SequencerRun } from './lib/postgres/sequencer';
export { COPY_COLUMNS, encodeCopyRows } from './lib/replication/copy-rows';
export {
  AppendDeferral,
  CompanionConflictError,
  currentDeferral,
  deferAppends,
} from './lib/postgres/deferred-append';
export type {
  CompanionWrite,
  GuardWrite,
  HeldWrite,
  HeldWriteExtras,
} from './lib/postgres/deferred-append';
export { migrate, MigrationDriftError } from './lib/postgres/migrate';
export type { MigrateOptions, MigrateResult } from './lib/postgres/migrate';
export { EVENT_STORE_MIGRATIONS, REQUIRED_MIGRATION } from './lib/postgres/migrations';
export type { Migration } from './lib/postgres/migrations';
export { translatePgError } from './lib/postgres/pg-errors';
export type { PgErrorContext } from './lib/postgres/pg-errors';

// Command handling
export { ExpectedVersionMismatchError, handleCommand } from './lib/command/handle-command';
export type {
  CommandResult,
  EventCodec,
  EventSourcedAggregate,
  HandleCommandOptions,
} from './lib/command/handle-command';

// The envelope on Kafka
export {
  CONTENT_TYPE_HEADER,
  EVENT_ENVELOPE_CONTENT_TYPE,
  EVENT_ID_HEADER,
  EVENT_TYPE_HEADER,
  MalformedEnvelopeError,
  decodeEventEnvelope,
  fromEventEnvelope,
  toEnvelopeRecord,
  toEventEnvelope,
} from './lib/envelope/envelope';
export type { EnvelopeRecord } from './lib/envelope/envelope';
export { protoMessage, protoPayload } from './lib/envelope/proto-payload';

// The outbox relay
export { ENVELOPE_MAPPING, OutboxRelay } from './lib/relay/outbox-relay';
export type {
  EnvelopePublisher,
  OutboxRelayOptions,
  OutboxRelaySettings,
  RecordPublisher,
  RelayLogger,
  RelayMapping,
  RelayRole,
} from './lib/relay/outbox-relay';

// Nest
export { EventSourcingModule } from './lib/nest/event-sourcing.module';
export { EVENT_STORE } from './lib/nest/event-sourcing.options';
export type {
  EventSourcingModuleAsyncOptions,
  EventSourcingModuleOptions,
} from './lib/nest/event-sourcing.options';
export { OutboxRelayModule, OutboxRelayService } from './lib/nest/outbox-relay.module';
export type {
  OutboxRelayModuleAsyncOptions,
  OutboxRelayModuleOptions,
} from './lib/nest/outbox-relay.options';
export { RelayHost, nestRelayLogger, relayModule } from './lib/nest/relay-host';
export type { HostedRelay, RelayModuleAsyncOptions } from './lib/nest/relay-host';

// The replica (data embassy) side
export { ReplicaApplier } from './lib/replication/replica-applier';
export type {
  HaltReason,
  HaltedStream,
  ReplicaApplyResult,
  ReplicaProgress,
} from './lib/replication/replica-applier';
export { ReplicaConsumer } from './lib/replication/replica-consumer';
export type {
  ReplicaConsumerOptions,
  ReplicaDeadLetter,
  ReplicaEvents,
  ReplicaStatus,
} from './lib/replication/replica-consumer';
export { LogDigester, digestLog } from './lib/replication/log-digest';
export { ReplayBacklog } from './lib/replication/replay-backlog';
export type { DigestSource, LogDigest } from './lib/replication/log-digest';

export { ProjectionRunner } from './lib/projections/projection-runner';
export type {
  Projection,
  ProjectionDigest,
  ProjectionRunnerOptions,
} from './lib/projections/projection-runner';

// Consumers: exactly-once effects through the inbox
export { Inbox } from './lib/inbox/inbox';
export type { InboxOptions, InboxOutcome } from './lib/inbox/inbox';
export { createEnvelopeConsumer, decodeRecord } from './lib/inbox/envelope-consumer';
export type { EnvelopeConsumerOptions } from './lib/inbox/envelope-consumer';
