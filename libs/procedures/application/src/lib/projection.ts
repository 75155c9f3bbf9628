import type { DataSource, EntityManager } from 'typeorm';
import type { ClientBase } from 'pg';

import type { Projection, RecordedEvent } from '@gov/platform-event-sourcing';
import { entityManagerOn } from '@gov/platform-service';

import { PROCEDURES_EVENT_TYPES, caseCodec, personalSpaceCodec } from './codecs';
import { APPLICATION_SCHEMA, CaseEntity } from './schema';
import type { CaseRow } from './schema';

/** The projection's name (its checkpoint key). */
export const PROCEDURES_PROJECTION = 'procedures.read-models';

const PERSONAL_TYPES = new Set<string>([
  PROCEDURES_EVENT_TYPES.personalItemSet,
  PROCEDURES_EVENT_TYPES.personalItemCleared,
]);

/**
 * The read models' reaction to one event of the procedures log. Deterministic (every value
 * comes from the event) and idempotent (a row moves only to a higher stream version), so the
 * request path may write the same rows first (read-your-writes) and the projection again.
 */
export async function projectProceduresEvent(
  manager: EntityManager,
  event: RecordedEvent,
): Promise<void> {
  if (PERSONAL_TYPES.has(event.eventType)) {
    await projectPersonalItem(manager, event);
    return;
  }
  if (!event.streamId.startsWith('case-')) return;
  const decoded = caseCodec.decode(event);
  const version = event.streamVersion;
  const cases = manager.getRepository(CaseEntity);
  const update = (set: Partial<CaseRow>, extra?: string) =>
    cases
      .createQueryBuilder()
      .update()
      .set({ ...set, version, updatedAt: event.occurredAt })
      .where(`case_id = :caseId AND version < :version${extra ?? ''}`, {
        caseId: decoded.data.caseId,
        version,
      })
      .execute();
  switch (decoded.type) {
    case 'DraftStarted': {
      const d = decoded.data;
      await cases
        .createQueryBuilder()
        .insert()
        .values({
          caseId: d.caseId,
          applicant: d.applicant,
          businessNumber: d.businessNumber,
          procedureId: d.procedureId,
          procedureVersion: d.procedureVersion,
          organisationId: d.organisationId,
          status: 'draft',
          startedAt: d.startedAt,
          submittedAt: null,
          decidedAt: null,
          outcome: null,
          letterId: null,
          openQuestion: null,
          openConsentRequests: 0,
          openCorrectionNotices: 0,
          updatedAt: d.startedAt,
          version,
        })
        .orIgnore()
        .execute();
      return;
    }
    case 'PrefillPreviewed':
    case 'PrefillApplied':
      await update({});
      return;
    case 'Submitted':
      await update({ status: 'submitted', submittedAt: decoded.data.submittedAt });
      return;
    case 'SubmissionReceived':
      await update({ status: 'received' });
      return;
    case 'ReviewStarted':
      await update({ status: 'in-review' });
      return;
    case 'InformationRequested':
      await update({ status: 'information-requested', openQuestion: decoded.data.question });
      return;
    case 'InformationProvided':
      await update({ status: 'in-review', openQuestion: null });
      return;
    case 'SubmissionDecided':
      await update({
        status: 'decided',
        decidedAt: decoded.data.decidedAt,
        outcome: decoded.data.outcome,
      });
      return;
    case 'DecisionLetterSent':
      await update({ letterId: decoded.data.letterId });
      return;
    case 'ConsentRequested':
      await cases
        .createQueryBuilder()
        .update()
        .set({
          openConsentRequests: () => 'open_consent_requests + 1',
          version,
          updatedAt: event.occurredAt,
        })
        .where('case_id = :caseId AND version < :version', { caseId: decoded.data.caseId, version })
        .execute();
      return;
    case 'ConsentGiven':
      await cases
        .createQueryBuilder()
        .update()
        .set({
          openConsentRequests: () => 'greatest(open_consent_requests - 1, 0)',
          version,
          updatedAt: event.occurredAt,
        })
        .where('case_id = :caseId AND version < :version', { caseId: decoded.data.caseId, version })
        .execute();
      return;
    case 'CorrectionNoticeReceived':
    case 'CorrectionNoticeAcknowledged':
      await cases
        .createQueryBuilder()
        .update()
        .set({
          openCorrectionNotices: () =>
            decoded.type === 'CorrectionNoticeReceived'
              ? 'open_correction_notices + 1'
              : 'greatest(open_correction_notices - 1, 0)',
          version,
          updatedAt: event.occurredAt,
        })
        .where('case_id = :caseId AND version < :version', { caseId: decoded.data.caseId, version })
        .execute();
      return;
    default: {
      const unknown: never = decoded;
      throw new TypeError(`unhandled case event ${JSON.stringify(unknown)}`);
    }
  }
}

async function projectPersonalItem(manager: EntityManager, event: RecordedEvent): Promise<void> {
  const decoded = personalSpaceCodec.decode(event);
  const row =
    decoded.type === 'PersonalItemSet'
      ? [decoded.data.subject, decoded.data.item, decoded.data.value, decoded.data.setAt]
      : [decoded.data.subject, decoded.data.item, null, decoded.data.clearedAt];
  await manager.query(
    `INSERT INTO ${APPLICATION_SCHEMA}.personal_items AS p (subject, item, value, set_at, version)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (subject, item) DO UPDATE
       SET value = EXCLUDED.value, set_at = EXCLUDED.set_at, version = EXCLUDED.version
       WHERE p.version < EXCLUDED.version`,
    [...row, event.streamVersion],
  );
}

/**
 * The read models as a projection of the kit's `ProjectionRunner` (every site, the embassy's
 * replica included): each batch and its checkpoint in one transaction.
 */
export function proceduresProjection(dataSource: DataSource): Projection {
  const managers = new WeakMap<ClientBase, EntityManager>();
  return {
    name: PROCEDURES_PROJECTION,
    tables: [`${APPLICATION_SCHEMA}.cases`, `${APPLICATION_SCHEMA}.personal_items`],
    apply: (client, event) => {
      let manager = managers.get(client);
      if (manager === undefined) {
        manager = entityManagerOn(dataSource, client);
        managers.set(client, manager);
      }
      return projectProceduresEvent(manager, event);
    },
  };
}
