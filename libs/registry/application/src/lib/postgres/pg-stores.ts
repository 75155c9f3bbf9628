// The PostgreSQL implementations of the application's ports, on the registry's own schema.
import type { ClientBase, Pool } from 'pg';

import type { PostgresEventStore, Projection } from '@gov/platform-event-sourcing';
import type { CorrectionStatus, LocalDate, RegisterName } from '@gov/registry-domain';

import type {
  CorrectionDecision,
  CorrectionFilter,
  CorrectionSummary,
  CorrectionsReadModel,
  NumberAllocator,
  RegistrarDirectory,
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
