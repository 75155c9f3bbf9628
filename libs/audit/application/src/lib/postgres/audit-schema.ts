// The audit service's own schema: the Merkle tree's projection tables and the signed tree
// heads, as TypeORM migrations and entities. Released migrations never change; a change is a
// new migration at the end.
import { EntitySchema } from 'typeorm';
import type { MigrationInterface, QueryRunner } from 'typeorm';

import {
  IdempotencyKeyEntity,
  IdempotencyKeysTable1765000000000,
  runInOwnSchema,
} from '@gov/platform-service';
import type { ServiceSchemas } from '@gov/platform-service';

/** The PostgreSQL schema of the audit service's event store (its log, inbox, checkpoints). */
export const AUDIT_EVENT_STORE_SCHEMA = 'audit';

/** The schema of its own tables: the tree, the entries' index, the signed tree heads. */
export const AUDIT_APP_SCHEMA = 'audit_app';

/**
 * The tree's tables (see services/audit/README.md, "Tables"):
 *
 * - `entries`: one row per leaf, in leaf order: the canonical leaf text (what is hashed) and
 *   the columns the access log is searched by.
 * - `tree_nodes`: the hash of every complete subtree, by (level, index): level 0 holds the leaf
 *   hashes, level l the subtree of leaves [index·2^l, (index+1)·2^l). Nodes never change once
 *   written, so any root, inclusion proof or consistency proof of any size up to the tree's is
 *   a fold over O(log n) rows fetched by primary key in one statement.
 * - `tree_heads`: signed tree heads this site published (not replicated: each site signs its
 *   own, with the same key, over the same tree).
 */
export class AuditTree1765000000500 implements MigrationInterface {
  async up(runner: QueryRunner): Promise<void> {
    await runInOwnSchema(
      runner,
      `
CREATE TABLE IF NOT EXISTS entries (
  leaf_index          bigint      PRIMARY KEY CHECK (leaf_index >= 0),
  entry_id            uuid        NOT NULL UNIQUE,
  position            bigint      NOT NULL,
  subject_national_id text        NOT NULL,
  accessed_at         timestamptz NOT NULL,
  sealed_until        timestamptz,
  leaf                text        NOT NULL
);
-- "Who accessed my data": a person's entries, newest (highest leaf index) first.
CREATE INDEX IF NOT EXISTS entries_subject_idx ON entries (subject_national_id, leaf_index DESC);

CREATE TABLE IF NOT EXISTS tree_nodes (
  level smallint NOT NULL CHECK (level >= 0 AND level < 64),
  idx   bigint   NOT NULL CHECK (idx >= 0),
  hash  bytea    NOT NULL CHECK (octet_length(hash) = 32),
  PRIMARY KEY (level, idx)
);

CREATE TABLE IF NOT EXISTS tree_heads (
  tree_size bigint      PRIMARY KEY CHECK (tree_size >= 0),
  root_hash bytea       NOT NULL CHECK (octet_length(root_hash) = 32),
  issued_at timestamptz NOT NULL,
  key_id    text        NOT NULL,
  jws       text        NOT NULL
);
`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runInOwnSchema(
      runner,
      'DROP TABLE tree_heads; DROP TABLE tree_nodes; DROP TABLE entries;',
    );
  }
}

/** A signed tree head as stored. */
export interface TreeHeadRow {
  treeSize: string;
  rootHash: Buffer;
  issuedAt: Date;
  keyId: string;
  jws: string;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- TypeORM types its plain options object as a class; a literal is its documented use.
export const TreeHeadEntity = new EntitySchema<TreeHeadRow>({
  name: 'TreeHead',
  tableName: 'tree_heads',
  columns: {
    // bigint stays a string: sizes are compared in SQL, converted at the edge.
    treeSize: { name: 'tree_size', type: 'bigint', primary: true },
    rootHash: { name: 'root_hash', type: 'bytea' },
    issuedAt: { name: 'issued_at', type: 'timestamptz' },
    keyId: { name: 'key_id', type: 'text' },
    jws: { type: 'text' },
  },
});

export const AUDIT_ENTITIES = [IdempotencyKeyEntity, TreeHeadEntity];
export const AUDIT_MIGRATIONS = [IdempotencyKeysTable1765000000000, AuditTree1765000000500];

/** Both of the audit service's schemas, for `migrateService` and `runMigrateStep`. */
export const AUDIT_SCHEMAS: ServiceSchemas = {
  eventStoreSchema: AUDIT_EVENT_STORE_SCHEMA,
  ownSchema: AUDIT_APP_SCHEMA,
  ownEntities: AUDIT_ENTITIES,
  ownMigrations: AUDIT_MIGRATIONS,
};
