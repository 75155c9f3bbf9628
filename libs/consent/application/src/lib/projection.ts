import type { DataSource, EntityManager } from 'typeorm';
import type { ClientBase } from 'pg';

import type { Projection, RecordedEvent } from '@gov/platform-event-sourcing';
import { entityManagerOn } from '@gov/platform-service';

import { CONSENT_EVENT_TYPES, consentCodec, decodeSubjectErasure, prefillCodec } from './codecs';
import { APPLICATION_SCHEMA, ConsentEntity } from './schema';
import type { ConsentRow, RecordedConsentStatus } from './schema';

/** The projection's name (its checkpoint key). */
export const CONSENTS_PROJECTION = 'consent.read-models';

const CONSENT_TYPES = new Set<string>([
  CONSENT_EVENT_TYPES.granted,
  CONSENT_EVENT_TYPES.paused,
  CONSENT_EVENT_TYPES.resumed,
  CONSENT_EVENT_TYPES.revoked,
  CONSENT_EVENT_TYPES.superseded,
  CONSENT_EVENT_TYPES.expired,
  CONSENT_EVENT_TYPES.endedByErasure,
]);
const PREFILL_TYPES = new Set<string>([
  CONSENT_EVENT_TYPES.prefillSet,
  CONSENT_EVENT_TYPES.prefillCleared,
]);

/**
 * The read models' reaction to one event of the consent log. Deterministic (every value comes
 * from the event) and idempotent (a row moves only to a higher stream version), so the request
 * path may write the same rows first (read-your-writes) and the projection again after it.
 */
export async function projectConsentEvent(
  manager: EntityManager,
  event: RecordedEvent,
): Promise<void> {
  if (PREFILL_TYPES.has(event.eventType)) {
    await projectPrefill(manager, event);
    return;
  }
  if (event.eventType === CONSENT_EVENT_TYPES.subjectErased) {
    await projectErasure(manager, event);
    return;
  }
  const isPermit = event.eventType === CONSENT_EVENT_TYPES.accessPermitted;
  if (!CONSENT_TYPES.has(event.eventType) && !(isPermit && event.streamId.startsWith('consent-'))) {
    return;
  }
  const decoded = consentCodec.decode(event);
  const consents = manager.getRepository(ConsentEntity);
  const version = event.streamVersion;
  const update = (consentId: string, set: Partial<ConsentRow>) =>
    consents
      .createQueryBuilder()
      .update()
      .set({ ...set, version })
      .where('consent_id = :consentId AND version < :version', { consentId, version })
      .execute();
  const end = (consentId: string, status: RecordedConsentStatus, at: Date, extra = {}) =>
    update(consentId, { status, endedAt: at, ...extra });
  switch (decoded.type) {
    case 'ConsentGranted': {
      const d = decoded.data;
      await consents
        .createQueryBuilder()
        .insert()
        .values({
          consentId: d.consentId,
          subject: d.subject,
          organisationId: d.organisationId,
          categories: [...d.categories],
          purpose: d.purpose,
          procedureId: d.procedureId,
          validFrom: d.validFrom,
          validUntil: d.validUntil,
          maxUses: d.maxUses,
          language: d.language,
          supersedes: d.supersedes,
          supersededBy: null,
          grantedAt: d.grantedAt,
          status: 'ACTIVE',
          endedAt: null,
          uses: 0,
          lastUseAt: null,
          version,
        })
        .orIgnore()
        .execute();
      return;
    }
    case 'ConsentPaused':
      await update(decoded.data.consentId, { status: 'PAUSED' });
      return;
    case 'ConsentResumed':
      await update(decoded.data.consentId, { status: 'ACTIVE' });
      return;
    case 'ConsentRevoked':
      await end(decoded.data.consentId, 'REVOKED', decoded.data.revokedAt);
      return;
    case 'ConsentSuperseded':
      await end(decoded.data.consentId, 'SUPERSEDED', decoded.data.supersededAt, {
        supersededBy: decoded.data.supersededBy,
      });
      return;
    case 'ConsentExpired':
      await end(decoded.data.consentId, 'EXPIRED', decoded.data.expiredAt);
      return;
    case 'ConsentEndedByErasure':
      await end(decoded.data.consentId, 'REVOKED', decoded.data.endedAt);
      return;
    case 'AccessPermitted':
      await update(decoded.data.consentId, {
        uses: decoded.data.useNumber,
        lastUseAt: decoded.data.decidedAt,
      });
      return;
    default: {
      const unknown: never = decoded;
      throw new TypeError(`unhandled consent event ${JSON.stringify(unknown)}`);
    }
  }
}

