import { EntitySchema } from 'typeorm';
import type { MigrationInterface, QueryRunner } from 'typeorm';

import { runInOwnSchema } from '../own-tables/own-data-source';

/** A row of `idempotency_keys`: one (caller, `Idempotency-Key`) and what answered it. */
export interface IdempotencyKeyRow {
  scope: string;
  key: string;
  fingerprint: string;
  firstSeenAt: Date;
  claimedAt: Date;
  responseStatus: number | null;
  responseHeaders: Record<string, string> | null;
  responseBody: unknown;
  completedAt: Date | null;
}

/**
 * The idempotency keys' entity: add it to the service's own entities (`ownEntities`) and
 * {@link IdempotencyKeysTable1765000000000} to its migrations.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- TypeORM types its plain options object as a class; a literal is its documented use.
export const IdempotencyKeyEntity = new EntitySchema<IdempotencyKeyRow>({
  name: 'IdempotencyKey',
  tableName: 'idempotency_keys',
  columns: {
    scope: { type: 'text', primary: true },
    key: { type: 'text', primary: true },
    fingerprint: { type: 'text' },
    firstSeenAt: { name: 'first_seen_at', type: 'timestamptz', default: () => 'now()' },
    claimedAt: { name: 'claimed_at', type: 'timestamptz', default: () => 'now()' },
    responseStatus: { name: 'response_status', type: 'integer', nullable: true },
    responseHeaders: { name: 'response_headers', type: 'jsonb', nullable: true },
    responseBody: { name: 'response_body', type: 'json', nullable: true },
    completedAt: { name: 'completed_at', type: 'timestamptz', nullable: true },
  },
});

/**
 * The idempotency keys' table, as a TypeORM migration of the service's own schema. A no-op
 * where the platform's SQL runner made it before (`IF NOT EXISTS` throughout), so a schema
 * migrated by that runner moves to TypeORM's history without change. Released: never edit it.
 */
export class IdempotencyKeysTable1765000000000 implements MigrationInterface {
  async up(runner: QueryRunner): Promise<void> {
    await runInOwnSchema(runner, IDEMPOTENCY_KEYS_TABLE_SQL);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runInOwnSchema(runner, 'DROP TABLE IF EXISTS idempotency_keys');
  }
}

/** The body of {@link IdempotencyKeysTable1765000000000}: idempotent. */
const IDEMPOTENCY_KEYS_TABLE_SQL = `
-- One row per (caller, Idempotency-Key): the request's fingerprint while it runs, then the
-- answer a retry gets. Kept for a day (purged by the service).
CREATE TABLE IF NOT EXISTS idempotency_keys (
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
CREATE INDEX IF NOT EXISTS idempotency_keys_first_seen_idx ON idempotency_keys (first_seen_at);
`;
