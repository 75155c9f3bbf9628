import { Inject, Logger, Module } from '@nestjs/common';
import type { DynamicModule, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import type { PoolClient } from 'pg';

import { dbQueries } from '@gov/platform-observability';

import { PostgresReadinessCheck } from './postgres-readiness.check';
import { PG_POOL, POSTGRES_OPTIONS } from './postgres.options';
import type { PostgresModuleOptions } from './postgres.options';

/**
 * A `pg` connection pool for the service's database, under {@link PG_POOL}, and its
 * {@link PostgresReadinessCheck}. The pool connects lazily (the service starts, and reports
 * not-ready, while the database is down) and is closed when the application shuts down, after
 * the HTTP server has stopped, so that requests in flight can finish their queries.
 */
@Module({})
export class PostgresModule implements OnApplicationShutdown {
  private readonly logger = new Logger(PostgresModule.name);

  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  static forRoot(options: PostgresModuleOptions): DynamicModule {
    return {
      module: PostgresModule,
      providers: [
        { provide: POSTGRES_OPTIONS, useValue: options },
        { provide: PG_POOL, useFactory: createPool, inject: [POSTGRES_OPTIONS] },
        PostgresReadinessCheck,
      ],
      exports: [PG_POOL, PostgresReadinessCheck],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
    this.logger.log('PostgreSQL pool closed');
  }
}

function createPool(options: PostgresModuleOptions): Pool {
  const pool = new Pool({
    connectionString: options.url,
    application_name: options.applicationName,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
  });
  // An idle connection can fail (the server restarts, a network blip); without a listener the
  // 'error' event would crash the process. The pool replaces the connection on next use.
  const logger = new Logger(PostgresModule.name);
  pool.on('error', (error) => {
    logger.warn({ err: error }, 'An idle PostgreSQL connection failed');
  });
  pool.on('connect', countQueries);
  return pool;
}

/** Counts every query sent on `client` in `db_client_queries_total` (round trips). */
function countQueries(client: PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (...args: unknown[]): unknown => {
    dbQueries.inc();
    return query(...args);
  };
}
