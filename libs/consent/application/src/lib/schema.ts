// The consent service's own tables (schema `consent_app`) as TypeORM entities and migrations.
// Released migrations never change; a change is a new migration at the end.
import type { Pool } from 'pg';
import { EntitySchema } from 'typeorm';
import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';

import {
  IdempotencyKeyEntity,
  IdempotencyKeysTable1765000000000,
  createOwnDataSource,
  migrateService,
  ownTablesOf,
  runInOwnSchema,
} from '@gov/platform-service';
import type { OwnMigration, ServiceMigrateResult, ServiceSchemas } from '@gov/platform-service';

/** The schema of the consent service's event store. */
export const EVENT_STORE_SCHEMA = 'consent';
/** The schema of its own tables (read models, idempotency keys). */
export const APPLICATION_SCHEMA = 'consent_app';

/**
 * An artefact's status as its log records it: EXPIRED only once `ConsentExpired` is in the
 * log. Readers compute the status at their instant from it and `validUntil` (see
 * `consentStatus`): the read model stays a function of the log, equal on both sites.
 */
export type RecordedConsentStatus = 'ACTIVE' | 'PAUSED' | 'REVOKED' | 'SUPERSEDED' | 'EXPIRED';

/** A row of the consents read model: one artefact. */
export interface ConsentRow {
  consentId: string;
  subject: string;
  organisationId: string;
  categories: string[];
  purpose: string;
  procedureId: string | null;
  validFrom: Date;
  validUntil: Date;
  maxUses: number | null;
  language: string;
  supersedes: string | null;
  supersededBy: string | null;
  grantedAt: Date;
  status: RecordedConsentStatus;
  endedAt: Date | null;
  uses: number;
  lastUseAt: Date | null;
  version: number;
}

/** `bigint` arrives as a string from pg; versions stay far below 2^53. */
const bigintAsNumber = {
  to: (value: number | undefined): number | undefined => value,
  from: (value: string | null): number | null => (value === null ? null : Number(value)),
};

// eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- TypeORM types its plain options object as a class; a literal is its documented use.
export const ConsentEntity = new EntitySchema<ConsentRow>({
  name: 'Consent',
  tableName: 'consents',
  columns: {
    consentId: { name: 'consent_id', type: 'uuid', primary: true },
    subject: { type: 'text' },
    organisationId: { name: 'organisation_id', type: 'text' },
    categories: { type: 'text', array: true },
    purpose: { type: 'text' },
    procedureId: { name: 'procedure_id', type: 'text', nullable: true },
    validFrom: { name: 'valid_from', type: 'timestamptz' },
    validUntil: { name: 'valid_until', type: 'timestamptz' },
    maxUses: { name: 'max_uses', type: 'integer', nullable: true },
    language: { type: 'text' },
    supersedes: { type: 'uuid', nullable: true },
    supersededBy: { name: 'superseded_by', type: 'uuid', nullable: true },
    grantedAt: { name: 'granted_at', type: 'timestamptz' },
    status: { type: 'text' },
    endedAt: { name: 'ended_at', type: 'timestamptz', nullable: true },
    uses: { type: 'integer' },
    lastUseAt: { name: 'last_use_at', type: 'timestamptz', nullable: true },
    version: { type: 'bigint', transformer: bigintAsNumber },
  },
});

