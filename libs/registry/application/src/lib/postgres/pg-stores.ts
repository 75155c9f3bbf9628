// The PostgreSQL implementations of the application's ports, on the registry's own schema.
import type { ClientBase, Pool } from 'pg';

import type { PostgresEventStore, Projection } from '@gov/platform-event-sourcing';
import type { CorrectionStatus, LocalDate, RegisterName } from '@gov/registry-domain';

import type {
  CorrectionDecision,
  CorrectionFilter,
  CorrectionSummary,
  CorrectionsReadModel,
  IdempotencyClaim,
  IdempotencyStore,
  NumberAllocator,
  RegistrarDirectory,
  StoredResponse,
} from '../ports';
import {
  CORRECTIONS_PROJECTION,
  projectCorrectionEvent,
} from '../corrections/corrections.projector';
import { APPLICATION_SCHEMA, query } from './registry-schema';

const S = `"${APPLICATION_SCHEMA}"`;
/** What a business number is made of: this prefix and the number the allocator hands out. */
const BUSINESS_NUMBER_PREFIX = 'B';

/** Allocates sequence numbers with an upsert per birth date, business numbers from a sequence. */
export class PgNumberAllocator implements NumberAllocator {
  constructor(private readonly pool: Pool) {}

  async nextPersonSequence(birthDate: LocalDate): Promise<number | undefined> {
    // The row lock of the upsert serialises allocations of one birth date, for the statement's
    // duration only; the WHERE leaves an exhausted row alone and returns nothing.
    const rows = await query<{ sequence: number }>(
      this.pool,
      'allocate person sequence',
      `INSERT INTO ${S}.person_sequences AS s (birth_date, next_sequence) VALUES ($1, 1)
       ON CONFLICT (birth_date) DO UPDATE SET next_sequence = s.next_sequence + 1
         WHERE s.next_sequence < 1000
       RETURNING next_sequence - 1 AS sequence`,
      [birthDate],
    );
    return rows[0]?.sequence;
  }

  async nextBusinessNumber(): Promise<number | undefined> {
    try {
      const rows = await query<{ n: string }>(
        this.pool,
        'allocate business number',
        `SELECT nextval('${S}.business_numbers') AS n`,
      );
      return rows[0] === undefined ? undefined : Number(rows[0].n);
    } catch (error) {
      // 2200H sequence_generator_limit_exceeded: B999999 was the last one.
      if ((error as { cause?: { code?: unknown } }).cause?.code === '2200H') return undefined;
      throw error;
    }
  }
}

/**
 * Brings the number allocators up to the log, in `client`'s transaction: a site promoted to
 * primary (the embassy) rebuilt its log by replay, but allocation state is not in the log, and
 * its allocators would hand out numbers the primary already assigned. Sequence numbers per birth
 * date continue after the highest registered one; business numbers after the highest business
 * number, whatever its number of digits (`B1` … `B999999`, as {@link PgNumberAllocator} writes
 * them). Never moves an allocator back.
 *
 * Cheap at promotion (part of the RTO): the store answers from its stream index, one probe per
 * birth date and a range read of the business streams, not a scan of the log.
 */
export async function reseedAllocators(
  client: ClientBase,
  store: PostgresEventStore,
): Promise<void> {
  // National identification numbers: YYYYMMDD, a 3-digit sequence, two check digits; every
  // stream id made of digits only is one.
  const lastIds = await store.lastStreamIdPerPrefix({ from: '0', to: ':' }, 8, client);
  const persons = lastIds
    .filter((id) => /^[0-9]{13}$/.test(id))
    .map((id) => ({
      birthDate: `${id.slice(0, 4)}-${id.slice(4, 6)}-${id.slice(6, 8)}`,
      next: Number(id.slice(8, 11)) + 1,
    }));
  await query(
    client,
    'reseed person sequences',
    `INSERT INTO ${S}.person_sequences AS s (birth_date, next_sequence)
     SELECT d, n FROM unnest($1::date[], $2::int[]) AS t(d, n)
     ON CONFLICT (birth_date) DO UPDATE
       SET next_sequence = GREATEST(s.next_sequence, EXCLUDED.next_sequence)`,
    [persons.map((p) => p.birthDate), persons.map((p) => p.next)],
  );
  const highest = await store.highestStreamNumber(BUSINESS_NUMBER_PREFIX, client);
  if (highest === undefined) return;
  await query(
    client,
    'reseed business numbers',
    `SELECT setval('${S}.business_numbers',
                   GREATEST($1::int, CASE WHEN q.is_called THEN q.last_value ELSE 0 END))
     FROM ${S}.business_numbers q`,
    [highest.toString()],
  );
}

