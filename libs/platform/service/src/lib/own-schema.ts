import type { Pool } from 'pg';

import { migrate, translatePgError } from '@gov/platform-event-sourcing';
import type { MigrateResult, Migration } from '@gov/platform-event-sourcing';

/** The schemas of an event-sourced service: its event store's, and its own tables'. */
export interface ServiceSchemas {
  readonly eventStoreSchema: string;
  readonly ownSchema: string;
  readonly ownMigrations: readonly Migration[];
}

/** What {@link migrateService} did to each schema. */
export interface ServiceMigrateResult {
  readonly eventStore: MigrateResult;
  readonly own: MigrateResult;
}

/**
 * Brings both of a service's schemas up to date: the event store's (the event-sourcing
 * library's migrations) and the service's own tables. Idempotent and safe to run concurrently
 * (each schema migrates under an advisory lock, in one transaction). The service's `migrate`
 * step, a Helm hook job in a deployment.
 */
export async function migrateService(
  pool: Pool,
  schemas: ServiceSchemas,
): Promise<ServiceMigrateResult> {
  const eventStore = await migrate(pool, { schema: schemas.eventStoreSchema });
  const own = await migrate(pool, {
    schema: schemas.ownSchema,
    migrations: schemas.ownMigrations,
  });
  return { eventStore, own };
}

/** A service's own tables are older than its code: its migrations must run first. */
export class OwnSchemaNotMigratedError extends Error {
  override readonly name = 'OwnSchemaNotMigratedError';

  constructor(
    readonly schema: string,
    readonly currentVersion: number,
    readonly requiredVersion: number,
    readonly service = 'service',
  ) {
    super(
      `schema "${schema}" is at migration ${currentVersion}, this code needs ` +
        `${requiredVersion}: run the ${service}'s migrations (npx nx run ${service}:migrate) first`,
    );
  }
}

/**
 * Resolves when the service's own schema has every migration of `ownMigrations` (the event store
 * checks its own).
 *
 * @param service - The service's name, for the error's advice.
 * @throws {@link OwnSchemaNotMigratedError} when it does not.
 */
export async function verifyOwnSchema(
  pool: Pool,
  schemas: ServiceSchemas,
  service?: string,
): Promise<void> {
  const required = schemas.ownMigrations.length;
  let current = 0;
  try {
    const { rows } = await pool.query<{ version: number | null }>(
      `SELECT max(version) AS version FROM "${schemas.ownSchema}".schema_migrations`,
    );
    current = rows[0]?.version ?? 0;
  } catch (error) {
    // 42P01 undefined_table, 3F000 invalid_schema_name: never migrated.
    const code = (error as { code?: unknown }).code;
    if (code !== '42P01' && code !== '3F000') {
      throw translatePgError(error, {
        operation: 'verify schema',
        schema: schemas.ownSchema,
        requiredMigration: required,
      });
    }
  }
  if (current < required) {
    throw new OwnSchemaNotMigratedError(schemas.ownSchema, current, required, service);
  }
}
