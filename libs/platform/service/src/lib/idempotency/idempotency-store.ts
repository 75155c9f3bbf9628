import { IsNull } from 'typeorm';
import type { Pool } from 'pg';
import type { DataSource, Repository } from 'typeorm';

import { CompanionConflictError, translatePgError } from '@gov/platform-event-sourcing';
import type { CompanionWrite } from '@gov/platform-event-sourcing';

import { IdempotencyKeyEntity } from './idempotency-key.entity';
import type { IdempotencyKeyRow } from './idempotency-key.entity';

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
  /**
   * What is known of `key` without claiming it (a read): `undefined` when it is new, or its
   * claim's outcome as {@link claim} would give it. A claim left unanswered for longer than
   * `leaseMs` is forgotten (`undefined`).
   */
  lookup(
    scope: string,
    key: string,
    fingerprint: string,
    leaseMs: number,
  ): Promise<Exclude<IdempotencyClaim, { kind: 'claimed' }> | undefined>;
  /**
   * The key with its answer, as a write stored in the same statement as a deferred append
   * (`AppendDeferral.commit`): written only if the append is, and refused (nothing stored) when
   * the key exists.
   */
  answerWithAppend(
    scope: string,
    key: string,
    fingerprint: string,
    response: StoredResponse,
  ): CompanionWrite;
  /**
   * Stores the key with its answer on its own (a request that appended nothing).
   *
   * @throws `CompanionConflictError` when the key exists.
   */
  answer(scope: string, key: string, fingerprint: string, response: StoredResponse): Promise<void>;
}

/**
 * The table of {@link PgIdempotencyStore} as the platform's SQL runner made it, before the own
 * tables moved to TypeORM (now `IdempotencyKeysTable1765000000000`). Released text, kept for
 * the checksummed history of schemas migrated by that runner (and the tests of the upgrade
 * from there): never edit it.
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

/**
 * Idempotency keys in table `idempotency_keys` of a service's own schema ({@link
 * IdempotencyKeyEntity}, created by the service's TypeORM migrations). The two statements every
 * write request makes, the claim and the answer, are hand-written on the service's pool: the
 * claim is a conditional `ON CONFLICT ... DO UPDATE ... RETURNING` that the query builder cannot
 * state, and TypeORM's query path costs the registry about 0.1 ms of CPU per request more
 * (measured with `npm run bench`, see ADR 0007). The rare ones (reading a replayed answer,
 * release, purge) go through the entity's repository.
 */
export class PgIdempotencyStore implements IdempotencyStore {
  private readonly table: string;
  private readonly keys: Repository<IdempotencyKeyRow>;
  private readonly schema: string;

  /**
   * @param dataSource - The service's own tables (their schema holds `idempotency_keys`).
   * @param pool - The pool the data source runs on (the service's `PG_POOL`), for the hot path.
   */
  constructor(
    dataSource: DataSource,
    private readonly pool: Pool,
  ) {
    const schema = dataSource.driver.schema ?? 'public';
    if (!SCHEMA_NAME.test(schema)) throw new TypeError(`invalid schema name "${schema}"`);
    this.schema = schema;
    this.table = `"${schema}".idempotency_keys`;
    this.keys = dataSource.getRepository(IdempotencyKeyEntity);
  }

  async claim(
    scope: string,
    key: string,
    fingerprint: string,
    leaseMs: number,
  ): Promise<IdempotencyClaim> {
    // A new key is inserted; an unfinished claim of the same request whose lease ran out (its
    // process died) is taken over. Either way the caller runs the request.
    const claimed = await this.run('claim idempotency key', () =>
      this.pool.query<{ first_seen_at: Date }>(
        `INSERT INTO ${this.table} AS k (scope, key, fingerprint) VALUES ($1, $2, $3)
         ON CONFLICT (scope, key) DO UPDATE SET claimed_at = now()
           WHERE k.response_status IS NULL AND k.fingerprint = EXCLUDED.fingerprint
             AND k.claimed_at < now() - make_interval(secs => $4::double precision / 1000)
         RETURNING first_seen_at`,
        [scope, key, fingerprint, leaseMs],
      ),
    );
    const fresh = claimed.rows[0];
    if (fresh) return { kind: 'claimed', firstSeenAt: fresh.first_seen_at };
    const row = await this.run('read idempotency key', () => this.keys.findOneBy({ scope, key }));
    // Released between the two statements: the caller may simply try again.
    if (!row) return { kind: 'in-progress' };
    if (row.fingerprint !== fingerprint) return { kind: 'mismatch' };
    if (row.responseStatus === null) return { kind: 'in-progress' };
    return {
      kind: 'replay',
      response: {
        status: row.responseStatus,
        headers: row.responseHeaders ?? {},
        body: row.responseBody,
      },
    };
  }

