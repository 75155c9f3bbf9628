// The PostgreSQL implementations of the application's ports, on the registry's own schema.
import type { ClientBase, Pool } from 'pg';
import { In, IsNull, LessThanOrEqual } from 'typeorm';
import type { DataSource, EntityManager, Repository } from 'typeorm';

import { currentDeferral } from '@gov/platform-event-sourcing';
import type { AppendDeferral, PostgresEventStore, Projection } from '@gov/platform-event-sourcing';
import { entityManagerOn } from '@gov/platform-service';
import type {
  CorrectionRecipient,
  LocalDate,
  ManagerRole,
  RegisterName,
} from '@gov/registry-domain';

import type {
  BusinessManagement,
  BusinessManagersReadModel,
  CorrectionCommunicationRecord,
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
import {
  BUSINESS_MANAGERS_PROJECTION,
  projectBusinessManagersEvent,
} from '../businesses/business-managers.projector';
import { shredErasedSubjectKey } from '../persons/subject-key-shredder';
import { BusinessManagerEntity, CorrectionEntity, RegistrarEntity } from './registry-entities';
import type {
  BusinessManagerRow,
  CorrectionRow,
  RecipientJson,
  RegistrarRow,
} from './registry-entities';
import { APPLICATION_SCHEMA, query, translate } from './registry-schema';

const S = `"${APPLICATION_SCHEMA}"`;
/** Sequence numbers of one birth date: 000 to 999. */
const SEQUENCES_PER_DAY = 1000;
/** The longest a registration waits for the one of the same birth date before it. */
const TURN_LIMIT_MS = 5_000;

/** Resolves when `settled` does, or after `ms` at the latest. */
function settledOrLate(settled: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    void settled.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
/** What a business number is made of: this prefix and the number the allocator hands out. */
const BUSINESS_NUMBER_PREFIX = 'B';

/**
 * Allocates sequence numbers with an upsert per birth date, business numbers from a sequence.
 * Both are hand-written statements (TypeORM's query builder has no `ON CONFLICT ... DO UPDATE
 * ... WHERE` with an expression, the conditional increment, nor `nextval`) on the service's pool.
 */
export class PgNumberAllocator implements NumberAllocator {
  /**
   * @param pool - The service's pool. One statement per registration, on the request path:
   *   hand-written on pg like the event store's (TypeORM's query path costs more CPU per
   *   statement, see ADR 0007); the tables are TypeORM's.
   */
  constructor(private readonly pool: Pool | ClientBase) {}

  /** Per birth date, the end of the last registration's turn in this process. */
  private readonly turns = new Map<string, Promise<unknown>>();

  async nextPersonSequence(birthDate: LocalDate): Promise<number | undefined> {
    const deferral = currentDeferral();
    if (deferral?.accepts()) return this.sequenceWithAppend(birthDate, deferral);
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

  /**
   * In a request whose append waits for its answer (an open `AppendDeferral`): reads the next
   * sequence number and takes it in the append's own statement, only if it is still the next
   * one (a guard of the append). A registration is then one read and one write, one
   * transaction; a number is used up only by the registration that stores it, and an
   * allocation raced by another one fails the append as a conflict, which runs the request
   * again on the next number.
   */
  private async sequenceWithAppend(
    birthDate: LocalDate,
    deferral: AppendDeferral,
  ): Promise<number | undefined> {
    // Registrations of one birth date in this process take turns from the read to their
    // write's outcome, so that they do not all read the same number and retry each other
    // (those of other instances can still race: the guard turns that into a conflict, and the
    // request runs again). A turn never waits longer than TURN_LIMIT_MS for the one before.
    const before = this.turns.get(birthDate) ?? Promise.resolve();
    const mine = before.then(() => settledOrLate(deferral.settled, TURN_LIMIT_MS));
    this.turns.set(birthDate, mine);
    void mine.then(() => {
      if (this.turns.get(birthDate) === mine) this.turns.delete(birthDate);
    });
    await before;
    const rows = await query<{ next: number }>(
      this.pool,
      'read person sequence',
      `SELECT next_sequence AS next FROM ${S}.person_sequences WHERE birth_date = $1`,
      [birthDate],
    );
    const next = rows[0]?.next ?? 0;
    if (next >= SEQUENCES_PER_DAY) return undefined;
    deferral.guard({
      name: 'person_sequence',
      sql: `INSERT INTO ${S}.person_sequences AS s (birth_date, next_sequence)
            VALUES ($1::date, $2::integer + 1)
            ON CONFLICT (birth_date) DO UPDATE SET next_sequence = s.next_sequence + 1
              WHERE s.next_sequence = $2::integer
            RETURNING next_sequence`,
      values: [birthDate, next],
    });
    return next;
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

const DEFAULT_LIST_LIMIT = 100;
const MAX_LIST_LIMIT = 500;

/**
 * The corrections read model in table `corrections` ({@link CorrectionEntity}), through a
 * TypeORM manager: the data source's (request path, reads) or one bound to the connection of a
 * projection batch's transaction (`entityManagerOn`).
 */
export class PgCorrectionsReadModel implements CorrectionsReadModel {
  private readonly corrections: Repository<CorrectionRow>;

  constructor(manager: EntityManager) {
    this.corrections = manager.getRepository(CorrectionEntity);
  }

  async recordRequested(summary: CorrectionSummary): Promise<void> {
    await run('record correction request', () =>
      this.corrections
        .createQueryBuilder()
        .insert()
        .values({ ...summary })
        .orIgnore()
        .execute(),
    );
  }

  async forgetRecord(register: RegisterName, recordId: string): Promise<void> {
    await run('forget an erased record’s corrections', () =>
      this.corrections.delete({ register, recordId }),
    );
  }

  async recordDecision(decision: CorrectionDecision): Promise<void> {
    // Only forward: a decision older than the row (replayed, or raced by the projector) is
    // left alone.
    await run('record correction decision', () =>
      this.corrections
        .createQueryBuilder()
        .update()
        .set({
          status: decision.status,
          decidedAt: decision.decidedAt,
          decidedBy: decision.decidedBy,
          reason: decision.reason,
          version: decision.version,
        })
        .where('correction_id = :id AND version < :version', {
          id: decision.correctionId,
          version: decision.version,
        })
        .execute(),
    );
  }

  async recordApplied(correctionId: string): Promise<void> {
    await run('record correction applied', () =>
      this.corrections.update({ correctionId, appliedToRecord: false }, { appliedToRecord: true }),
    );
  }

  async recordCommunicated(communication: CorrectionCommunicationRecord): Promise<void> {
    await run('record correction communicated', () =>
      this.corrections
        .createQueryBuilder()
        .update()
        .set({
          communicatedAt: communication.communicatedAt,
          recipients: communication.recipients.map(recipientToJson),
          version: communication.version,
        })
        .where('correction_id = :id AND version < :version', {
          id: communication.correctionId,
          version: communication.version,
        })
        .execute(),
    );
  }

  async recipientsOf(correctionId: string): Promise<readonly CorrectionRecipient[] | undefined> {
    const row = await run('read correction recipients', () =>
      this.corrections.findOne({ select: { recipients: true }, where: { correctionId } }),
    );
    return row?.recipients?.map(recipientFromJson) ?? undefined;
  }

  async pendingCommunications(decidedBefore: Date, limit: number): Promise<string[]> {
    // The partial index corrections_uncommunicated_idx answers this where clause.
    const rows = await run('list pending communications', () =>
      this.corrections.find({
        select: { correctionId: true },
        where: {
          status: 'ACCEPTED',
          register: 'persons',
          communicatedAt: IsNull(),
          decidedAt: LessThanOrEqual(decidedBefore),
        },
        order: { decidedAt: 'ASC', correctionId: 'ASC' },
        take: limit,
      }),
    );
    return rows.map((row) => row.correctionId);
  }

  async pendingAcceptances(decidedBefore: Date, limit: number): Promise<string[]> {
    // The partial index corrections_pending_idx answers this where clause.
    const rows = await run('list pending acceptances', () =>
      this.corrections.find({
        select: { correctionId: true },
        where: {
          status: 'ACCEPTED',
          appliedToRecord: false,
          decidedAt: LessThanOrEqual(decidedBefore),
        },
        order: { decidedAt: 'ASC', correctionId: 'ASC' },
        take: limit,
      }),
    );
    return rows.map((row) => row.correctionId);
  }

  async listByRequester(
    requester: string,
    filter: CorrectionFilter = {},
  ): Promise<CorrectionSummary[]> {
    const rows = await run('list corrections', () =>
      this.corrections.find({
        where: { requester, ...(filter.status === undefined ? {} : { status: filter.status }) },
        order: { requestedAt: 'DESC', correctionId: 'ASC' },
        take: limitOf(filter),
      }),
    );
    return rows.map(toSummary);
  }

  async listByRegisters(
    registers: readonly RegisterName[],
    filter: CorrectionFilter = {},
  ): Promise<CorrectionSummary[]> {
    const rows = await run('list corrections', () =>
      this.corrections.find({
        where: {
          register: In([...registers]),
          ...(filter.status === undefined ? {} : { status: filter.status }),
        },
        order: { requestedAt: 'DESC', correctionId: 'ASC' },
        take: limitOf(filter),
      }),
    );
    return rows.map(toSummary);
  }
}

function limitOf(filter: CorrectionFilter): number {
  return Math.min(Math.max(filter.limit ?? DEFAULT_LIST_LIMIT, 1), MAX_LIST_LIMIT);
}

function toSummary(row: CorrectionRow): CorrectionSummary {
  // The recipients stay out of the lists: the request's own view shows them (to whom may see).
  return {
    correctionId: row.correctionId,
    register: row.register,
    recordId: row.recordId,
    field: row.field,
    requester: row.requester,
    status: row.status,
    requestedAt: row.requestedAt,
    decidedAt: row.decidedAt,
    decidedBy: row.decidedBy,
    reason: row.reason,
    appliedToRecord: row.appliedToRecord,
    communicatedAt: row.communicatedAt,
    version: row.version,
  };
}

// Keys in a fixed order and times in ISO 8601: the column's JSON is a function of the event,
// the same on every site (the projection's digest covers it).
function recipientToJson(recipient: CorrectionRecipient): RecipientJson {
  return {
    organisationId: recipient.organisationId,
    noticeId: recipient.noticeId,
    lastReceivedAt: recipient.lastReceivedAt.toISOString(),
    purpose: recipient.purpose,
    legalBasis: recipient.legalBasis,
    ...(recipient.legalBasisId === undefined ? {} : { legalBasisId: recipient.legalBasisId }),
    ...(recipient.consentId === undefined ? {} : { consentId: recipient.consentId }),
    ...(recipient.procedureId === undefined ? {} : { procedureId: recipient.procedureId }),
    ...(recipient.sealedUntil === undefined
      ? {}
      : { sealedUntil: recipient.sealedUntil.toISOString() }),
  };
}

function recipientFromJson(json: RecipientJson): CorrectionRecipient {
  return {
    ...json,
    lastReceivedAt: new Date(json.lastReceivedAt),
    ...(json.sealedUntil === undefined ? {} : { sealedUntil: new Date(json.sealedUntil) }),
  } as CorrectionRecipient;
}

/** Registrars' national identification numbers in table `registrars`. */
export class PgRegistrarDirectory implements RegistrarDirectory {
  private readonly registrars: Repository<RegistrarRow>;

  constructor(manager: EntityManager) {
    this.registrars = manager.getRepository(RegistrarEntity);
  }

  async nationalIdOf(registrarId: string): Promise<string | undefined> {
    const row = await run('look up registrar', () =>
      this.registrars.findOne({ select: { nationalId: true }, where: { registrarId } }),
    );
    return row?.nationalId;
  }

  /** Enrols (or re-enrols) a registrar with their national identification number. */
  async enrol(registrarId: string, nationalId: string): Promise<void> {
    await run('enrol registrar', () =>
      this.registrars
        .createQueryBuilder()
        .insert()
        .values({ registrarId, nationalId, enrolledAt: () => 'now()' })
        .orUpdate(['national_id', 'enrolled_at'], ['registrar_id'])
        .execute(),
    );
  }
}

/**
 * The corrections read model as a projection of the event store's `ProjectionRunner`: each batch
 * of events and the checkpoint `corrections` in one transaction, so that the rows are always
 * those of the log up to the checkpoint (what the data embassy's digest compares). The rows
 * are written with TypeORM on the batch's own connection (`entityManagerOn`), so they commit
 * or roll back with the checkpoint.
 */
export function pgCorrectionsProjection(dataSource: DataSource): Projection {
  // One read model per pooled connection, not per event: replay applies every event of the log
  // here, most of them not corrections' (the manager holds nothing but the client).
  const readModels = new WeakMap<ClientBase, PgCorrectionsReadModel>();
  return {
    name: CORRECTIONS_PROJECTION,
    tables: [`${S}.corrections`],
    apply: async (client, event) => {
      let readModel = readModels.get(client);
      if (readModel === undefined) {
        readModel = new PgCorrectionsReadModel(entityManagerOn(dataSource, client));
        readModels.set(client, readModel);
      }
      await projectCorrectionEvent(readModel, event);
      // In the same batch: an erased person's key goes with their requests.
      await shredErasedSubjectKey(client, event);
    },
  };
}

/**
 * The business managers read model in table `business_managers` ({@link BusinessManagerEntity}),
 * through a TypeORM manager: the data source's (request path, reads) or one bound to the
 * connection of a projection batch's transaction.
 */
export class PgBusinessManagersReadModel implements BusinessManagersReadModel {
  private readonly rows: Repository<BusinessManagerRow>;

  constructor(manager: EntityManager) {
    this.rows = manager.getRepository(BusinessManagerEntity);
  }

  async replaceManagers(
    businessNumber: string,
    managers: readonly { readonly nationalId: string; readonly role: ManagerRole }[],
    version: number,
  ): Promise<void> {
    await run('replace business managers', async () => {
      // Only forward: a list from an older version than the one held (a replayed batch) is
      // left alone. Every manager event carries the whole list, so its rows replace them all.
      const held = await this.rows.findOne({
        select: { version: true },
        where: { businessNumber },
        order: { version: 'DESC' },
      });
      if (held !== null && held.version >= version) return;
      await this.rows.delete({ businessNumber });
      if (managers.length === 0) return;
      await this.rows.insert(
        managers.map((manager) => ({
          businessNumber,
          nationalId: manager.nationalId,
          role: manager.role,
          version,
        })),
      );
    });
  }

  async managedBy(nationalId: string): Promise<BusinessManagement[]> {
    const rows = await run('list managed businesses', () =>
      this.rows.find({ where: { nationalId }, take: MAX_LIST_LIMIT }),
    );
    return rows
      .map(({ businessNumber, role }) => ({ businessNumber, nationalId, role }))
      .sort((a, b) => Number(a.businessNumber.slice(1)) - Number(b.businessNumber.slice(1)));
  }
}

/**
 * The business managers read model as a projection of the event store's `ProjectionRunner`
 * (batch and checkpoint `business-managers` in one transaction), run on every site like the
 * corrections projection: the embassy rebuilds the table from its replayed log, and the
 * replication digest compares it.
 */
export function pgBusinessManagersProjection(dataSource: DataSource): Projection {
  const readModels = new WeakMap<ClientBase, PgBusinessManagersReadModel>();
  return {
    name: BUSINESS_MANAGERS_PROJECTION,
    tables: [`${S}.business_managers`],
    apply: (client, event) => {
      let readModel = readModels.get(client);
      if (readModel === undefined) {
        readModel = new PgBusinessManagersReadModel(entityManagerOn(dataSource, client));
        readModels.set(client, readModel);
      }
      return projectBusinessManagersEvent(readModel, event);
    },
  };
}

async function run<T>(operation: string, statement: () => Promise<T>): Promise<T> {
  try {
    return await statement();
  } catch (error) {
    throw translate(error, operation);
  }
}
