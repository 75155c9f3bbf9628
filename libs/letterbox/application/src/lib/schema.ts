// The letterbox's own tables (schema `letterbox_app`) as TypeORM entities and migrations.
// Released migrations never change; a change is a new migration at the end.
import type { Pool } from 'pg';
import { EntitySchema } from 'typeorm';
import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';

import type { LetterContentType, LetterStatus } from '@gov/letterbox-domain';
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

/** The schema of the letterbox's event store. */
export const EVENT_STORE_SCHEMA = 'letterbox';
/** The schema of its own tables (letters, contents, idempotency keys). */
export const APPLICATION_SCHEMA = 'letterbox_app';

/** A row of the letters read model: one letter and its states. */
export interface LetterRow {
  letterId: string;
  senderOrganisationId: string;
  senderActorId: string;
  /** The delivery agent that delivered on the sender's behalf; `null` when the sender did. */
  deliveredBy: string | null;
  recipientKind: 'person' | 'business';
  recipientId: string;
  /**
   * The subject line in clear: a business's letter, or one written before sealing; `null` for a
   * person's sealed letter (see `sealedSubject`) and once the person is erased.
   */
  subject: string | null;
  /**
   * A person's subject line as the log holds it, sealed under `keyId` (opened on read, never
   * here); `null` otherwise and once the person is erased.
   */
  sealedSubject: Buffer | null;
  /** The recipient's key the letter is sealed under (subject line and document); or `null`. */
  keyId: string | null;
  /** When the registry erased the recipient (a person); `null` otherwise. */
  recipientErasedAt: Date | null;
  procedureId: string | null;
  contentType: LetterContentType;
  sha256: string;
  sizeBytes: number;
  retentionDays: number;
  receiptRequested: boolean;
  status: LetterStatus;
  createdAt: Date;
  availableAt: Date | null;
  retainUntil: Date | null;
  readAt: Date | null;
  confirmedAt: Date | null;
  contentRemovedAt: Date | null;
  version: number;
}

/**
 * The key id of a document stored in clear (a business's letter, or one delivered before
 * sealing): the nil UUID, so that (SHA-256, key id) can be the content table's key.
 */
export const CLEAR_CONTENT_KEY_ID = '00000000-0000-0000-0000-000000000000';

/** A stored document: its bytes, by their SHA-256 and the key they are sealed under. */
export interface ContentRow {
  /** SHA-256 of the document in clear. */
  sha256: string;
  /** The recipient's key the bytes are sealed under; {@link CLEAR_CONTENT_KEY_ID}: in clear. */
  keyId: string;
  /** The document, or its sealed form. */
  bytes: Buffer;
  sizeBytes: number;
  storedAt: Date;
}

/** `bigint` arrives as a string from pg; versions and sizes stay far below 2^53. */
const bigintAsNumber = {
  to: (value: number | undefined): number | undefined => value,
  from: (value: string | null): number | null => (value === null ? null : Number(value)),
};

// eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- TypeORM types its plain options object as a class; a literal is its documented use.
export const LetterEntity = new EntitySchema<LetterRow>({
  name: 'Letter',
  tableName: 'letters',
  columns: {
    letterId: { name: 'letter_id', type: 'uuid', primary: true },
    senderOrganisationId: { name: 'sender_organisation_id', type: 'text' },
    senderActorId: { name: 'sender_actor_id', type: 'text' },
    deliveredBy: { name: 'delivered_by', type: 'text', nullable: true },
    recipientKind: { name: 'recipient_kind', type: 'text' },
    recipientId: { name: 'recipient_id', type: 'text' },
    subject: { type: 'text', nullable: true },
    sealedSubject: { name: 'sealed_subject', type: 'bytea', nullable: true },
    keyId: { name: 'key_id', type: 'uuid', nullable: true },
    recipientErasedAt: { name: 'recipient_erased_at', type: 'timestamptz', nullable: true },
    procedureId: { name: 'procedure_id', type: 'text', nullable: true },
    contentType: { name: 'content_type', type: 'text' },
    sha256: { type: 'text' },
    sizeBytes: { name: 'size_bytes', type: 'bigint', transformer: bigintAsNumber },
    retentionDays: { name: 'retention_days', type: 'integer' },
    receiptRequested: { name: 'receipt_requested', type: 'boolean' },
    status: { type: 'text' },
    createdAt: { name: 'created_at', type: 'timestamptz' },
    availableAt: { name: 'available_at', type: 'timestamptz', nullable: true },
    retainUntil: { name: 'retain_until', type: 'timestamptz', nullable: true },
    readAt: { name: 'read_at', type: 'timestamptz', nullable: true },
    confirmedAt: { name: 'confirmed_at', type: 'timestamptz', nullable: true },
    contentRemovedAt: { name: 'content_removed_at', type: 'timestamptz', nullable: true },
    version: { type: 'bigint', transformer: bigintAsNumber },
  },
});

// eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- TypeORM types its plain options object as a class; a literal is its documented use.
export const ContentEntity = new EntitySchema<ContentRow>({
  name: 'Content',
  tableName: 'contents',
  columns: {
    sha256: { type: 'text', primary: true },
    keyId: { name: 'key_id', type: 'uuid', primary: true },
    bytes: { type: 'bytea' },
    sizeBytes: { name: 'size_bytes', type: 'bigint', transformer: bigintAsNumber },
    storedAt: { name: 'stored_at', type: 'timestamptz' },
  },
});

/** The letters read model and the content store. */
export class LetterTables1765300000100 implements MigrationInterface {
  async up(runner: QueryRunner): Promise<void> {
    await runInOwnSchema(
      runner,
      `
-- Every letter with its states. Rebuildable from the log (checkpoint 'letterbox.letters').
CREATE TABLE letters (
  letter_id              uuid        PRIMARY KEY,
  sender_organisation_id text        NOT NULL,
  sender_actor_id        text        NOT NULL,
  recipient_kind         text        NOT NULL CHECK (recipient_kind IN ('person', 'business')),
  recipient_id           text        NOT NULL,
  subject                text        NOT NULL,
  procedure_id           text,
  content_type           text        NOT NULL,
  sha256                 text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  size_bytes             bigint      NOT NULL CHECK (size_bytes > 0),
  retention_days         integer     NOT NULL CHECK (retention_days BETWEEN 1 AND 36500),
  receipt_requested      boolean     NOT NULL,
  status                 text        NOT NULL
                         CHECK (status IN ('CREATED', 'AVAILABLE', 'READ', 'RECEIPT_CONFIRMED')),
  created_at             timestamptz NOT NULL,
  available_at           timestamptz,
  retain_until           timestamptz,
  read_at                timestamptz,
  confirmed_at           timestamptz,
  content_removed_at     timestamptz,
  version                bigint      NOT NULL CHECK (version >= 1)
);
-- A recipient's box, a sender's list, newest first.
CREATE INDEX letters_recipient_idx ON letters (recipient_kind, recipient_id, created_at DESC);
CREATE INDEX letters_sender_idx ON letters (sender_organisation_id, created_at DESC);
-- The retention reactor's to-do list; and whether a content is still used by a letter.
CREATE INDEX letters_retention_idx ON letters (retain_until) WHERE content_removed_at IS NULL;
CREATE INDEX letters_sha256_idx ON letters (sha256) WHERE content_removed_at IS NULL;

-- Documents by their SHA-256, once however many letters carry them. Not in the log (which is
-- kept forever): removed when the last letter using them reaches the end of its retention.
CREATE TABLE contents (
  sha256     text        PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  bytes      bytea       NOT NULL,
  size_bytes bigint      NOT NULL CHECK (size_bytes > 0),
  stored_at  timestamptz NOT NULL
);
-- The bytes are already compressed (PDF, PNG, JPEG) or small: TOAST compression would only
-- cost CPU on every write.
ALTER TABLE contents ALTER COLUMN bytes SET STORAGE EXTERNAL;
`,
    );
  }

  down(): Promise<void> {
    return Promise.reject(new Error('not undone: drop the schema instead'));
  }
}

/**
 * The documents still to publish to the documents topic (the embassy's copy of the bytes): a
 * stored document, or the removal of one. Written in the transaction that stores or removes the
 * bytes, deleted once published (at least once).
 */
