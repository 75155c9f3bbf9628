import type { ClientBase, Pool, QueryResultRow } from 'pg';

import { translatePgError } from '@gov/platform-event-sourcing';
import { SubjectKeysTable1765000001000 } from '@gov/platform-data-protection';
import type { Migration } from '@gov/platform-event-sourcing';
import {
  IDEMPOTENCY_KEYS_MIGRATION_SQL,
  IdempotencyKeyEntity,
  IdempotencyKeysTable1765000000000,
  createOwnDataSource,
  migrateService,
  ownTablesOf,
  verifyOwnSchema,
} from '@gov/platform-service';
import type { OwnMigration, ServiceMigrateResult, ServiceSchemas } from '@gov/platform-service';
import type { DataSource } from 'typeorm';

import {
  BusinessManagerEntity,
  CorrectionEntity,
  PersonSequenceEntity,
  RegistrarEntity,
  SiteAccessEntity,
} from './registry-entities';
import {
  RegistryBaseline1765000000100,
  RegistryBusinessManagers1765000000400,
  RegistryCorrectionCommunications1765000000300,
  RegistrySiteAccessLog1765000000200,
} from './registry-migrations';
import { APPLICATION_SCHEMA, EVENT_STORE_SCHEMA } from './registry-schema-names';

export { APPLICATION_SCHEMA, EVENT_STORE_SCHEMA } from './registry-schema-names';

/**
 * The registry's own migrations as the platform's SQL runner ran them, before the own tables
 * moved to TypeORM ({@link REGISTRY_MIGRATIONS}, whose baseline covers all of these). Kept,
 * unchanged, for the tests of the upgrade from a database that runner migrated; nothing runs
 * them any more.
 */
export const REGISTRY_SQL_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'number allocation',
    sql: `
-- The next 3-digit sequence number of national identification numbers, per birth date.
-- Allocated with one upsert (its row lock serialises allocations for the same birth date only);
-- 1000 means every sequence 0-999 is taken.
CREATE TABLE person_sequences (
  birth_date    date    PRIMARY KEY,
  next_sequence integer NOT NULL CHECK (next_sequence BETWEEN 1 AND 1000)
);

-- Business numbers B1 ... B999999. A sequence: never handed out twice, gaps allowed.
CREATE SEQUENCE business_numbers AS integer MINVALUE 1 MAXVALUE 999999 NO CYCLE;
`,
  },
  { version: 2, name: 'idempotency keys', sql: IDEMPOTENCY_KEYS_MIGRATION_SQL },
  {
    version: 3,
    name: 'corrections read model',
    sql: `
-- Every correction request with its status, for its requester's list and a registrar's work
-- list. Rebuildable from the log (projection_checkpoints row 'corrections' back to 0).
CREATE TABLE corrections (
  correction_id    uuid        PRIMARY KEY,
  register         text        NOT NULL,
  record_id        text        NOT NULL,
  field            text        NOT NULL,
  requester        text        NOT NULL,
  status           text        NOT NULL CHECK (status IN ('REQUESTED', 'ACCEPTED', 'REJECTED')),
  requested_at     timestamptz NOT NULL,
  decided_at       timestamptz,
  decided_by       text,
  reason           text,
  applied_to_record boolean    NOT NULL DEFAULT false,
  version          bigint      NOT NULL CHECK (version >= 1)
);
CREATE INDEX corrections_requester_idx ON corrections (requester, requested_at DESC);
CREATE INDEX corrections_register_idx ON corrections (register, status, requested_at DESC);

CREATE TABLE projection_checkpoints (
  name       text        PRIMARY KEY,
  position   bigint      NOT NULL CHECK (position >= 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);
`,
  },
  {
    version: 4,
    name: 'registrar directory',
    sql: `
-- Registrars' own national identification numbers, for the four-eyes rule of corrections
-- (the identity provider's tokens carry only the staff id).
CREATE TABLE registrars (
  registrar_id text        PRIMARY KEY,
  national_id  text        NOT NULL CHECK (national_id ~ '^[0-9]{13}$'),
  enrolled_at  timestamptz NOT NULL DEFAULT now()
);
`,
  },
  {
    version: 5,
    name: 'pending acceptances',
    sql: `
-- The corrections reactor's to-do list: accepted requests whose value is not in the record yet.
-- Almost always empty, so a partial index keeps its poll at one index probe.
CREATE INDEX corrections_pending_idx ON corrections (decided_at, correction_id)
  WHERE status = 'ACCEPTED' AND NOT applied_to_record;
`,
  },
  {
    version: 6,
    name: 'projection checkpoints in the event store',
    sql: `
-- Projection checkpoints have one home: the event store's projection_checkpoints (the
-- event-sourcing library's migrations, beside the log they point into). Each checkpoint kept
-- here moves there, where it replaces any row of the same name (this one is what the read
-- model's rows were built up to). The old name stays as a view of the new table for code that
-- still names this schema.
INSERT INTO "${EVENT_STORE_SCHEMA}".projection_checkpoints (name, position, updated_at)
SELECT name, position, updated_at FROM projection_checkpoints
ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = EXCLUDED.updated_at;
DROP TABLE projection_checkpoints;
CREATE VIEW projection_checkpoints AS
  SELECT name, position, updated_at FROM "${EVENT_STORE_SCHEMA}".projection_checkpoints;
`,
  },
];

