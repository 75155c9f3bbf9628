import type { DynamicModule, InjectionToken } from '@nestjs/common';

import type { Migration, Projection } from '@gov/platform-event-sourcing';
import type { ReplicationModuleOptions } from '@gov/platform-replication';

import type { Subscription } from './consumers/event-transport';
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
   * The migrations of the own schema, in order; must include the idempotency keys' table
   * (`IDEMPOTENCY_KEYS_MIGRATION_SQL`). The service refuses to start before they ran.
   */
  readonly ownMigrations: readonly Migration[];
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
  /** Read models that follow the log on every site, digested for the embassy's comparison. */
  readonly projections?: readonly Projection[];
  /** Providers of the service (listed in its own module) that react to the log on the primary. */
  readonly reactors?: readonly InjectionToken<Reactor>[];
  /**
   * Topics the service consumes, served to its `@EventPattern` handlers (in its controllers) by
   * the platform's transport, with the inbox, retries and dead letters (see
   * `PlatformEventTransport`).
   */
  readonly subscriptions?: readonly Subscription[];
  /** Modules of the service that need the kit (a public feed's relay holds with `holdWhile`). */
  readonly imports?: (kit: ServiceKit) => DynamicModule[];
}

/** Injection token of the {@link EventSourcedServiceOptions}. */
export const SERVICE_OPTIONS = Symbol('SERVICE_OPTIONS');
