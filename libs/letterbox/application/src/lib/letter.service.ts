import { In, IsNull } from 'typeorm';
import type { EntityManager, FindOptionsWhere } from 'typeorm';

import {
  ERASED,
  KeyRing,
  SealedDataError,
  SubjectErasedError,
} from '@gov/platform-data-protection';
import type { SubjectKeyStore, SubjectKeys } from '@gov/platform-data-protection';
import { DomainRejection } from '@gov/platform-decider';
import { handleCommand } from '@gov/platform-event-sourcing';
import { checkContent, deliveryOrigin, letterDecider } from '@gov/letterbox-domain';
import type { LetterRejectionCode, LetterStatus, Reader, Recipient } from '@gov/letterbox-domain';

import type { BusinessManagers } from './business-managers';
import { isRegistryUnavailable } from './business-managers';
import { letterCodec, letterCodecWith, openSubject } from './codecs';
import { ContentIntegrityError, checkHash, contentStore, sha256Hex } from './content-store';
import type { Clock, RequestContext } from './context';
import { appendMetadata, newIdFor, requireAgency, requireCitizen, uuidOf } from './context';
import type { PgLetterStore } from './pg-letter-store';
import { APPLICATION_SCHEMA, LetterEntity } from './schema';
import type { LetterRow } from './schema';

/** The stream of a letter. */
export const letterStreamId = (letterId: string): string => `letter-${letterId}`;

/** What an administration delivers. */
export interface DeliverInput {
  readonly recipient: Recipient;
  readonly subject: string;
  readonly procedureId?: string | undefined;
  /** The declared media type; checked against the bytes. */
  readonly contentType: string;
  /** The decoded document. */
  readonly content: Uint8Array;
  readonly retentionDays: number;
  readonly receiptRequested?: boolean | undefined;
  /**
   * The organisation a delivery agent delivers for (it becomes the sender); only delivery
   * agents may name one (else `NOT_A_DELIVERY_AGENT`, 403).
   */
  readonly onBehalfOf?: string | undefined;
  /**
   * The sender's own reference, unique per sender organisation: the letter id is derived from
   * the sender and the reference, so the same letter delivered again (by the sender or a
   * delivery agent for it) is that letter, not a second one.
   */
  readonly reference?: string | undefined;
}

/** The answer to a delivery. */
export interface Delivered {
  readonly letterId: string;
  readonly sha256: string;
  readonly state: LetterStatus;
}

/** A letter as its recipient and its sender see it. */
export interface LetterView {
  readonly letterId: string;
  /** The organisation the letter is from. */
  readonly sender: string;
  /** The delivery agent that delivered it on the sender's behalf; `null` when the sender did. */
  readonly deliveredBy: string | null;
  readonly recipient: Recipient;
  /** The subject line; `null` once the recipient (a person) was erased. */
  readonly subject: string | null;
  readonly procedureId: string | null;
  readonly contentType: string;
  readonly sha256: string;
  readonly sizeBytes: number;
  readonly receiptRequested: boolean;
  readonly state: LetterStatus;
  /**
   * When the registry erased the recipient (a person): the letter's delivery facts stay for its
   * sender, its subject line and document are unreadable; `null` otherwise.
   */
  readonly recipientErasedAt: string | null;
  readonly createdAt: string;
  readonly availableAt: string | null;
  readonly readAt: string | null;
  readonly receiptConfirmedAt: string | null;
  readonly retainUntil: string | null;
  /** When retention ended and the content was removed; `null` while it is kept. */
  readonly contentRemovedAt: string | null;
}

/**
 * A citizen's box: their own letters and those of the businesses they manage. `businessLetters`
 * is `unavailable` when the registry could not say whom a business with letters has as
 * managers: the box then shows the person's own letters and the business letters it could
 * check, never a letter it could not.
 */
export interface LetterBox {
  readonly items: LetterView[];
  readonly businessLetters: 'included' | 'unavailable';
}

