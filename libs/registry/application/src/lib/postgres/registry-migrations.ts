// The registry's own schema as TypeORM migrations. Released migrations never change; a change
// is a new migration at the end (a class whose name ends with a later timestamp).
import type { MigrationInterface, QueryRunner } from 'typeorm';

import { runInOwnSchema } from '@gov/platform-service';

import { EVENT_STORE_SCHEMA } from './registry-schema-names';

/**
 * Everything the platform's SQL runner made in migrations 1-6 (`REGISTRY_SQL_MIGRATIONS`), with
 * `IF NOT EXISTS` throughout: on a schema that runner migrated, it changes nothing (or does what
 * migration 6 would have, when the schema stopped at 5); on an empty one it creates all of it.
 * Every database moves to TypeORM's history with it, whatever runner made its tables.
 */
export class RegistryBaseline1765000000100 implements MigrationInterface {
  async up(runner: QueryRunner): Promise<void> {
    await runInOwnSchema(
      runner,
      `
-- The next 3-digit sequence number of national identification numbers, per birth date.
-- Allocated with one upsert (its row lock serialises allocations for the same birth date only);
-- 1000 means every sequence 0-999 is taken.
CREATE TABLE IF NOT EXISTS person_sequences (
  birth_date    date    PRIMARY KEY,
  next_sequence integer NOT NULL CHECK (next_sequence BETWEEN 1 AND 1000)
);

-- Business numbers B1 ... B999999. A sequence: never handed out twice, gaps allowed.
CREATE SEQUENCE IF NOT EXISTS business_numbers AS integer MINVALUE 1 MAXVALUE 999999 NO CYCLE;

-- Every correction request with its status, for its requester's list and a registrar's work
-- list. Rebuildable from the log (the event store's checkpoint 'corrections' back to 0).
CREATE TABLE IF NOT EXISTS corrections (
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
CREATE INDEX IF NOT EXISTS corrections_requester_idx ON corrections (requester, requested_at DESC);
CREATE INDEX IF NOT EXISTS corrections_register_idx
  ON corrections (register, status, requested_at DESC);
-- The corrections reactor's to-do list: accepted requests whose value is not in the record yet.
-- Almost always empty, so a partial index keeps its poll at one index probe.
CREATE INDEX IF NOT EXISTS corrections_pending_idx ON corrections (decided_at, correction_id)
  WHERE status = 'ACCEPTED' AND NOT applied_to_record;

-- Registrars' own national identification numbers, for the four-eyes rule of corrections
-- (the identity provider's tokens carry only the staff id).
CREATE TABLE IF NOT EXISTS registrars (
  registrar_id text        PRIMARY KEY,
  national_id  text        NOT NULL CHECK (national_id ~ '^[0-9]{13}$'),
  enrolled_at  timestamptz NOT NULL DEFAULT now()
);

-- Projection checkpoints have one home: the event store's. A schema that the SQL runner left
-- at migration 5 still has a table of its own here: its rows move there (they are what the
-- read model was built up to), as its migration 6 did. The old name stays a view of the new
-- table for code that still names this schema.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM information_schema.tables
             WHERE table_schema = current_schema() AND table_name = 'projection_checkpoints'
               AND table_type = 'BASE TABLE') THEN
    INSERT INTO "${EVENT_STORE_SCHEMA}".projection_checkpoints (name, position, updated_at)
    SELECT name, position, updated_at FROM projection_checkpoints
    ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position,
                                     updated_at = EXCLUDED.updated_at;
    DROP TABLE projection_checkpoints;
  END IF;
END $$;
CREATE OR REPLACE VIEW projection_checkpoints AS
  SELECT name, position, updated_at FROM "${EVENT_STORE_SCHEMA}".projection_checkpoints;
`,
    );
  }

  down(): Promise<void> {
    return Promise.reject(
      new Error('the registry baseline is not undone: drop the schema instead'),
    );
  }
}

/**
 * The site-local access log: reads of personal data served on a site that could not append
 * their access events to the log (the data embassy, a fenced site) keep them here until the site
 * can (see `PgSiteAccessLog`). Never replicated: each site's rows are its own.
 */
export class RegistrySiteAccessLog1765000000200 implements MigrationInterface {
  async up(runner: QueryRunner): Promise<void> {
    await runInOwnSchema(
      runner,
      `
CREATE TABLE site_access_log (
  event_id               uuid        PRIMARY KEY,
  stream_id              text        NOT NULL,
  event_type             text        NOT NULL,
  payload_schema_version integer     NOT NULL CHECK (payload_schema_version >= 1),
  payload                bytea       NOT NULL,
  occurred_at            timestamptz NOT NULL,
  metadata               jsonb       NOT NULL,
  kept_at                timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX site_access_log_kept_idx ON site_access_log (kept_at, event_id);
`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runInOwnSchema(runner, 'DROP TABLE site_access_log;');
  }
}

/**
 * To whom accepted corrections of persons' records were communicated (GDPR Art. 19,
 * `CorrectionCommunicated`): the time and the recipients, as the event names them, on the
 * correction's row; both `NULL` until then. The corrections projection fills them from the log.
 * A database with accepted person corrections from before this release has them `NULL`: the
 * corrections reactor then communicates those corrections once, from the access log as it stands.
 */
export class RegistryCorrectionCommunications1765000000300 implements MigrationInterface {
  async up(runner: QueryRunner): Promise<void> {
    await runInOwnSchema(
      runner,
      `
ALTER TABLE corrections
  ADD COLUMN communicated_at timestamptz,
  ADD COLUMN recipients      jsonb;
-- The corrections reactor's second to-do list: accepted corrections of persons' records not yet
-- communicated. Almost always empty, like corrections_pending_idx.
CREATE INDEX corrections_uncommunicated_idx ON corrections (decided_at, correction_id)
  WHERE status = 'ACCEPTED' AND register = 'persons' AND communicated_at IS NULL;
`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runInOwnSchema(
      runner,
      `
DROP INDEX corrections_uncommunicated_idx;
ALTER TABLE corrections DROP COLUMN recipients, DROP COLUMN communicated_at;
`,
    );
  }
}

/**
 * The business managers read model (`GET /persons/{nationalId}/businesses`): who manages which
 * business now, one row per manager, filled by the `business-managers` projection from the
 * businesses' events. Rebuildable from the log: on a database that had businesses before this
 * release, the projection starts at checkpoint 0 and replays them (on the embassy too).
 */
export class RegistryBusinessManagers1765000000400 implements MigrationInterface {
  async up(runner: QueryRunner): Promise<void> {
    await runInOwnSchema(
      runner,
      `
CREATE TABLE business_managers (
  business_number text   NOT NULL,
  national_id     text   NOT NULL CHECK (national_id ~ '^[0-9]{13}$'),
  role            text   NOT NULL,
  version         bigint NOT NULL CHECK (version >= 1),
  PRIMARY KEY (business_number, national_id)
);
-- The list of one person's businesses.
CREATE INDEX business_managers_person_idx ON business_managers (national_id);
`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runInOwnSchema(runner, 'DROP TABLE business_managers;');
  }
}
