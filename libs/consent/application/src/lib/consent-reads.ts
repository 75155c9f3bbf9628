import { Brackets, IsNull, Not } from 'typeorm';
import type { EntityManager, Repository } from 'typeorm';

import type { PrefillRule } from '@gov/consent-domain';

import { APPLICATION_SCHEMA, ConsentEntity, PrefillPreferenceEntity } from './schema';
import type { ConsentRow, PrefillPreferenceRow, RecordedConsentStatus } from './schema';

/** Filters of a list of artefacts. */
export interface ConsentFilter {
  readonly subject?: string;
  readonly organisationId?: string;
  readonly status?: RecordedConsentStatus;
  /** At most 500; 100 by default. */
  readonly limit?: number;
}

/** The live artefacts that may permit a use, as the decision API asks. */
export interface CandidateQuery {
  readonly subject: string;
  readonly organisationId: string;
  readonly purpose: string;
  readonly procedureId: string | null;
  readonly now: Date;
}

/** The read models' queries (TypeORM over `consent_app`). */
export class PgConsentReads {
  private readonly consents: Repository<ConsentRow>;
  private readonly preferences: Repository<PrefillPreferenceRow>;

  constructor(private readonly manager: EntityManager) {
    this.consents = manager.getRepository(ConsentEntity);
    this.preferences = manager.getRepository(PrefillPreferenceEntity);
  }

  consent(consentId: string): Promise<ConsentRow | null> {
    return this.consents.findOne({ where: { consentId } });
  }

  list(filter: ConsentFilter): Promise<ConsentRow[]> {
    return this.consents.find({
      where: {
        ...(filter.subject === undefined ? {} : { subject: filter.subject }),
        ...(filter.organisationId === undefined ? {} : { organisationId: filter.organisationId }),
        ...(filter.status === undefined ? {} : { status: filter.status }),
      },
      order: { grantedAt: 'DESC', consentId: 'ASC' },
      take: Math.min(Math.max(filter.limit ?? 100, 1), 500),
    });
  }

  /**
   * ACTIVE, in their validity at `now`, with uses left, for the organisation, purpose and
   * procedure: the artefacts the decider is then asked about. Newest first.
   */
  candidates(query: CandidateQuery): Promise<ConsentRow[]> {
    return this.consents
      .createQueryBuilder('c')
      .where('c.subject = :subject AND c.organisation_id = :organisationId', query)
      .andWhere("c.purpose = :purpose AND c.status = 'ACTIVE'", query)
      .andWhere('c.valid_from <= :now AND c.valid_until > :now', { now: query.now })
      .andWhere('(c.max_uses IS NULL OR c.uses < c.max_uses)')
      .andWhere(
        new Brackets((procedure) => {
          procedure.where('c.procedure_id IS NULL');
          if (query.procedureId !== null) {
            procedure.orWhere('c.procedure_id = :procedureId', { procedureId: query.procedureId });
          }
        }),
      )
      .orderBy('c.granted_at', 'DESC')
      .limit(20)
      .getMany();
  }

  /** Live artefacts whose validity ended by `now`: the expiry reactor's to-do list. */
  async expiredBy(now: Date, limit: number): Promise<string[]> {
    const rows = await this.consents
      .createQueryBuilder('c')
      .select('c.consent_id', 'consentId')
      .where("c.status IN ('ACTIVE', 'PAUSED') AND c.valid_until <= :now", { now })
      .orderBy('c.valid_until', 'ASC')
      .limit(limit)
      .getRawMany<{ consentId: string }>();
    return rows.map((row) => row.consentId);
  }

  /** When the registry erased `subject`, as this site's log records it; `null`: not erased. */
  async erasureOf(subject: string): Promise<Date | null> {
    const rows: unknown = await this.manager.query(
      `SELECT erased_at FROM ${APPLICATION_SCHEMA}.erased_subjects WHERE subject = $1`,
      [subject],
    );
    const [row] = rows as { erased_at: Date }[];
    return row?.erased_at ?? null;
  }

  /** The ids of `subject`'s ACTIVE and PAUSED artefacts, as the log last recorded them. */
  async liveConsentsOf(subject: string): Promise<string[]> {
    const rows = await this.consents.find({
      select: { consentId: true },
      where: [
        { subject, status: 'ACTIVE' },
        { subject, status: 'PAUSED' },
      ],
      order: { consentId: 'ASC' },
    });
    return rows.map((row) => row.consentId);
  }

  /** A person's prefill preferences in force (withdrawn ones left out). */
  async preferencesOf(subject: string): Promise<PrefillRule[]> {
    const rows = await this.preferences.find({
      where: { subject, preference: Not(IsNull()) },
      order: { source: 'ASC', procedureId: 'ASC' },
    });
    return rows.flatMap((row) =>
      row.preference === null
        ? []
        : [
            {
              source: row.source,
              procedureId: row.procedureId === '' ? null : row.procedureId,
              preference: row.preference,
              setAt: row.setAt,
            },
          ],
    );
  }
}
