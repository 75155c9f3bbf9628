import type { Pool, QueryResultRow } from 'pg';

import { translatePgError } from '@gov/platform-event-sourcing';

/** A response as the idempotency store keeps it, to answer a retry identically. */
export interface StoredResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}

/** The outcome of claiming an idempotency key. */
export type IdempotencyClaim =
  /** The key is new (or its earlier claim expired): carry the request out. */
  | { readonly kind: 'claimed'; readonly firstSeenAt: Date }
  /** The request was carried out before: answer with its response. */
  | { readonly kind: 'replay'; readonly response: StoredResponse }
  /** The same request is being carried out right now. */
  | { readonly kind: 'in-progress' }
  /** The key was used for a different request. */
  | { readonly kind: 'mismatch' };

/** The idempotency keys of write requests, per caller. */
export interface IdempotencyStore {
  /**
   * Claims `key` for `scope` (the caller) and the request's `fingerprint`. A claim left
   * unfinished for longer than `leaseMs` (the process died) can be claimed again.
   */
  claim(
    scope: string,
    key: string,
    fingerprint: string,
    leaseMs: number,
  ): Promise<IdempotencyClaim>;
  /** Stores the response of a claimed key. */
  complete(scope: string, key: string, response: StoredResponse): Promise<void>;
  /** Gives a claimed key up (the request failed and changed nothing): a retry runs it again. */
  release(scope: string, key: string): Promise<void>;
  /** Forgets keys first seen more than `ageMs` ago; returns how many. */
  purge(ageMs: number): Promise<number>;
}

/**
 * The table of {@link PgIdempotencyStore}, as a migration of the service's own schema: add it
 * to the service's migrations (`EventSourcedServiceOptions.ownMigrations`) under any version.
 * Released text: never edit it (migrations are checksummed), add a migration after it instead.
 */
export const IDEMPOTENCY_KEYS_MIGRATION_SQL = `
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
`;

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

interface IdempotencyRow extends QueryResultRow {
  fingerprint: string;
  first_seen_at: Date;
  response_status: number | null;
  response_headers: Record<string, string> | null;
  response_body: unknown;
}

/** Idempotency keys in table `idempotency_keys` of a service's own schema. */
export class PgIdempotencyStore implements IdempotencyStore {
  private readonly table: string;

  /**
   * @param pool - The service's pool.
   * @param schema - The service's own schema, which holds {@link IDEMPOTENCY_KEYS_MIGRATION_SQL}.
   * @param requiredMigration - The schema's migration this code needs (named in the error a
   *   missing table causes).
   */
  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
    private readonly requiredMigration: number,
  ) {
    if (!SCHEMA_NAME.test(schema)) throw new TypeError(`invalid schema name "${schema}"`);
    this.table = `"${schema}".idempotency_keys`;
  }

  async claim(
    scope: string,
    key: string,
    fingerprint: string,
    leaseMs: number,
  ): Promise<IdempotencyClaim> {
    // A new key is inserted; an unfinished claim of the same request whose lease ran out (its
    // process died) is taken over. Either way the caller runs the request.
    const claimed = await this.query<{ first_seen_at: Date }>(
      'claim idempotency key',
      `INSERT INTO ${this.table} AS k (scope, key, fingerprint) VALUES ($1, $2, $3)
       ON CONFLICT (scope, key) DO UPDATE SET claimed_at = now()
         WHERE k.response_status IS NULL AND k.fingerprint = EXCLUDED.fingerprint
           AND k.claimed_at < now() - make_interval(secs => $4::double precision / 1000)
       RETURNING first_seen_at`,
      [scope, key, fingerprint, leaseMs],
    );
    const fresh = claimed[0];
    if (fresh) return { kind: 'claimed', firstSeenAt: fresh.first_seen_at };
    const rows = await this.query<IdempotencyRow>(
      'read idempotency key',
      `SELECT fingerprint, first_seen_at, response_status, response_headers, response_body
       FROM ${this.table} WHERE scope = $1 AND key = $2`,
      [scope, key],
    );
    const row = rows[0];
    // Released between the two statements: the caller may simply try again.
    if (!row) return { kind: 'in-progress' };
    if (row.fingerprint !== fingerprint) return { kind: 'mismatch' };
    if (row.response_status === null) return { kind: 'in-progress' };
    return {
      kind: 'replay',
      response: {
        status: row.response_status,
        headers: row.response_headers ?? {},
        body: row.response_body,
      },
    };
  }

  async complete(scope: string, key: string, response: StoredResponse): Promise<void> {
    await this.query(
      'complete idempotency key',
      `UPDATE ${this.table}
       SET response_status = $3, response_headers = $4, response_body = $5, completed_at = now()
       WHERE scope = $1 AND key = $2`,
      [
        scope,
        key,
        response.status,
        JSON.stringify(response.headers),
        JSON.stringify(response.body ?? null),
      ],
    );
  }

  async release(scope: string, key: string): Promise<void> {
    await this.query(
      'release idempotency key',
      `DELETE FROM ${this.table} WHERE scope = $1 AND key = $2 AND response_status IS NULL`,
      [scope, key],
    );
  }

  async purge(ageMs: number): Promise<number> {
    const rows = await this.query<{ n: string }>(
      'purge idempotency keys',
      `WITH gone AS (
         DELETE FROM ${this.table}
         WHERE first_seen_at < now() - make_interval(secs => $1::double precision / 1000)
         RETURNING 1)
       SELECT count(*) AS n FROM gone`,
      [ageMs],
    );
    return Number(rows[0]?.n ?? 0);
  }

  private async query<R extends QueryResultRow>(
    operation: string,
    text: string,
    values: readonly unknown[],
  ): Promise<R[]> {
    try {
      return (await this.pool.query<R>(text, [...values])).rows;
    } catch (error) {
      // Transient database faults become the platform's retryable error (503 at the edge).
      throw translatePgError(error, {
        operation,
        schema: this.schema,
        requiredMigration: this.requiredMigration,
      });
    }
  }
}
