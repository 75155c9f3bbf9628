import type { InjectionToken, ModuleMetadata, OptionalFactoryDependency } from '@nestjs/common';
import type { Pool } from 'pg';

import type { Upcaster } from '../event-store/upcasting';

/** Configuration of {@link EventSourcingModule}. */
export interface EventSourcingModuleOptions {
  /**
   * The service's connection pool (the chassis's `PG_POOL`). Its owner closes it; the store
   * stops using it before that (Nest shuts modules down in dependency order).
   */
  readonly pool: Pool;
  /** The PostgreSQL schema of the service's store, e.g. `registry`. */
  readonly schema: string;
  /** The service name recorded as producer on every event, e.g. `registry`. */
  readonly producer: string;
  /** Upcasters applied when reading. */
  readonly upcasters?: readonly Upcaster[];
  /** See `PostgresEventStoreOptions.writeGate`: refuses appends on a replica or fenced site. */
  readonly writeGate?: () => void;
  /**
   * Apply missing migrations at start-up instead of refusing to start. Off by default:
   * migrations are a deliberate deployment step (a Helm hook job running `migrate`); turn it on
   * for local development and tests.
   */
  readonly migrateOnStart?: boolean;
}

/** Configuration of {@link EventSourcingModule.forRootAsync}. */
export interface EventSourcingModuleAsyncOptions {
  /** Modules that export the providers listed in `inject`. */
  readonly imports?: ModuleMetadata['imports'];
  /** Providers handed to `useFactory`, in order (e.g. `PG_POOL` and the configuration). */
  readonly inject?: (InjectionToken | OptionalFactoryDependency)[];
  /** Computes the options; may be async. */
  readonly useFactory: (
    ...args: never[]
  ) => EventSourcingModuleOptions | Promise<EventSourcingModuleOptions>;
}

/** Injection token of the resolved {@link EventSourcingModuleOptions}; internal. */
export const EVENT_SOURCING_OPTIONS = Symbol('EVENT_SOURCING_OPTIONS');

/**
 * Injection token of the service's store as the {@link EventStore} port (the same instance as
 * the `PostgresEventStore` provider). Application code depends on the port.
 */
export const EVENT_STORE = Symbol('EVENT_STORE');
