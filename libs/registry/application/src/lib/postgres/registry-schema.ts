import type { ClientBase, Pool, QueryResultRow } from 'pg';

import { migrate, translatePgError } from '@gov/platform-event-sourcing';
import type { Migration, MigrateResult } from '@gov/platform-event-sourcing';

/** The PostgreSQL schema of the registry's event store (events, outbox checkpoints, inbox). */
export const EVENT_STORE_SCHEMA = 'registry';

/**
 * The PostgreSQL schema of the registry's own tables, beside its event store: number
 * allocation, idempotency keys, the corrections read model and the registrar directory
 * (projection checkpoints are the event store's). A schema of its own, with its own `schema_migrations`, so that the
 * event store's migrations and these never share a version sequence.
 */
export const APPLICATION_SCHEMA = 'registry_app';

/**
 * The registry's own migrations, in order. Released migrations never change (`migrate` checks
 * their checksums); a change is a new one at the end.
 */
export const REGISTRY_MIGRATIONS: readonly Migration[] = [
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
  {
    version: 2,
    name: 'idempotency keys',
    sql: `
-- One row per (caller, Idempotency-Key): the request's fingerprint while it runs, then the
-- answer a retry gets. Kept for a day (purged by the service).
CREATE TABLE idempotency_keys (
  scope            text        NOT NULL,
  key              text        NOT NULL,
  fingerprint      text        NOT NULL,
  first_seen_at    timestamptz NOT NULL DEFAULT now(),
  claimed_at       timestamptz NOT NULL DEFAULT now(),
  response_status  integer,
  response_headers jsonb,
  response_body    json,
  completed_at     timestamptz,
  PRIMARY KEY (scope, key),
  CONSTRAINT idempotency_keys_response_check CHECK (
    (response_status IS NULL) = (completed_at IS NULL))
);
CREATE INDEX idempotency_keys_first_seen_idx ON idempotency_keys (first_seen_at);
`,
  },
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

/** The newest migration of {@link REGISTRY_MIGRATIONS}: what this code needs. */
export const REQUIRED_REGISTRY_MIGRATION = REGISTRY_MIGRATIONS.length;

/** What {@link migrateRegistry} did to each schema. */
export interface RegistryMigrateResult {
  readonly eventStore: MigrateResult;
  readonly application: MigrateResult;
}

/**
 * Brings both of the registry's schemas up to date: the event store's (the event-sourcing
 * library's migrations) and its own tables. Idempotent and safe to run concurrently (each
 * schema migrates under an advisory lock, in one transaction).
 */
export async function migrateRegistry(pool: Pool): Promise<RegistryMigrateResult> {
  const eventStore = await migrate(pool, { schema: EVENT_STORE_SCHEMA });
  const application = await migrate(pool, {
    schema: APPLICATION_SCHEMA,
    migrations: REGISTRY_MIGRATIONS,
  });
  return { eventStore, application };
}

/** The registry's tables are older than this code: run `registry:migrate`. */
export class RegistrySchemaNotMigratedError extends Error {
  override readonly name = 'RegistrySchemaNotMigratedError';

  constructor(
    readonly currentVersion: number,
    readonly requiredVersion: number,
  ) {
    super(
      `schema "${APPLICATION_SCHEMA}" is at migration ${currentVersion}, this code needs ` +
        `${requiredVersion}: run the registry's migrations (npx nx run registry:migrate) first`,
    );
  }
}

/**
 * Resolves when the registry's own schema has every migration this code needs (the event
 * store checks its own).
 *
 * @throws {@link RegistrySchemaNotMigratedError} when it does not.
 */
export async function verifyRegistrySchema(pool: Pool): Promise<void> {
  let current = 0;
  try {
    const { rows } = await pool.query<{ version: number | null }>(
      `SELECT max(version) AS version FROM "${APPLICATION_SCHEMA}".schema_migrations`,
    );
    current = rows[0]?.version ?? 0;
  } catch (error) {
    // 42P01 undefined_table, 3F000 invalid_schema_name: never migrated.
    const code = (error as { code?: unknown }).code;
    if (code !== '42P01' && code !== '3F000') throw translate(error, 'verify schema');
  }
  if (current < REQUIRED_REGISTRY_MIGRATION) {
    throw new RegistrySchemaNotMigratedError(current, REQUIRED_REGISTRY_MIGRATION);
  }
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

function translate(error: unknown, operation: string): Error {
  return translatePgError(error, {
    operation,
    schema: APPLICATION_SCHEMA,
    requiredMigration: REQUIRED_REGISTRY_MIGRATION,
  });
}
