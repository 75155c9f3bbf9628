import type { DataSource, EntityManager } from 'typeorm';
import type { ClientBase } from 'pg';

import { eraseSubjectIn } from '@gov/platform-data-protection';
import type { Projection, RecordedEvent } from '@gov/platform-event-sourcing';
import { entityManagerOn } from '@gov/platform-service';

import {
  PROCEDURES_EVENT_TYPES,
  caseCodec,
  decodePersonalDataErased,
  personalSpaceCodec,
} from './codecs';
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
 * Nothing sealed is opened: the read models hold no personal value, and every site derives the
 * same ones whatever keys it has.
 */
export async function projectProceduresEvent(
  manager: EntityManager,
  event: RecordedEvent,
): Promise<void> {
  if (event.eventType === PROCEDURES_EVENT_TYPES.personalDataErased) {
    await forgetErasedPerson(manager, event);
    return;
  }
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
          awaitingAnswer: false,
          openConsentRequests: 0,
          openCorrectionNotices: 0,
          personalDataErasedAt: null,
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
      await update({ status: 'information-requested', awaitingAnswer: true });
      return;
    case 'InformationProvided':
      await update({ status: 'in-review', awaitingAnswer: false });
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
      ? [decoded.data.subject, decoded.data.item, true, decoded.data.setAt]
      : [decoded.data.subject, decoded.data.item, false, decoded.data.clearedAt];
  await manager.query(
    `INSERT INTO ${APPLICATION_SCHEMA}.personal_items AS p (subject, item, is_set, set_at, version)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (subject, item) DO UPDATE
       SET is_set = EXCLUDED.is_set, set_at = EXCLUDED.set_at, version = EXCLUDED.version
       WHERE p.version < EXCLUDED.version`,
    [...row, event.streamVersion],
  );
}

/**
 * The registry erased the person: their personal space is empty, and their personal cases
 * record the erasure (the listings mark them, the letter reactor skips them). Their cases stay,
 * with status and timeline: the administration's file is kept under a legal obligation. No
 * event of theirs follows (every write for them answers 410), so nothing brings a row back.
 */
async function forgetErasedPerson(manager: EntityManager, event: RecordedEvent): Promise<void> {
  const { subject, erasedAt } = decodePersonalDataErased(event);
  await manager.query(`DELETE FROM ${APPLICATION_SCHEMA}.personal_items WHERE subject = $1`, [
    subject,
  ]);
  await manager.query(
    `UPDATE ${APPLICATION_SCHEMA}.cases SET personal_data_erased_at = $2
      WHERE applicant = $1 AND business_number IS NULL AND personal_data_erased_at IS NULL`,
    [subject, erasedAt],
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
      return applyEvent(client, manager, event);
    },
  };
}

async function applyEvent(
  client: ClientBase,
  manager: EntityManager,
  event: RecordedEvent,
): Promise<void> {
  await projectProceduresEvent(manager, event);
  if (event.eventType === PROCEDURES_EVENT_TYPES.personalDataErased) {
    // Wherever the log reaches the erasure (the embassy as it replays, a site rebuilt from the
    // log), this site's key of the person is destroyed in the batch's transaction, before the
    // keys topic may deliver the destruction; on the primary the consumer did it already.
    const { subject, erasedAt } = decodePersonalDataErased(event);
    await eraseSubjectIn(client, APPLICATION_SCHEMA, subject, erasedAt);
  }
}