  async complete(scope: string, key: string, response: StoredResponse): Promise<void> {
    await this.run('complete idempotency key', () =>
      this.pool.query(
        `UPDATE ${this.table}
         SET response_status = $3, response_headers = $4, response_body = $5, completed_at = now()
         WHERE scope = $1 AND key = $2`,
        [
          scope,
          key,
          response.status,
          JSON.stringify(response.headers),
          // JSON text as the client sent it back: a body of `null` stays a JSON null.
          JSON.stringify(response.body ?? null),
        ],
      ),
    );
  }

  async lookup(
    scope: string,
    key: string,
    fingerprint: string,
    leaseMs: number,
  ): Promise<Exclude<IdempotencyClaim, { kind: 'claimed' }> | undefined> {
    const { rows } = await this.run('look up idempotency key', () =>
      this.pool.query<{
        fingerprint: string;
        response_status: number | null;
        response_headers: Record<string, string> | null;
        response_body: unknown;
        expired: boolean;
      }>({
        name: `idempotency_lookup_${this.schema}`,
        text: `SELECT fingerprint, response_status, response_headers, response_body,
                      claimed_at < now() - make_interval(secs => $3::double precision / 1000) AS expired
               FROM ${this.table} WHERE scope = $1 AND key = $2`,
        values: [scope, key, leaseMs],
      }),
    );
    const row = rows[0];
    if (!row) return undefined;
    if (row.fingerprint !== fingerprint) return { kind: 'mismatch' };
    if (row.response_status === null) {
      if (!row.expired) return { kind: 'in-progress' };
      // A claim whose process died before answering: give it up, the request runs again.
      await this.release(scope, key);
      return undefined;
    }
    return {
      kind: 'replay',
      response: {
        status: row.response_status,
        headers: row.response_headers ?? {},
        body: row.response_body,
      },
    };
  }

  answerWithAppend(
    scope: string,
    key: string,
    fingerprint: string,
    response: StoredResponse,
  ): CompanionWrite {
    return {
      name: 'idempotency',
      sql: `INSERT INTO ${this.table} (scope, key, fingerprint, response_status, response_headers,
              response_body, completed_at)
            SELECT $1, $2, $3, $4::integer, $5::jsonb, $6::json, now()
            WHERE EXISTS (SELECT 1 FROM appended)`,
      standaloneSql: ANSWER_SQL(this.table),
      values: answerValues(scope, key, fingerprint, response),
    };
  }

  async answer(
    scope: string,
    key: string,
    fingerprint: string,
    response: StoredResponse,
  ): Promise<void> {
    try {
      await this.pool.query({
        name: `idempotency_answer_${this.schema}`,
        text: ANSWER_SQL(this.table),
        values: answerValues(scope, key, fingerprint, response),
      });
    } catch (error) {
      if ((error as { code?: unknown }).code === '23505') {
        throw new CompanionConflictError('idempotency key', { cause: error });
      }
      throw translatePgError(error, {
        operation: 'store idempotency answer',
        schema: this.schema,
        requiredMigration: 1,
      });
    }
  }

  async release(scope: string, key: string): Promise<void> {
    await this.run('release idempotency key', () =>
      this.keys.delete({ scope, key, responseStatus: IsNull() }),
    );
  }

  async purge(ageMs: number): Promise<number> {
    const result = await this.run('purge idempotency keys', () =>
      this.keys
        .createQueryBuilder()
        .delete()
        .where('first_seen_at < now() - make_interval(secs => :ms::double precision / 1000)', {
          ms: ageMs,
        })
        .execute(),
    );
    return result.affected ?? 0;
  }

  private async run<T>(operation: string, statement: () => Promise<T>): Promise<T> {
    try {
      return await statement();
    } catch (error) {
      // Transient database faults become the platform's retryable error (503 at the edge).
      throw translatePgError(error, {
        operation,
        schema: this.schema,
        requiredMigration: 1,
      });
    }
  }
}

/** Stores a key with its answer (parameters: {@link answerValues}); fails if the key exists. */
const ANSWER_SQL = (table: string): string =>
  `INSERT INTO ${table} (scope, key, fingerprint, response_status, response_headers,
     response_body, completed_at)
   VALUES ($1, $2, $3, $4::integer, $5::jsonb, $6::json, now())`;

/** Parameters 1 to 6 of a stored answer: scope, key, fingerprint, status, headers, body. */
function answerValues(
  scope: string,
  key: string,
  fingerprint: string,
  response: StoredResponse,
): unknown[] {
  return [
    scope,
    key,
    fingerprint,
    response.status,
    JSON.stringify(response.headers),
    // JSON text as the client sent it back: a body of `null` stays a JSON null.
    JSON.stringify(response.body ?? null),
  ];
}