/** The registry's own entities (the kit's idempotency keys among them). */
export const REGISTRY_ENTITIES = [
  IdempotencyKeyEntity,
  PersonSequenceEntity,
  CorrectionEntity,
  RegistrarEntity,
  SiteAccessEntity,
  BusinessManagerEntity,
];

/**
 * The registry's own TypeORM migrations, oldest first. Released migrations never change; a
 * change is a new one at the end.
 */
export const REGISTRY_MIGRATIONS: readonly OwnMigration[] = [
  IdempotencyKeysTable1765000000000,
  RegistryBaseline1765000000100,
  RegistrySiteAccessLog1765000000200,
  RegistryCorrectionCommunications1765000000300,
  RegistryBusinessManagers1765000000400,
  SubjectKeysTable1765000001000,
];

/** The newest migration of {@link REGISTRY_MIGRATIONS}: what this code needs. */
export const REQUIRED_REGISTRY_MIGRATION = SubjectKeysTable1765000001000.name;

/** The registry's two schemas and its own tables, as the service kit takes them. */
export const REGISTRY_SCHEMAS: ServiceSchemas = {
  eventStoreSchema: EVENT_STORE_SCHEMA,
  ownSchema: APPLICATION_SCHEMA,
  ownEntities: REGISTRY_ENTITIES,
  ownMigrations: REGISTRY_MIGRATIONS,
};

/** The registry's own tables on `pool`, as TypeORM sees them (a command-line tool, a test). */
export function createRegistryDataSource(pool: Pool): Promise<DataSource> {
  return createOwnDataSource(pool, ownTablesOf(REGISTRY_SCHEMAS));
}

/**
 * Brings both of the registry's schemas up to date: the event store's (the event-sourcing
 * library's migrations) and its own tables. Idempotent and safe to run concurrently.
 */
export function migrateRegistry(pool: Pool): Promise<ServiceMigrateResult> {
  return migrateService(pool, REGISTRY_SCHEMAS);
}

/**
 * Resolves when the registry's own schema has every migration this code needs (the event
 * store checks its own).
 *
 * @throws `OwnSchemaNotMigratedError` when it does not.
 */
export function verifyRegistrySchema(pool: Pool): Promise<void> {
  return verifyOwnSchema(pool, REGISTRY_SCHEMAS, 'registry');
}

/** A query on the registry's own tables, with database errors translated (transient → 503). */
export async function query<R extends QueryResultRow>(
  pool: Pool | ClientBase,
  operation: string,
  text: string,
  values: readonly unknown[] = [],
): Promise<R[]> {
  try {
    const result = await pool.query<R>(text, [...values]);
    return result.rows;
  } catch (error) {
    throw translate(error, operation);
  }
}

/** Database errors of the registry's own tables, translated (transient → 503). */
export function translate(error: unknown, operation: string): Error {
  return translatePgError(error, {
    operation,
    schema: APPLICATION_SCHEMA,
    requiredMigration: REGISTRY_MIGRATIONS.length,
  });
}