interface CorrectionRow {
  correction_id: string;
  register: RegisterName;
  record_id: string;
  field: string;
  requester: string;
  status: CorrectionStatus;
  requested_at: Date;
  decided_at: Date | null;
  decided_by: string | null;
  reason: string | null;
  applied_to_record: boolean;
  version: string;
}

const DEFAULT_LIST_LIMIT = 100;
const MAX_LIST_LIMIT = 500;

/**
 * The corrections read model in table `corrections`, on the pool (request path, reads) or on
 * the client of a projection batch's transaction.
 */
export class PgCorrectionsReadModel implements CorrectionsReadModel {
  constructor(private readonly pool: Pool | ClientBase) {}

  async recordRequested(summary: CorrectionSummary): Promise<void> {
    await query(
      this.pool,
      'record correction request',
      `INSERT INTO ${S}.corrections (correction_id, register, record_id, field, requester, status,
         requested_at, decided_at, decided_by, reason, applied_to_record, version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (correction_id) DO NOTHING`,
      [
        summary.correctionId,
        summary.register,
        summary.recordId,
        summary.field,
        summary.requester,
        summary.status,
        summary.requestedAt,
        summary.decidedAt,
        summary.decidedBy,
        summary.reason,
        summary.appliedToRecord,
        summary.version,
      ],
    );
  }

  async recordDecision(decision: CorrectionDecision): Promise<void> {
    await query(
      this.pool,
      'record correction decision',
      `UPDATE ${S}.corrections
       SET status = $2, decided_at = $3, decided_by = $4, reason = $5, version = $6
       WHERE correction_id = $1 AND version < $6`,
      [
        decision.correctionId,
        decision.status,
        decision.decidedAt,
        decision.decidedBy,
        decision.reason,
        decision.version,
      ],
    );
  }

  async recordApplied(correctionId: string): Promise<void> {
    await query(
      this.pool,
      'record correction applied',
      `UPDATE ${S}.corrections SET applied_to_record = true
       WHERE correction_id = $1 AND NOT applied_to_record`,
      [correctionId],
    );
  }

  async pendingAcceptances(decidedBefore: Date, limit: number): Promise<string[]> {
    const rows = await query<{ correction_id: string }>(
      this.pool,
      'list pending acceptances',
      `SELECT correction_id FROM ${S}.corrections
       WHERE status = 'ACCEPTED' AND NOT applied_to_record AND decided_at <= $1
       ORDER BY decided_at, correction_id LIMIT $2`,
      [decidedBefore, limit],
    );
    return rows.map((row) => row.correction_id);
  }

  async listByRequester(
    requester: string,
    filter: CorrectionFilter = {},
  ): Promise<CorrectionSummary[]> {
    const rows = await query<CorrectionRow>(
      this.pool,
      'list corrections',
      `SELECT * FROM ${S}.corrections
       WHERE requester = $1 AND ($2::text IS NULL OR status = $2)
       ORDER BY requested_at DESC, correction_id LIMIT $3`,
      [requester, filter.status ?? null, limit(filter)],
    );
    return rows.map(toSummary);
  }

  async listByRegisters(
    registers: readonly RegisterName[],
    filter: CorrectionFilter = {},
  ): Promise<CorrectionSummary[]> {
    const rows = await query<CorrectionRow>(
      this.pool,
      'list corrections',
      `SELECT * FROM ${S}.corrections
       WHERE register = ANY($1::text[]) AND ($2::text IS NULL OR status = $2)
       ORDER BY requested_at DESC, correction_id LIMIT $3`,
      [registers, filter.status ?? null, limit(filter)],
    );
    return rows.map(toSummary);
  }
}

function limit(filter: CorrectionFilter): number {
  return Math.min(Math.max(filter.limit ?? DEFAULT_LIST_LIMIT, 1), MAX_LIST_LIMIT);
}

function toSummary(row: CorrectionRow): CorrectionSummary {
  return {
    correctionId: row.correction_id,
    register: row.register,
    recordId: row.record_id,
    field: row.field,
    requester: row.requester,
    status: row.status,
    requestedAt: row.requested_at,
    decidedAt: row.decided_at,
    decidedBy: row.decided_by,
    reason: row.reason,
    appliedToRecord: row.applied_to_record,
    version: Number(row.version),
  };
}

