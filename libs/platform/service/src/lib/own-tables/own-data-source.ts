import * as pg from 'pg';
import type { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import type { EntityManager, EntitySchema, MigrationInterface, QueryRunner } from 'typeorm';
import type { PostgresDataSourceOptions } from 'typeorm/driver/postgres/PostgresDataSourceOptions';

/** A TypeORM migration class of a service's own schema; its name ends with a 13-digit timestamp. */
export type OwnMigration = new () => MigrationInterface;

/**
 * A service's own relational tables, kept with TypeORM: the schema they live in, their entities
 * and their migrations (in order). The event store's schema is not one of them: the
 * event-sourcing library owns it, with its own SQL migrations.
 */
export interface OwnTables {
  /** The schema of the service's own tables (`registry_app`). */
  readonly schema: string;
  /** Its entities, as `EntitySchema`s (no decorators: application libraries know no Nest). */
  readonly entities: readonly EntitySchema[];
  /** Its migrations, oldest first. */
  readonly migrations: readonly OwnMigration[];
}

/** The table of TypeORM's migration history in the service's own schema. */
export const OWN_MIGRATIONS_TABLE = 'typeorm_migrations';

/**
 * The pg `Pool` that TypeORM's PostgreSQL driver builds, standing for the chassis' pool: every
 * connection TypeORM takes comes from (and goes back to) the service's one pool, so the event
 * store, projections, inbox and TypeORM share its size limit. Ending it is the chassis' job, not
 * TypeORM's: `end` leaves the pool open.
 */
class BorrowedPool {
  constructor(private readonly pool: Pool) {}

  connect(
    callback: (error: Error | undefined, client: PoolClient | undefined, done: () => void) => void,
  ): void {
    this.pool.connect((error, client, done) => {
      callback(error, client, done);
    });
  }

  /** The chassis' pool has its own error handler; TypeORM's would only log twice. */
  on(): this {
    return this;
  }

  end(callback?: (error?: Error) => void): void {
    callback?.();
  }
}

/**
 * TypeORM options for a service's own tables over the chassis' pool. TypeORM 1.x builds its
 * pool with `new driver.Pool(options)`; the `driver` option (the `pg` module by default) is
 * where a pool that already exists can be given to it. Never synchronises, never runs
 * migrations on start: migrations are the service's deliberate `migrate` step.
 */
export function ownDataSourceOptions(pool: Pool, tables: OwnTables): PostgresDataSourceOptions {
  const driver = {
    ...pg,
    Pool: function SharedPool() {
      return new BorrowedPool(pool);
    },
  };
  return {
    type: 'postgres',
    driver,
    schema: tables.schema,
    entities: [...tables.entities],
    migrations: [...tables.migrations],
    migrationsTableName: OWN_MIGRATIONS_TABLE,
    migrationsRun: false,
    synchronize: false,
    logging: false,
  };
}

/** An initialised TypeORM `DataSource` of a service's own tables over the chassis' pool. */
export async function createOwnDataSource(pool: Pool, tables: OwnTables): Promise<DataSource> {
  return new DataSource(ownDataSourceOptions(pool, tables)).initialize();
}

/**
 * An `EntityManager` that works on `client`, a connection of the service's pool inside a
 * transaction that someone else opened (a projection batch, an append): TypeORM's statements
 * then commit or roll back with that transaction. The manager never begins, commits or releases
 * anything itself.
 */
export function entityManagerOn(dataSource: DataSource, client: PoolClient): EntityManager {
  const runner = dataSource.createQueryRunner() as QueryRunner & {
    databaseConnection: PoolClient;
    isTransactionActive: boolean;
  };
  // What `connect()` would have taken from the pool; with no release callback, `release()`
  // leaves the client with its owner. Marked in a transaction so that `save()` opens none.
  runner.databaseConnection = client;
  runner.isTransactionActive = true;
  return runner.manager;
}

/**
 * The pg connection under a TypeORM transaction's manager (`dataSource.transaction(...)`), for
 * the platform's libraries that take a `PoolClient` (the event store's `startStreams`): their
 * statements then join TypeORM's transaction.
 */
export function pgClientOf(manager: EntityManager): PoolClient {
  // The postgres driver's query runner keeps the pg client it took from the pool here.
  const runner = manager.queryRunner;
  const client: unknown =
    runner === undefined ? undefined : Reflect.get(runner, 'databaseConnection');
  if (!(client instanceof pg.Client)) {
    throw new Error('pgClientOf needs the manager of a transaction (dataSource.transaction)');
  }
  return client as PoolClient;
}

/**
 * Runs `sql` (statements with unqualified names) in the schema of the migration's data source,
 * for the rest of the migration's transaction (`SET LOCAL`): a service's migrations name no
 * schema, as the platform's SQL runner never required them to.
 */
export async function runInOwnSchema(runner: QueryRunner, sql: string): Promise<void> {
  const schema = runner.dataSource.driver.schema;
  if (schema === undefined) throw new Error('the data source names no schema');
  await runner.query(`SET LOCAL search_path TO "${schema}"`);
  await runner.query(sql);
}