async function projectPrefill(manager: EntityManager, event: RecordedEvent): Promise<void> {
  const decoded = prefillCodec.decode(event);
  const row =
    decoded.type === 'PrefillPreferenceSet'
      ? [
          decoded.data.subject,
          decoded.data.source,
          decoded.data.procedureId ?? '',
          decoded.data.preference,
          decoded.data.setAt,
        ]
      : [
          decoded.data.subject,
          decoded.data.source,
          decoded.data.procedureId,
          null,
          decoded.data.clearedAt,
        ];
  // Only a later event of the person's stream moves a row: the request path writes an event's
  // row before the projection replays the earlier ones. Nothing comes back for an erased
  // person: the erasure consumer forgets their rows before the projection replays the events
  // that wrote them.
  await manager.query(
    `INSERT INTO ${APPLICATION_SCHEMA}.prefill_preferences AS p
       (subject, source, procedure_id, preference, set_at, version)
     SELECT $1, $2, $3, $4, $5, $6
      WHERE NOT EXISTS (SELECT 1 FROM ${APPLICATION_SCHEMA}.erased_subjects WHERE subject = $1)
     ON CONFLICT (subject, source, procedure_id) DO UPDATE
       SET preference = EXCLUDED.preference, set_at = EXCLUDED.set_at, version = EXCLUDED.version
       WHERE p.version < EXCLUDED.version`,
    [...row, event.streamVersion],
  );
}

/**
 * The registry erased the person: remember it (new grants and preferences are refused, the
 * decision API denies) and forget their prefill preferences. Their artefacts stay: the
 * `ConsentEndedByErasure` events of the same transaction end the live ones.
 */
async function projectErasure(manager: EntityManager, event: RecordedEvent): Promise<void> {
  const erasure = decodeSubjectErasure(event);
  await manager.query(
    `INSERT INTO ${APPLICATION_SCHEMA}.erased_subjects (subject, erased_at, registry_event_id)
     VALUES ($1, $2, $3) ON CONFLICT (subject) DO NOTHING`,
    [erasure.subject, erasure.erasedAt, erasure.registryEventId],
  );
  await manager.query(`DELETE FROM ${APPLICATION_SCHEMA}.prefill_preferences WHERE subject = $1`, [
    erasure.subject,
  ]);
}

/**
 * The read models as a projection of the kit's `ProjectionRunner` (every site, the embassy's
 * replica included): each batch and its checkpoint in one transaction, written with TypeORM
 * on the batch's own connection.
 */
export function consentsProjection(dataSource: DataSource): Projection {
  const managers = new WeakMap<ClientBase, EntityManager>();
  return {
    name: CONSENTS_PROJECTION,
    tables: [
      `${APPLICATION_SCHEMA}.consents`,
      `${APPLICATION_SCHEMA}.prefill_preferences`,
      `${APPLICATION_SCHEMA}.erased_subjects`,
    ],
    apply: (client, event) => {
      let manager = managers.get(client);
      if (manager === undefined) {
        manager = entityManagerOn(dataSource, client);
        managers.set(client, manager);
      }
      return projectConsentEvent(manager, event);
    },
  };
}