/** How the use cases reach beyond the letterbox. */
export interface LetterServiceOptions {
  /** The registry's answer on who manages a business (cached, see `CachedBusinessManagers`). */
  readonly managers: BusinessManagers;
  /** Organisations that may deliver on behalf of another (`LETTERBOX_DELIVERY_AGENTS`). */
  readonly deliveryAgents: ReadonlySet<string>;
  /** The per-person keys a letter to a person is sealed under (its subject line, its document). */
  readonly keys: SubjectKeyStore;
}

/** Filters of a list of letters. */
export interface LetterFilter {
  /** Only the letters of this procedure. */
  readonly procedureId?: string | undefined;
}

/** A document as served. */
export interface LetterContent {
  readonly contentType: string;
  readonly sha256: string;
  readonly bytes: Buffer;
}

const iso = (value: Date | null): string | null => (value === null ? null : value.toISOString());

/**
 * The sealing context of a person's document: what it is, which document, whose, so that
 * sealed bytes cannot pass for another document or another person's copy.
 */
const documentContext = (sha256: string, nationalId: string): readonly string[] => [
  'letterbox.document',
  sha256,
  nationalId,
];

/**
 * The view of a read-model row, a person's sealed subject line opened with `keys`.
 *
 * @throws `KeyUnavailableError` when `keys` lack its key (not replicated to this site yet).
 */
export function letterView(row: LetterRow, keys: SubjectKeys = KeyRing.EMPTY): LetterView {
  const subject =
    row.sealedSubject === null || row.keyId === null
      ? row.subject
      : openSubject(keys, row.keyId, row.sealedSubject, row.recipientId);
  return {
    letterId: row.letterId,
    sender: row.senderOrganisationId,
    deliveredBy: row.deliveredBy,
    recipient: { kind: row.recipientKind, id: row.recipientId },
    subject,
    procedureId: row.procedureId,
    contentType: row.contentType,
    sha256: row.sha256,
    sizeBytes: row.sizeBytes,
    receiptRequested: row.receiptRequested,
    state: row.status,
    createdAt: row.createdAt.toISOString(),
    availableAt: iso(row.availableAt),
    readAt: iso(row.readAt),
    receiptConfirmedAt: iso(row.confirmedAt),
    retainUntil: iso(row.retainUntil),
    contentRemovedAt: iso(row.contentRemovedAt),
    recipientErasedAt: iso(row.recipientErasedAt),
  };
}

/** The keys that open the sealed subject lines of `rows`, as this site knows them. */
function keysToRead(store: SubjectKeyStore, rows: readonly LetterRow[]): Promise<KeyRing> {
  return KeyRing.forReading(
    store,
    rows.flatMap((row) => (row.keyId !== null && row.sealedSubject !== null ? [row.keyId] : [])),
  );
}

const LIST_LIMIT = 200;
/** How many registry lookups one box listing runs at a time. */
const LOOKUP_CONCURRENCY = 8;

/**
 * The letterbox's use cases: delivery by an administration, the recipient's box, reads and
 * receipts, the sender's view.
 *
 * Recipients are people (the citizen whose national id the letter names) and businesses, whose
 * letters go to the citizens the registry names as their current managers: a citizen's
 * {@link Reader} names the business of the letter at hand when the registry says they manage
 * it. Someone else's letter is "not found", as an unknown one; a business's letter while the
 * registry cannot answer is 503, never shown.
 */
export class LetterService {
  constructor(
    private readonly store: PgLetterStore,
    private readonly clock: Clock,
    private readonly options: LetterServiceOptions,
  ) {}

