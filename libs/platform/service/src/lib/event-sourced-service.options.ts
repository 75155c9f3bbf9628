import type { DynamicModule, InjectionToken } from '@nestjs/common';
import type { DataSource } from 'typeorm';

import type { Projection } from '@gov/platform-event-sourcing';
import type { ReplicationModuleOptions } from '@gov/platform-replication';

import type { Subscription } from './consumers/event-transport';
import type { OwnMigration, OwnTables } from './own-tables/own-data-source';
import type { EventSourcedServiceConfig } from './service-config';

/**
 * Work a service does in reaction to its own log that appends events (a process manager): run
 * only while the site is writable, after every projection is current. The `ProjectionHost`
 * calls `runOnce` in its loop; it returns how much it did (0 when idle).
 */
export interface Reactor {
  runOnce(): Promise<number>;
}

/** What the kit hands to modules of the service that need it (see `imports`). */
export interface ServiceKit {
  /**
   * True while a replica of this site catches up: relays of the service's own extra topics
   * (a public feed) should hold meanwhile, so that the replay has the cores.
   */
  readonly holdWhile: () => boolean;
}

/** What an event-sourced service tells {@link EventSourcedServiceModule} about itself. */
export interface EventSourcedServiceOptions {
  readonly config: EventSourcedServiceConfig;
  /** The PostgreSQL schema of the service's event store (`registry`). */
  readonly eventStoreSchema: string;
  /** The schema of the service's own tables beside it (`registry_app`). */
  readonly ownSchema: string;
  /**
   * The TypeORM entities of the own schema; must include `IdempotencyKeyEntity`. The kit's
   * `DataSource` (injectable as `DataSource`, `@nestjs/typeorm`) knows these.
   */
  readonly ownEntities: OwnTables['entities'];
  /**
   * The TypeORM migrations of the own schema, oldest first; must include the idempotency keys'
   * table (`IdempotencyKeysTable1765000000000`). Run by the service's `migrate` step, never on
   * start: the service refuses to start while one is pending.
   */
  readonly ownMigrations: readonly OwnMigration[];
  /**
   * Partitions of the internal event topic (6 by default). Events are keyed by stream, so this
   * bounds the consumers that can share the topic; it cannot shrink later without reordering
   * streams.
   */
  readonly eventTopicPartitions?: number;
  /** Connections of the service's pool (20 by default). */
  readonly maxConnections?: number;
  /**
   * Work of the service when its site becomes the primary, in the promotion's transaction (see
   * `ReplicationModuleOptions.onPromote`): number allocators brought up to the log, say.
   */
  readonly onPromote?: ReplicationModuleOptions['onPromote'];
  /**
   * Read models that follow the log on every site, digested for the embassy's comparison. A
   * function is given the kit's TypeORM `DataSource`, for a read model kept with TypeORM (its
   * `apply` then writes through `entityManagerOn(dataSource, client)`, in the batch's
   * transaction).
   */
  readonly projections?: readonly (Projection | ((own: DataSource) => Projection))[];
  /** Providers of the service (listed in its own module) that react to the log on the primary. */
  readonly reactors?: readonly InjectionToken<Reactor>[];
  /**
   * Topics the service consumes, served to its `@EventPattern` handlers (in its controllers) by
   * the platform's transport, with the inbox, retries and dead letters (see
   * `PlatformEventTransport`).
   */
  readonly subscriptions?: readonly Subscription[];
  /**
   * The service seals personal data under per-subject keys: the kit provides its key store
   * (`SUBJECT_KEY_STORE`, table `subject_keys` of the own schema, whose migration
   * `SubjectKeysTable1765000001000` must be among `ownMigrations`), writes its key changes to
   * `<service>.keys.v1` where the site is writable, and applies the other site's. Needs
   * `DATA_KEK_FILE`.
   */
  readonly subjectKeys?: boolean;
  /** Modules of the service that need the kit (a public feed's relay holds with `holdWhile`). */
  readonly imports?: (kit: ServiceKit) => DynamicModule[];
}

/** Injection token of the {@link EventSourcedServiceOptions}. */
export const SERVICE_OPTIONS = Symbol('SERVICE_OPTIONS');