/** Registrars' national identification numbers in table `registrars`. */
export class PgRegistrarDirectory implements RegistrarDirectory {
  constructor(private readonly pool: Pool) {}

  async nationalIdOf(registrarId: string): Promise<string | undefined> {
    const rows = await query<{ national_id: string }>(
      this.pool,
      'look up registrar',
      `SELECT national_id FROM ${S}.registrars WHERE registrar_id = $1`,
      [registrarId],
    );
    return rows[0]?.national_id;
  }

  /** Enrols (or re-enrols) a registrar with their national identification number. */
  async enrol(registrarId: string, nationalId: string): Promise<void> {
    await query(
      this.pool,
      'enrol registrar',
      `INSERT INTO ${S}.registrars (registrar_id, national_id) VALUES ($1, $2)
       ON CONFLICT (registrar_id) DO UPDATE
         SET national_id = EXCLUDED.national_id, enrolled_at = now()`,
      [registrarId, nationalId],
    );
  }
}

interface IdempotencyRow {
  fingerprint: string;
  first_seen_at: Date;
  response_status: number | null;
  response_headers: Record<string, string> | null;
  response_body: unknown;
}

/** Idempotency keys in table `idempotency_keys`. */
export class PgIdempotencyStore implements IdempotencyStore {
  constructor(private readonly pool: Pool) {}

  async claim(
    scope: string,
    key: string,
    fingerprint: string,
    leaseMs: number,
  ): Promise<IdempotencyClaim> {
    // A new key is inserted; an unfinished claim of the same request whose lease ran out (its
    // process died) is taken over. Either way the caller runs the request.
    const claimed = await query<{ first_seen_at: Date }>(
      this.pool,
      'claim idempotency key',
      `INSERT INTO ${S}.idempotency_keys AS k (scope, key, fingerprint) VALUES ($1, $2, $3)
       ON CONFLICT (scope, key) DO UPDATE SET claimed_at = now()
         WHERE k.response_status IS NULL AND k.fingerprint = EXCLUDED.fingerprint
           AND k.claimed_at < now() - make_interval(secs => $4::double precision / 1000)
       RETURNING first_seen_at`,
      [scope, key, fingerprint, leaseMs],
    );
    const fresh = claimed[0];
    if (fresh) return { kind: 'claimed', firstSeenAt: fresh.first_seen_at };
    const rows = await query<IdempotencyRow>(
      this.pool,
      'read idempotency key',
      `SELECT fingerprint, first_seen_at, response_status, response_headers, response_body
       FROM ${S}.idempotency_keys WHERE scope = $1 AND key = $2`,
      [scope, key],
    );
    const row = rows[0];
    // Released between the two statements: the caller may simply try again.
    if (!row) return { kind: 'in-progress' };
    if (row.fingerprint !== fingerprint) return { kind: 'mismatch' };
    if (row.response_status === null) return { kind: 'in-progress' };
    const response: StoredResponse = {
      status: row.response_status,
      headers: row.response_headers ?? {},
      body: row.response_body,
    };
    return { kind: 'replay', response };
  }

  async complete(scope: string, key: string, response: StoredResponse): Promise<void> {
    await query(
      this.pool,
      'complete idempotency key',
      `UPDATE ${S}.idempotency_keys
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
    await query(
      this.pool,
      'release idempotency key',
      `DELETE FROM ${S}.idempotency_keys
       WHERE scope = $1 AND key = $2 AND response_status IS NULL`,
      [scope, key],
    );
  }

  async purge(ageMs: number): Promise<number> {
    const rows = await query<{ n: string }>(
      this.pool,
      'purge idempotency keys',
      `WITH gone AS (
         DELETE FROM ${S}.idempotency_keys
         WHERE first_seen_at < now() - make_interval(secs => $1::double precision / 1000)
         RETURNING 1)
       SELECT count(*) AS n FROM gone`,
      [ageMs],
    );
    return Number(rows[0]?.n ?? 0);
  }
}

/**
 * The corrections read model as a projection of the event store's `ProjectionRunner`: each batch
 * of events and the checkpoint `corrections` in one transaction, so that the rows are always
 * those of the log up to the checkpoint (what the data embassy's digest compares).
 */
export const pgCorrectionsProjection: Projection = {
  name: CORRECTIONS_PROJECTION,
  tables: [`${S}.corrections`],
  apply: (client, event) => projectCorrectionEvent(new PgCorrectionsReadModel(client), event),
};
