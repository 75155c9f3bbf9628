// The procedures service's own tables (schema `procedures_app`) as TypeORM entities and
// migrations. Released migrations never change; a change is a new migration at the end.
import type { Pool } from 'pg';
import { EntitySchema } from 'typeorm';
import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';

import { SubjectKeysTable1765000001000 } from '@gov/platform-data-protection';
import {
  IdempotencyKeyEntity,
  IdempotencyKeysTable1765000000000,
  createOwnDataSource,
  migrateService,
  ownTablesOf,
  runInOwnSchema,
} from '@gov/platform-service';
import type { OwnMigration, ServiceMigrateResult, ServiceSchemas } from '@gov/platform-service';

/** The schema of the procedures service's event store. */
export const EVENT_STORE_SCHEMA = 'procedures';
/** The schema of its own tables (read models, idempotency keys, subject keys). */
export const APPLICATION_SCHEMA = 'procedures_app';

/** A row of the cases read model: one case, for dashboards, back-office lists and reactors. */
export interface CaseRow {
  caseId: string;
  applicant: string;
  businessNumber: string | null;
  procedureId: string;
  procedureVersion: number;
  organisationId: string;
  status: string;
  startedAt: Date;
  submittedAt: Date | null;
  decidedAt: Date | null;
  outcome: string | null;
  letterId: string | null;
  /** An information request waits for the applicant's answer (its question is sealed). */
  awaitingAnswer: boolean;
  openConsentRequests: number;
  /** Correction notices the back office has not acknowledged yet. */
  openCorrectionNotices: number;
  /** When the applicant of a personal case was erased (their values are unreadable), or null. */
  personalDataErasedAt: Date | null;
  updatedAt: Date;
  version: number;
}

/** `bigint` arrives as a string from pg; versions stay far below 2^53. */
const bigintAsNumber = {
  to: (value: number | undefined): number | undefined => value,
  from: (value: string | null): number | null => (value === null ? null : Number(value)),
};

// eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- TypeORM types its plain options object as a class; a literal is its documented use.
export const CaseEntity = new EntitySchema<CaseRow>({
  name: 'Case',
  tableName: 'cases',
  columns: {
    caseId: { name: 'case_id', type: 'uuid', primary: true },
    applicant: { type: 'text' },
    businessNumber: { name: 'business_number', type: 'text', nullable: true },
    procedureId: { name: 'procedure_id', type: 'text' },
    procedureVersion: { name: 'procedure_version', type: 'integer' },
    organisationId: { name: 'organisation_id', type: 'text' },
    status: { type: 'text' },
    startedAt: { name: 'started_at', type: 'timestamptz' },
    submittedAt: { name: 'submitted_at', type: 'timestamptz', nullable: true },
    decidedAt: { name: 'decided_at', type: 'timestamptz', nullable: true },
    outcome: { type: 'text', nullable: true },
    letterId: { name: 'letter_id', type: 'text', nullable: true },
    awaitingAnswer: { name: 'awaiting_answer', type: 'boolean' },
    openConsentRequests: { name: 'open_consent_requests', type: 'integer' },
    openCorrectionNotices: { name: 'open_correction_notices', type: 'integer' },
    personalDataErasedAt: { name: 'personal_data_erased_at', type: 'timestamptz', nullable: true },
    updatedAt: { name: 'updated_at', type: 'timestamptz' },
    version: { type: 'bigint', transformer: bigintAsNumber },
  },
});

/**
 * A row of the personal items read model: whether an item is set (its value is sealed in the
 * log: the prefill reads it from there).
 */
export interface PersonalItemRow {
  subject: string;
  item: string;
  isSet: boolean;
  setAt: Date;
  version: number;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- TypeORM types its plain options object as a class; a literal is its documented use.
export const PersonalItemEntity = new EntitySchema<PersonalItemRow>({
  name: 'PersonalItem',
  tableName: 'personal_items',
  columns: {
    subject: { type: 'text', primary: true },
    item: { type: 'text', primary: true },
    isSet: { name: 'is_set', type: 'boolean' },
    setAt: { name: 'set_at', type: 'timestamptz' },
    version: { type: 'bigint', transformer: bigintAsNumber },
  },
});

/** The cases and personal items read models. */
export class ProceduresReadModels1765200000100 implements MigrationInterface {
  async up(runner: QueryRunner): Promise<void> {
    await runInOwnSchema(
      runner,
      `
-- Every case with its status: the person's dashboard, the back office's list, the letter
-- reactor's to-do list. Rebuildable from the log.
CREATE TABLE cases (
  case_id               uuid        PRIMARY KEY,
  applicant             text        NOT NULL CHECK (applicant ~ '^[0-9]{13}$'),
  business_number       text,
  procedure_id          text        NOT NULL,
  procedure_version     integer     NOT NULL CHECK (procedure_version >= 1),
  organisation_id       text        NOT NULL,
  status                text        NOT NULL CHECK (status IN ('draft', 'submitted', 'received',
                                      'in-review', 'information-requested', 'decided')),
  started_at            timestamptz NOT NULL,
  submitted_at          timestamptz,
  decided_at            timestamptz,
  outcome               text        CHECK (outcome IN ('approved', 'rejected')),
  letter_id             text,
  open_question         text,
  open_consent_requests integer     NOT NULL DEFAULT 0,
  updated_at            timestamptz NOT NULL,
  version               bigint      NOT NULL CHECK (version >= 1)
);
CREATE INDEX cases_applicant_idx ON cases (applicant, updated_at DESC);
CREATE INDEX cases_organisation_idx ON cases (organisation_id, status, updated_at DESC)
  WHERE status <> 'draft';
-- Decisions whose letter is not yet delivered.
CREATE INDEX cases_letter_due_idx ON cases (decided_at) WHERE status = 'decided' AND letter_id IS NULL;

-- The current value of each item of a person's personal space; a cleared item stays as a row
-- with a null value, so that a row only moves to a later version of the person's stream.
CREATE TABLE personal_items (
  subject text        NOT NULL CHECK (subject ~ '^[0-9]{13}$'),
  item    text        NOT NULL CHECK (item IN ('bank-account', 'phone', 'email')),
  value   text,
  set_at  timestamptz NOT NULL,
  version bigint      NOT NULL CHECK (version >= 1),
  PRIMARY KEY (subject, item)
);
`,
    );
  }