  /**
   * Delivers a document: checks it, stores its bytes by SHA-256 (a business's once however many
   * letters carry them; a person's sealed under their key, once per person) and records the
   * letter created and available (a person's subject line sealed), all in one transaction.
   *
   * @throws `SubjectErasedError` (410) for a person the registry erased, before anything is
   *   stored.
   */
  async deliver(context: RequestContext, input: DeliverInput): Promise<Delivered> {
    const agency = requireAgency(context.principal, 'deliver letters');
    const origin = deliveryOrigin(
      agency.organisationId,
      input.onBehalfOf,
      this.options.deliveryAgents,
    );
    const contentType = checkContent(input.contentType, input.content);
    const letterId =
      input.reference === undefined
        ? newIdFor(context, 'letter')
        : letterIdOf(origin.senderOrganisationId, input.reference);
    const now = this.clock.now();
    const sha256 = sha256Hex(input.content);
    const { recipient } = input;
    // A person's key, made on first use; an erased person's refuses (410) here, first.
    const keys =
      recipient.kind === 'person'
        ? await KeyRing.forWriting(this.options.keys, [recipient.id])
        : null;
    const stored =
      keys === null
        ? { sha256, keyId: null, bytes: input.content }
        : (() => {
            const { keyId, sealed } = keys.seal(
              recipient.id,
              input.content,
              documentContext(sha256, recipient.id),
            );
            return { sha256, keyId, bytes: sealed };
          })();
    const result = await this.store.transaction(async ({ store, manager }) => {
      if (keys !== null) await refuseErased(manager, recipient.id);
      await contentStore.put(manager, stored, now);
      return handleCommand(
        store,
        { decider: letterDecider, codec: letterCodecWith(keys) },
        letterStreamId(letterId),
        {
          type: 'DeliverLetter',
          data: {
            letterId,
            ...origin,
            senderActorId: agency.subject,
            recipient: input.recipient,
            subject: input.subject,
            procedureId: input.procedureId ?? null,
            contentType,
            sha256,
            sizeBytes: input.content.length,
            retentionDays: input.retentionDays,
            receiptRequested: input.receiptRequested ?? false,
            senderReference: input.reference ?? null,
          },
          metadata: { now },
        },
        // A new stream: a conflict means the same letter id twice, which deciding again would
        // only refuse; and a retry cannot happen inside the aborted transaction anyway.
        { metadata: appendMetadata(context), maxRetries: 0 },
      );
    });
    const state = result.state.status === 'NONE' ? 'AVAILABLE' : result.state.status;
    return { letterId, sha256, state };
  }

  /**
   * The citizen's letters and those of the businesses they manage, newest first; only a
   * procedure's when `filter` names one. Each business that has letters is checked against the
   * registry (through the cache), so a listing costs at most one registry read per such
   * business and cache period.
   */
  async box(context: RequestContext, filter: LetterFilter = {}): Promise<LetterBox> {
    const citizen = requireCitizen(context.principal, 'read their letterbox');
    const { managed, complete } = await this.businessesManagedBy(citizen.subject);
    const procedure = filter.procedureId === undefined ? {} : { procedureId: filter.procedureId };
    // An erased person's letters leave their box (the senders keep their delivery facts).
    const where: FindOptionsWhere<LetterRow>[] = [
      {
        recipientKind: 'person',
        recipientId: citizen.subject,
        recipientErasedAt: IsNull(),
        ...procedure,
      },
    ];
    if (managed.length > 0) {
      where.push({ recipientKind: 'business', recipientId: In(managed), ...procedure });
    }
    const rows = await this.store.manager.getRepository(LetterEntity).find({
      where,
      order: { createdAt: 'DESC', letterId: 'ASC' },
      take: LIST_LIMIT,
    });
    const keys = await keysToRead(this.options.keys, rows);
    return {
      items: rows.map((row) => letterView(row, keys)),
      businessLetters: complete ? 'included' : 'unavailable',
    };
  }

  /**
   * The letters the caller's organisation sent, newest first, with their states; only a
   * procedure's when `filter` names one (the decision letters of a procedure's timeline). A
   * letter to an erased person keeps its delivery facts (the sender must be able to prove the
   * delivery), without its subject line.
   */
  async sent(context: RequestContext, filter: LetterFilter = {}): Promise<LetterView[]> {
    const agency = requireAgency(context.principal, 'list the letters it sent');
    const rows = await this.store.manager.getRepository(LetterEntity).find({
      where: {
        senderOrganisationId: agency.organisationId,
        ...(filter.procedureId === undefined ? {} : { procedureId: filter.procedureId }),
      },
      order: { createdAt: 'DESC', letterId: 'ASC' },
      take: LIST_LIMIT,
    });
    const keys = await keysToRead(this.options.keys, rows);
    return rows.map((row) => letterView(row, keys));
  }