/** A row of the prefill preferences read model. */
export interface PrefillPreferenceRow {
  subject: string;
  source: string;
  /** `''` for the source's own preference (a primary key has no nulls). */
  procedureId: string;
  /** `null`: a procedure's own preference the person withdrew. */
  preference: 'ALLOW' | 'NEVER' | null;
  /** When it was set or withdrawn. */
  setAt: Date;
  /** The person's prefill stream version that wrote the row. */
  version: number;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- TypeORM types its plain options object as a class; a literal is its documented use.
export const PrefillPreferenceEntity = new EntitySchema<PrefillPreferenceRow>({
  name: 'PrefillPreference',
  tableName: 'prefill_preferences',
  columns: {
    subject: { type: 'text', primary: true },
    source: { type: 'text', primary: true },
    procedureId: { name: 'procedure_id', type: 'text', primary: true },
    preference: { type: 'text', nullable: true },
    setAt: { name: 'set_at', type: 'timestamptz' },
    version: { type: 'bigint', transformer: bigintAsNumber },
  },
});

/** The consents and prefill preferences read models. */
export class ConsentReadModels1765100000100 implements MigrationInterface {
  async up(runner: QueryRunner): Promise<void> {
    await runInOwnSchema(
      runner,
      `
-- Every consent artefact with its recorded status and use count. Rebuildable from the log
-- (checkpoint 'consent.consents' back to 0).
CREATE TABLE consents (
  consent_id      uuid        PRIMARY KEY,
  subject         text        NOT NULL CHECK (subject ~ '^[0-9]{13}$'),
  organisation_id text        NOT NULL,
  categories      text[]      NOT NULL CHECK (cardinality(categories) >= 1),
  purpose         text        NOT NULL,
  procedure_id    text,
  valid_from      timestamptz NOT NULL,
  valid_until     timestamptz NOT NULL CHECK (valid_until > valid_from),
  max_uses        integer     CHECK (max_uses >= 1),
  language        text        NOT NULL,
  supersedes      uuid,
  superseded_by   uuid,
  granted_at      timestamptz NOT NULL,
  status          text        NOT NULL
                  CHECK (status IN ('ACTIVE', 'PAUSED', 'REVOKED', 'SUPERSEDED', 'EXPIRED')),
  ended_at        timestamptz,
  uses            integer     NOT NULL DEFAULT 0 CHECK (uses >= 0),
  last_use_at     timestamptz,
  version         bigint      NOT NULL CHECK (version >= 1)
);
-- A person's own list, an organisation's list.
CREATE INDEX consents_subject_idx ON consents (subject, granted_at DESC);
CREATE INDEX consents_organisation_idx ON consents (organisation_id, granted_at DESC);
-- The decision API's candidates: the live artefacts of one subject for one organisation.
CREATE INDEX consents_decision_idx ON consents (subject, organisation_id, purpose)
  WHERE status IN ('ACTIVE', 'PAUSED');
-- The expiry reactor's to-do list: live artefacts by expiry.
CREATE INDEX consents_expiry_idx ON consents (valid_until) WHERE status IN ('ACTIVE', 'PAUSED');

-- A person's Yes/No to prefilling, per source and per procedure ('' = every procedure). A
-- withdrawn procedure preference stays as a row with a null preference, so that a row only
-- ever moves to a later version of the person's stream (the request path writes first).
CREATE TABLE prefill_preferences (
  subject      text        NOT NULL CHECK (subject ~ '^[0-9]{13}$'),
  source       text        NOT NULL,
  procedure_id text        NOT NULL,
  preference   text        CHECK (preference IN ('ALLOW', 'NEVER')),
  set_at       timestamptz NOT NULL,
  version      bigint      NOT NULL CHECK (version >= 1),
  PRIMARY KEY (subject, source, procedure_id)
);
`,
    );
  }

  down(): Promise<void> {
    return Promise.reject(new Error('not undone: drop the schema instead'));
  }
}

/**
 * The persons the registry erased, as this service's log records it (`ConsentSubjectErased`):
 * what makes new grants and preferences answer 410 and the decision API deny, on both sites.
 */
export class ConsentErasures1765100000200 implements MigrationInterface {
  async up(runner: QueryRunner): Promise<void> {
    await runInOwnSchema(
      runner,
      `
-- One row per erased person, written by the projection of ConsentSubjectErased (rebuildable
-- from the log like the other read models). Only the number and times: nothing of the person.
CREATE TABLE erased_subjects (
  subject           text        PRIMARY KEY CHECK (subject ~ '^[0-9]{13}$'),
  erased_at         timestamptz NOT NULL,
  registry_event_id text        NOT NULL
);
`,
    );
  }

  down(): Promise<void> {
    return Promise.reject(new Error('not undone: drop the schema instead'));
  }
}

/** The entities of the own schema. */
export const CONSENT_ENTITIES = [IdempotencyKeyEntity, ConsentEntity, PrefillPreferenceEntity];

/** The migrations of the own schema, oldest first. */
export const CONSENT_MIGRATIONS: readonly OwnMigration[] = [
  IdempotencyKeysTable1765000000000,
  ConsentReadModels1765100000100,
  ConsentErasures1765100000200,
];

/** The consent service's two schemas and its own tables, as the service kit takes them. */
export const CONSENT_SCHEMAS: ServiceSchemas = {
  eventStoreSchema: EVENT_STORE_SCHEMA,
  ownSchema: APPLICATION_SCHEMA,
  ownEntities: CONSENT_ENTITIES,
  ownMigrations: CONSENT_MIGRATIONS,
};

/** Brings both schemas up to date (idempotent, safe to run concurrently). */
export function migrateConsentSchemas(pool: Pool): Promise<ServiceMigrateResult> {
  return migrateService(pool, CONSENT_SCHEMAS);
}

/** The own tables on `pool`, as TypeORM sees them (a tool, a test). */
export function createConsentDataSource(pool: Pool): Promise<DataSource> {
  return createOwnDataSource(pool, ownTablesOf(CONSENT_SCHEMAS));
}
