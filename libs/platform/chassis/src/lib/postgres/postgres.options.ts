/** Configuration of {@link PostgresModule}. */
export interface PostgresModuleOptions {
  /** Connection URL, e.g. from `DATABASE_URL`. */
  readonly url: string;
  /** Shown in `pg_stat_activity`, to tell services apart; usually the service name. */
  readonly applicationName: string;
  /** Most connections the pool opens; 10 by default. */
  readonly maxConnections?: number;
  /**
   * How long acquiring a connection may wait (for a free slot, or for the server to accept)
   * before the query fails; 5 000 ms by default, so that an unreachable server fails requests
   * instead of queueing them without end.
   */
  readonly connectionTimeoutMs?: number;
}

/** Injection token of the module's `pg` `Pool`. */
export const PG_POOL = Symbol('PG_POOL');

/** Injection token of the resolved {@link PostgresModuleOptions}; internal to this library. */
export const POSTGRES_OPTIONS = Symbol('POSTGRES_OPTIONS');