  /**
   * One letter: to its recipient, or to an agency of the organisation that sent it. Anyone
   * else is told it does not exist, as for an unknown id. A letter to an erased person is gone
   * (`SubjectErasedError`, 410) for both; its sender lists its delivery facts (`sent`).
   */
  async get(context: RequestContext, letterId: string): Promise<LetterView> {
    const row = await this.store.manager
      .getRepository(LetterEntity)
      .findOne({ where: { letterId } });
    const { principal } = context;
    if (row === null) throw notInBox(letterId);
    const visible =
      principal.kind === 'agency'
        ? row.senderOrganisationId === principal.organisationId
        : principal.kind === 'citizen' &&
          (row.recipientKind === 'person'
            ? row.recipientId === principal.subject
            : (await this.options.managers.managersOf(row.recipientId)).includes(
                principal.subject,
              ));
    if (!visible) throw notInBox(letterId);
    if (row.recipientErasedAt !== null) {
      throw new SubjectErasedError(row.recipientId, row.recipientErasedAt);
    }
    return letterView(row, await keysToRead(this.options.keys, [row]));
  }

  /**
   * Serves the document to its recipient, recording the read (the first one as `LetterRead`).
   * A person's document is opened with their key; the bytes are hashed again before they are
   * served: on a mismatch (or sealed bytes that do not open) nothing is recorded and nothing is
   * served (a `ContentIntegrityError`). An erased person's: `SubjectErasedError` (410), nothing
   * recorded; a key not replicated here yet: `KeyUnavailableError` (503), nothing recorded.
   */
  async open(context: RequestContext, letterId: string): Promise<LetterContent> {
    const { reader, keyId } = await this.readerOf(context, letterId, 'open a letter');
    const now = this.clock.now();
    return this.store.transaction(async ({ store, manager }) => {
      const result = await handleCommand(
        store,
        { decider: letterDecider, codec: letterCodec },
        letterStreamId(letterId),
        { type: 'OpenLetter', data: { letterId, reader }, metadata: { now } },
        { metadata: appendMetadata(context) },
      );
      if (result.state.status === 'NONE') throw notInBox(letterId);
      const { sha256, contentType, recipient } = result.state.facts;
      // Read after the append, in the same transaction: a failed check rolls the read back.
      const bytes = await this.document(manager, sha256, keyId, recipient.id);
      return { contentType, sha256, bytes };
    });
  }

  /** A document in clear: opened with its recipient's key when sealed, its hash checked. */
  private async document(
    manager: EntityManager,
    sha256: string,
    keyId: string | null,
    recipientId: string,
  ): Promise<Buffer> {
    const stored = await contentStore.get(manager, sha256, keyId);
    if (keyId === null) return stored;
    const keys = await KeyRing.forReading(this.options.keys, [keyId]);
    let opened;
    try {
      opened = keys.open(keyId, stored, documentContext(sha256, recipientId));
    } catch (error) {
      if (!(error instanceof SealedDataError)) throw error;
      throw new ContentIntegrityError(sha256, 'sealed bytes that do not open');
    }
    if (opened === ERASED) throw new SubjectErasedError(recipientId);
    checkHash(sha256, opened);
    return Buffer.from(opened.buffer, opened.byteOffset, opened.byteLength);
  }

  /** Records the recipient's confirmation of receipt (once; a repeat changes nothing). */
  async confirmReceipt(context: RequestContext, letterId: string): Promise<LetterView> {
    const { reader } = await this.readerOf(context, letterId, 'confirm receipt');
    await handleCommand(
      this.store,
      { decider: letterDecider, codec: letterCodec },
      letterStreamId(letterId),
      { type: 'ConfirmReceipt', data: { letterId, reader }, metadata: { now: this.clock.now() } },
      { metadata: appendMetadata(context) },
    );
    return this.get(context, letterId);
  }

