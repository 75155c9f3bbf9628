import type { DataSource, EntityManager } from 'typeorm';
import type { ClientBase } from 'pg';

import { eraseSubjectIn } from '@gov/platform-data-protection';
import type { Projection, RecordedEvent } from '@gov/platform-event-sourcing';
import { entityManagerOn, pgClientOf } from '@gov/platform-service';

import { LETTER_EVENT_TYPES, decodeRecipientErased, letterCodec, sealedSubjectOf } from './codecs';
import { contentStore } from './content-store';
import { APPLICATION_SCHEMA, LetterEntity } from './schema';
import type { LetterRow } from './schema';

/** The projection's name (its checkpoint key). */
export const LETTERS_PROJECTION = 'letterbox.letters';

const TYPES = new Set<string>(Object.values(LETTER_EVENT_TYPES));

/**
 * The letters read model's reaction to one event of the letterbox's log. Deterministic (every
 * value comes from the event) and idempotent (a row moves only to a higher stream version), so
 * the request path writes the same row first (read-your-writes) and the projection again
 * after it. A content removal also releases the bytes when no other letter uses them, on
 * every site. Nothing sealed is opened here: a person's subject line is kept as the log holds
 * it, so that both sites derive the same rows whatever keys they hold.
 *
 * A person's erasure (`RecipientErased`) forgets their subject lines and takes their letters
 * out of their box, and destroys their key on this site, in the same transaction: the embassy
 * destroys its copy as it replays the event (before the keys topic brings the destruction),
 * and again after a rebuild.
 */
export async function projectLetterEvent(
  manager: EntityManager,
  event: RecordedEvent,
): Promise<void> {
  if (!TYPES.has(event.eventType)) return;
  if (event.eventType === LETTER_EVENT_TYPES.recipientErased) {
    const { nationalId, erasedAt } = decodeRecipientErased(event);
    await manager
      .getRepository(LetterEntity)
      .createQueryBuilder()
      .update()
      .set({ subject: null, sealedSubject: null, recipientErasedAt: erasedAt })
      .where("recipient_kind = 'person' AND recipient_id = :nationalId", { nationalId })
      .andWhere('recipient_erased_at IS NULL')
      .execute();
    await eraseSubjectIn(pgClientOf(manager), APPLICATION_SCHEMA, nationalId, erasedAt);
    return;
  }
  const decoded = letterCodec.decode(event);
  const letters = manager.getRepository(LetterEntity);
  const version = event.streamVersion;
  const update = (letterId: string, set: Partial<LetterRow>) =>
    letters
      .createQueryBuilder()
      .update()
      .set({ ...set, version })
      .where('letter_id = :letterId AND version < :version', { letterId, version })
      .execute();
  switch (decoded.type) {
    case 'LetterCreated': {
      const d = decoded.data;
      const sealed = sealedSubjectOf(event);
      await letters
        .createQueryBuilder()
        .insert()
        .values({
          letterId: d.letterId,
          senderOrganisationId: d.senderOrganisationId,
          senderActorId: d.senderActorId,
          deliveredBy: d.deliveredBy,
          recipientKind: d.recipient.kind,
          recipientId: d.recipient.id,
          subject: sealed === null ? d.subject : null,
          sealedSubject: sealed === null ? null : Buffer.from(sealed.sealed),
          keyId: sealed?.keyId ?? null,
          recipientErasedAt: null,
          procedureId: d.procedureId,
          contentType: d.contentType,
          sha256: d.sha256,
          sizeBytes: d.sizeBytes,
          retentionDays: d.retentionDays,
          receiptRequested: d.receiptRequested,
          status: 'CREATED',
          createdAt: d.createdAt,
          availableAt: null,
          retainUntil: null,
          readAt: null,
          confirmedAt: null,
          contentRemovedAt: null,
          version,
        })
        .orIgnore()
        .execute();
      return;
    }
    case 'LetterAvailable':
      await update(decoded.data.letterId, {
        status: 'AVAILABLE',
        availableAt: decoded.data.availableAt,
        retainUntil: decoded.data.retainUntil,
      });
      return;
    case 'LetterRead':
      await update(decoded.data.letterId, { status: 'READ', readAt: decoded.data.readAt });
      return;
    case 'LetterContentRead':
      await update(decoded.data.letterId, {});
      return;
    case 'ReceiptConfirmed':
      await update(decoded.data.letterId, {
        status: 'RECEIPT_CONFIRMED',
        confirmedAt: decoded.data.confirmedAt,
      });
      return;
    case 'LetterContentRemoved': {
      await update(decoded.data.letterId, { contentRemovedAt: decoded.data.removedAt });
      const row = await letters.findOne({
        where: { letterId: decoded.data.letterId },
        select: { letterId: true, keyId: true },
      });
      await contentStore.release(manager, decoded.data.sha256, row?.keyId ?? null);
      return;
    }
    default: {
      const unknown: never = decoded;
      throw new TypeError(`unhandled letter event ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * The letters read model as a projection of the kit's `ProjectionRunner` (every site, the
 * embassy's replica included): each batch and its checkpoint in one transaction. Only the
 * letters table is digested: the content table is filled by deliveries on the primary, not by
 * the log, so a replica's copy is not a function of the log.
 */
export function lettersProjection(dataSource: DataSource): Projection {
  const managers = new WeakMap<ClientBase, EntityManager>();
  return {
    name: LETTERS_PROJECTION,
    tables: [`${APPLICATION_SCHEMA}.letters`],
    apply: (client, event) => {
      let manager = managers.get(client);
      if (manager === undefined) {
        manager = entityManagerOn(dataSource, client);
        managers.set(client, manager);
      }
      return projectLetterEvent(manager, event);
    },
  };
}