  down(): Promise<void> {
    return Promise.reject(new Error('not undone: drop the schema instead'));
  }
}

/**
 * The count of a case's unacknowledged correction notices, for the back office's list. The
 * projection fills it from the log (a rebuild gives every existing case its count).
 */
export class CasesOpenCorrectionNotices1765200000200 implements MigrationInterface {
  async up(runner: QueryRunner): Promise<void> {
    await runInOwnSchema(
      runner,
      `ALTER TABLE cases ADD COLUMN open_correction_notices integer NOT NULL DEFAULT 0
         CHECK (open_correction_notices >= 0);`,
    );
  }

  down(): Promise<void> {
    return Promise.reject(new Error('not undone: drop the schema instead'));
  }
}

/**
 * The read models hold no personal value (issue 15): a value sealed in the log stays out of the
 * tables, which both sites derive without opening anything. The open question becomes a flag
 * (the view reads the question from the log), a personal item's value a flag (the prefill reads
 * it from the log); a case records its applicant's erasure. Existing rows lose their values here.
 */
export class ReadModelsWithoutPersonalValues1765200000300 implements MigrationInterface {
  async up(runner: QueryRunner): Promise<void> {
    await runInOwnSchema(
      runner,
      `
ALTER TABLE cases ADD COLUMN awaiting_answer boolean NOT NULL DEFAULT false;
UPDATE cases SET awaiting_answer = true WHERE open_question IS NOT NULL;
ALTER TABLE cases DROP COLUMN open_question;
ALTER TABLE cases ADD COLUMN personal_data_erased_at timestamptz;
-- The letter reactor skips an erased applicant's case: nothing can be sent to them.
DROP INDEX cases_letter_due_idx;
CREATE INDEX cases_letter_due_idx ON cases (decided_at)
  WHERE status = 'decided' AND letter_id IS NULL AND personal_data_erased_at IS NULL;

ALTER TABLE personal_items ADD COLUMN is_set boolean NOT NULL DEFAULT false;
UPDATE personal_items SET is_set = (value IS NOT NULL);
ALTER TABLE personal_items DROP COLUMN value;
`,
    );
  }

  down(): Promise<void> {
    return Promise.reject(new Error('not undone: drop the schema instead'));
  }
}

/** The entities of the own schema. */
export const PROCEDURES_ENTITIES = [IdempotencyKeyEntity, CaseEntity, PersonalItemEntity];

/** The migrations of the own schema, oldest first. */
export const PROCEDURES_MIGRATIONS: readonly OwnMigration[] = [
  IdempotencyKeysTable1765000000000,
  ProceduresReadModels1765200000100,
  CasesOpenCorrectionNotices1765200000200,
  SubjectKeysTable1765000001000,
  ReadModelsWithoutPersonalValues1765200000300,
];

/** The procedures service's two schemas and its own tables, as the service kit takes them. */
export const PROCEDURES_SCHEMAS: ServiceSchemas = {
  eventStoreSchema: EVENT_STORE_SCHEMA,
  ownSchema: APPLICATION_SCHEMA,
  ownEntities: PROCEDURES_ENTITIES,
  ownMigrations: PROCEDURES_MIGRATIONS,
};

/** Brings both schemas up to date (idempotent, safe to run concurrently). */
export function migrateProceduresSchemas(pool: Pool): Promise<ServiceMigrateResult> {
  return migrateService(pool, PROCEDURES_SCHEMAS);
}

/** The own tables on `pool`, as TypeORM sees them (a tool, a test). */
export function createProceduresDataSource(pool: Pool): Promise<DataSource> {
  return createOwnDataSource(pool, ownTablesOf(PROCEDURES_SCHEMAS));
}
