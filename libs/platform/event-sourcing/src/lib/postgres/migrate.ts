import { createHash } from 'node:crypto';

import type { Pool } from 'pg';

import { EVENT_STORE_MIGRATIONS, REQUIRED_MIGRATION } from './migrations';
import type { Migration } from './migrations';
import { translatePgError } from './pg-errors';
import { quoteSchema } from './schema-name';

/** Options of {@link migrate}. */
export interface MigrateOptions {
  /** The PostgreSQL schema of the store; created if missing. */
  readonly schema: string;
  /** The migrations to apply; the event store's own by default (tests pass others). */
  readonly migrations?: readonly Migration[];
}

/** What {@link migrate} did. */
export interface MigrateResult {
  /** Versions applied by this call, in order (empty when the schema was up to date). */
  readonly applied: readonly number[];
  /** The schema's version afterwards. */
  readonly version: number;
}

/** A migration's recorded checksum disagrees with the code: someone edited a released migration. */
export class MigrationDriftError extends Error {
  override readonly name = 'MigrationDriftError';

  constructor(
    readonly schema: string,
    readonly version: number,
    message: string,
  ) {
    super(`schema "${schema}", migration ${version}: ${message}`);
  }
}

/**
 * Brings the event store schema `options.schema` up to date: creates the schema and its
 * `schema_migrations` table if needed and applies the missing migrations in order, all in one
 * transaction under a transaction-scoped advisory lock, so concurrent callers (several replicas
 * starting, a Helm hook job) apply each migration exactly once and see all or nothing.
 * Idempotent: on an up-to-date schema it changes nothing.
 *
 * Migrations are a deliberate deployment step: services verify the schema at start-up and
 * refuse to run on an outdated one, but do not migrate by themselves unless configured to.
 *
 * @throws {@link MigrationDriftError} if an applied migration's SQL or name differs from the
 *   code's, or applied versions are not a prefix of the known ones.
 * @throws An {@link EventStoreFailure} (via {@link translatePgError}) for database failures.
 */
export async function migrate(pool: Pool, options: MigrateOptions): Promise<MigrateResult> {
  const schema = quoteSchema(options.schema);
  const migrations = [...(options.migrations ?? EVENT_STORE_MIGRATIONS)].sort(
    (a, b) => a.version - b.version,
  );
  checkSequence(options.schema, migrations);
  const context = {
    operation: 'migrate',
    schema: options.schema,
    requiredMigration: REQUIRED_MIGRATION,
  };
  let client;
  try {
    client = await pool.connect();
  } catch (error) {
    throw translatePgError(error, context);
  }
  try {
    await client.query('BEGIN');
    // Keyed by schema: stores of different services in one database migrate independently.
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
      `gov.event-store.migrate:${options.schema}`,
    ]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${schema}.schema_migrations (
         version    integer     PRIMARY KEY,
         name       text        NOT NULL,
         checksum   text        NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const { rows } = await client.query<{ version: number; name: string; checksum: string }>(
      `SELECT version, name, checksum FROM ${schema}.schema_migrations ORDER BY version`,
    );
    const applied = new Map(rows.map((row) => [row.version, row]));
    for (const row of rows) {
      const known = migrations.find((m) => m.version === row.version);
      // A version the code does not know comes from a newer release; additive migrations keep
      // older code working, so that is not an error. A changed one is.
      if (known && (known.name !== row.name || checksum(known) !== row.checksum)) {
        throw new MigrationDriftError(
          options.schema,
          row.version,
          `applied as "${row.name}" (${row.checksum}), the code has "${known.name}" (${checksum(known)}); released migrations must not change`,
        );
      }
    }
    const pending = migrations.filter((m) => !applied.has(m.version));
    const newest = rows.at(-1)?.version ?? 0;
    if (pending.some((m) => m.version < newest)) {
      throw new MigrationDriftError(
        options.schema,
        pending[0]?.version ?? 0,
        `applied versions (${rows.map((r) => r.version).join(', ')}) skip a known migration`,
      );
    }
    for (const migration of pending) {
      await client.query(`SET LOCAL search_path TO ${schema}`);
      await client.query(migration.sql);
      await client.query(
        `INSERT INTO ${schema}.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)`,
        [migration.version, migration.name, checksum(migration)],
      );
    }
    await client.query('COMMIT');
    return {
      applied: pending.map((m) => m.version),
      version: Math.max(newest, ...pending.map((m) => m.version)),
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    if (error instanceof MigrationDriftError) {
      throw error;
    }
    throw translatePgError(error, context);
  } finally {
    client.release();
  }
}

function checksum(migration: Migration): string {
  return createHash('sha256').update(migration.sql).digest('hex');
}

function checkSequence(schema: string, migrations: readonly Migration[]): void {
  migrations.forEach((migration, i) => {
    if (migration.version !== i + 1) {
      throw new MigrationDriftError(
        schema,
        migration.version,
        'migration versions must run 1, 2, 3, ... without gaps or repeats',
      );
    }
  });
}