  /**
   * The citizen as the decider sees them for letter `letterId`: with its business when the
   * letter is a business's and the registry names them among its managers; and the key the
   * letter is sealed under. The read model says whose letter it is (the request path writes it
   * with the delivery); a row not there yet (a replica just promoted, still replaying) names no
   * business, so the decider refuses: it fails closed.
   *
   * @throws `SubjectErasedError` (410) to the recipient of a letter whose recipient was erased.
   */
  private async readerOf(
    context: RequestContext,
    letterId: string,
    what: string,
  ): Promise<{ reader: Reader; keyId: string | null }> {
    const citizen = requireCitizen(context.principal, what);
    const row = await this.store.manager.getRepository(LetterEntity).findOne({
      where: { letterId },
      select: {
        letterId: true,
        recipientKind: true,
        recipientId: true,
        keyId: true,
        recipientErasedAt: true,
      },
    });
    const keyId = row?.keyId ?? null;
    if (row?.recipientKind !== 'business') {
      if (row !== null && row.recipientErasedAt !== null && row.recipientId === citizen.subject) {
        throw new SubjectErasedError(row.recipientId, row.recipientErasedAt);
      }
      return { reader: { nationalId: citizen.subject, manages: [] }, keyId };
    }
    const managers = await this.options.managers.managersOf(row.recipientId);
    return {
      reader: {
        nationalId: citizen.subject,
        manages: managers.includes(citizen.subject) ? [row.recipientId] : [],
      },
      keyId,
    };
  }

  /**
   * The businesses with letters that `nationalId` manages, and whether the registry answered
   * for all of them (a business it could not answer for is left out, never let in).
   */
  private async businessesManagedBy(
    nationalId: string,
  ): Promise<{ managed: string[]; complete: boolean }> {
    const recipients: { id: string }[] = await this.store.manager
      .getRepository(LetterEntity)
      .createQueryBuilder('l')
      .select('DISTINCT l.recipient_id', 'id')
      .where("l.recipient_kind = 'business'")
      .getRawMany();
    const result = { managed: [] as string[], complete: true };
    const queue = recipients.map((r) => r.id);
    const worker = async (): Promise<void> => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        try {
          if ((await this.options.managers.managersOf(next)).includes(nationalId)) {
            result.managed.push(next);
          }
        } catch (error) {
          if (!isRegistryUnavailable(error)) throw error;
          // One failure is enough to know: the others would only wait for their time-outs.
          result.complete = false;
          queue.length = 0;
        }
      }
    };
    await Promise.all(Array.from({ length: LOOKUP_CONCURRENCY }, worker));
    return result;
  }
}

/**
 * Holds the person's key row for the rest of the delivery's transaction, and refuses a person
 * erased since their key was looked up: an erasure (which updates that row) then waits for the
 * delivery to commit, so a letter is never recorded after its recipient's `RecipientErased`
 * in the log, where the erasure would miss it.
 *
 * @throws `SubjectErasedError` when the person's key is destroyed.
 */
async function refuseErased(manager: EntityManager, nationalId: string): Promise<void> {
  const rows: { destroyed_at: Date | null }[] = await manager.query(
    `SELECT destroyed_at FROM ${APPLICATION_SCHEMA}.subject_keys WHERE subject_id = $1 FOR SHARE`,
    [nationalId],
  );
  const destroyedAt = rows[0]?.destroyed_at ?? null;
  if (destroyedAt !== null) throw new SubjectErasedError(nationalId, destroyedAt);
}

/**
 * The id of the letter a sender names `reference`: a name-based UUID (RFC 9562 version 8 over
 * SHA-256) of the sender and the reference, the same whoever delivers it for the sender.
 */
export function letterIdOf(senderOrganisationId: string, reference: string): string {
  return uuidOf(`letterbox:letter:${senderOrganisationId}\n${reference}`);
}

function notInBox(letterId: string): DomainRejection<LetterRejectionCode> {
  // The decider's own refusal, so that someone else's letter and an unknown one look the same.
  return new DomainRejection(
    'LETTER_NOT_FOUND',
    `there is no letter ${letterId} in your letterbox`,
  );
}