export class DocumentOutbox1765300000200 implements MigrationInterface {
  async up(runner: QueryRunner): Promise<void> {
    await runInOwnSchema(
      runner,
      `
CREATE TABLE document_outbox (
  seq     bigserial PRIMARY KEY,
  sha256  text      NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  removed boolean   NOT NULL
);
`,
    );
  }

  down(): Promise<void> {
    return Promise.reject(new Error('not undone: drop the schema instead'));
  }
}

/**
 * The delivery agent of a letter delivered on behalf of its sender (`LetterCreated.delivered_by`);
 * `NULL` for every letter its sender delivered, those before this migration included (none was
 * delivered on behalf before).
 */
export class DeliveredBy1765300000300 implements MigrationInterface {
  async up(runner: QueryRunner): Promise<void> {
    await runInOwnSchema(
      runner,
      `
ALTER TABLE letters ADD COLUMN delivered_by text;
`,
    );
  }

  down(): Promise<void> {
    return Promise.reject(new Error('not undone: drop the schema instead'));
  }
}

/**
 * Letters to persons sealed under the recipient's key (issue 15): the read model keeps a
 * person's subject line only sealed (`sealed_subject`, opened on read) with the key's id, and
 * when the registry erased the recipient; a document is stored by its SHA-256 and the key it is
 * sealed under (the nil UUID: in clear), so that a person's copy and a business's copy of the
 * same document are two rows, and the document outbox names which. The subject keys' table of
 * the kit (`SubjectKeysTable1765000001000`) runs before it.
 */
export class SealedLetters1765300000400 implements MigrationInterface {
  async up(runner: QueryRunner): Promise<void> {
    await runInOwnSchema(
      runner,
      `
ALTER TABLE letters ALTER COLUMN subject DROP NOT NULL;
ALTER TABLE letters ADD COLUMN sealed_subject bytea;
ALTER TABLE letters ADD COLUMN key_id uuid;
ALTER TABLE letters ADD COLUMN recipient_erased_at timestamptz;
-- A person's letters, as their erasure finds them.
CREATE INDEX letters_person_idx ON letters (recipient_id) WHERE recipient_kind = 'person';

ALTER TABLE contents ADD COLUMN key_id uuid NOT NULL DEFAULT '${CLEAR_CONTENT_KEY_ID}';
ALTER TABLE contents DROP CONSTRAINT contents_pkey;
ALTER TABLE contents ADD PRIMARY KEY (sha256, key_id);
ALTER TABLE document_outbox ADD COLUMN key_id uuid NOT NULL DEFAULT '${CLEAR_CONTENT_KEY_ID}';
`,
    );
  }

  down(): Promise<void> {
    return Promise.reject(new Error('not undone: drop the schema instead'));
  }
}

/** The entities of the own schema. */
export const LETTERBOX_ENTITIES = [IdempotencyKeyEntity, LetterEntity, ContentEntity];

/** The migrations of the own schema, oldest first. */
export const LETTERBOX_MIGRATIONS: readonly OwnMigration[] = [
  IdempotencyKeysTable1765000000000,
  LetterTables1765300000100,
  DocumentOutbox1765300000200,
  DeliveredBy1765300000300,
  SubjectKeysTable1765000001000,
  SealedLetters1765300000400,
];

/** The letterbox's two schemas and its own tables, as the service kit takes them. */
export const LETTERBOX_SCHEMAS: ServiceSchemas = {
  eventStoreSchema: EVENT_STORE_SCHEMA,
  ownSchema: APPLICATION_SCHEMA,
  ownEntities: LETTERBOX_ENTITIES,
  ownMigrations: LETTERBOX_MIGRATIONS,
};

/** Brings both schemas up to date (idempotent, safe to run concurrently). */
export function migrateLetterboxSchemas(pool: Pool): Promise<ServiceMigrateResult> {
  return migrateService(pool, LETTERBOX_SCHEMAS);
}

/** The own tables on `pool`, as TypeORM sees them (a tool, a test). */
export function createLetterboxDataSource(pool: Pool): Promise<DataSource> {
  return createOwnDataSource(pool, ownTablesOf(LETTERBOX_SCHEMAS));
}
