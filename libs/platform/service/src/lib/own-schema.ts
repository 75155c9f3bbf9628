import type { Pool } from 'pg';
import { MigrationExecutor } from 'typeorm';
import type { DataSource } from 'typeorm';

import { migrate, translatePgError } from '@gov/platform-event-sourcing';
import type { MigrateResult } from '@gov/platform-event-sourcing';

import { OWN_MIGRATIONS_TABLE, createOwnDataSource } from './own-tables/own-data-source';
import type { OwnMigration, OwnTables } from './own-tables/own-data-source';

/** The schemas of an event-sourced service: its event store's, and its own tables'. */
export interface ServiceSchemas {
  readonly eventStoreSchema: string;
  readonly ownSchema: string;
  /** The TypeORM entities of the own schema (see `OwnTables`). */
  readonly ownEntities: OwnTables['entities'];
  /** The TypeORM migrations of the own schema, oldest first. */
  readonly ownMigrations: readonly OwnMigration[];
}

/** What the TypeORM migrations of a service's own schema did. */
export interface OwnMigrateResult {
  /** Names of the migrations applied by this call, in order (empty when up to date). */
  readonly applied: readonly string[];
  /** The newest migration the schema has afterwards. */
  readonly version: string | null;
}

/** What {@link migrateService} did to each schema. */
export interface ServiceMigrateResult {
  readonly eventStore: MigrateResult;
  readonly own: OwnMigrateResult;
}

/** The {@link OwnTables} of a service's schemas. */
export function ownTablesOf(schemas: ServiceSchemas): OwnTables {
  return {
    schema: schemas.ownSchema,
    entities: schemas.ownEntities,
    migrations: schemas.ownMigrations,
  };
}

/**
 * Brings both of a service's schemas up to date: the event store's with the event-sourcing
 * library's SQL migrations, then the service's own tables with its TypeORM migrations (the
 * event store's tables come first: an own migration may refer to them). Idempotent and safe to
 * run concurrently: each schema migrates in one transaction under an advisory lock. The
 * service's `migrate` step, a Helm hook job in a deployment.
 */
export async function migrateService(
  pool: Pool,
  schemas: ServiceSchemas,
): Promise<ServiceMigrateResult> {
  const eventStore = await migrate(pool, { schema: schemas.eventStoreSchema });
  const dataSource = await createOwnDataSource(pool, ownTablesOf(schemas));
  try {
    const own = await runOwnMigrations(dataSource, schemas.ownSchema);
    return { eventStore, own };
  } finally {
    await dataSource.destroy();
  }
}

/**
 * Runs the pending TypeORM migrations of `dataSource` in one transaction, on one connection
 * that holds a session advisory lock for the schema first: TypeORM has no lock of its own, and
 * two migrate jobs at once would otherwise both see a migration pending.
 */
async function runOwnMigrations(dataSource: DataSource, schema: string): Promise<OwnMigrateResult> {
  const runner = dataSource.createQueryRunner();
  try {
    await runner.query('SELECT pg_advisory_lock(hashtext($1))', [`own-schema:${schema}`]);
    try {
      await runner.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      const executor = new MigrationExecutor(dataSource, runner);
      executor.transaction = 'all';
      const applied = await executor.executePendingMigrations();
      const executed = await executor.getExecutedMigrations();
      const newest = executed.reduce<(typeof executed)[number] | undefined>(
        (latest, m) => (latest === undefined || m.timestamp > latest.timestamp ? m : latest),
        undefined,
      );
      return { applied: applied.map((m) => m.name), version: newest?.name ?? null };
    } finally {
      await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [`own-schema:${schema}`]);
    }
  } finally {
    await runner.release();
  }
}

/** A service's own tables are older than its code: its migrations must run first. */
export class OwnSchemaNotMigratedError extends Error {
  override readonly name = 'OwnSchemaNotMigratedError';

  constructor(
    readonly schema: string,
    readonly pending: readonly string[],
    readonly service = 'service',
  ) {
    super(
      `schema "${schema}" lacks migration ${pending.join(', ')}: ` +
        `run the ${service}'s migrations (npx nx run ${service}:migrate) first`,
    );
  }
}

/**
 * Names of the migrations of `dataSource` that its schema has not run, oldest first. Reads
 * TypeORM's history table only (creates nothing, unlike `showMigrations`).
 */
export async function pendingOwnMigrations(dataSource: DataSource): Promise<string[]> {
  const schema = dataSource.driver.schema ?? 'public';
  const names = dataSource.migrations.map((m) => m.name ?? m.constructor.name);
  let executed = new Set<string>();
  try {
    const rows = await dataSource.query<{ name: string }[]>(
      `SELECT name FROM "${schema}"."${OWN_MIGRATIONS_TABLE}"`,
    );
    executed = new Set(rows.map((row) => row.name));
  } catch (error) {
    // 42P01 undefined_table, 3F000 invalid_schema_name: never migrated.
    const code = (error as { code?: unknown }).code;
    if (code !== '42P01' && code !== '3F000') {
      throw translatePgError(error, {
        operation: 'verify schema',
        schema,
        requiredMigration: names.length,
      });
    }
  }
  return names.filter((name) => !executed.has(name));
}

/**
 * Resolves when the service's own schema has run every migration of `dataSource` (the event
 * store checks its own).
 *
 * @param service - The service's name, for the error's advice.
 * @throws {@link OwnSchemaNotMigratedError} when it has not.
 */
export async function verifyOwnTables(dataSource: DataSource, service?: string): Promise<void> {
  const pending = await pendingOwnMigrations(dataSource);
  if (pending.length > 0) {
    throw new OwnSchemaNotMigratedError(dataSource.driver.schema ?? 'public', pending, service);
  }
}

/**
 * {@link verifyOwnTables} for a program that has only the pool (a command-line tool).
 *
 * @throws {@link OwnSchemaNotMigratedError} when a migration is pending.
 */
export async function verifyOwnSchema(
  pool: Pool,
  schemas: ServiceSchemas,
  service?: string,
): Promise<void> {
  const dataSource = await createOwnDataSource(pool, ownTablesOf(schemas));
  try {
    await verifyOwnTables(dataSource, service);
  } finally {
    await dataSource.destroy();
  }
}
