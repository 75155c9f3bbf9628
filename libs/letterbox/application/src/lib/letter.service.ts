import { DomainRejection } from '@gov/platform-decider';
import { handleCommand } from '@gov/platform-event-sourcing';
import { checkContent, letterDecider } from '@gov/letterbox-domain';
import type { LetterRejectionCode, LetterStatus, Reader, Recipient } from '@gov/letterbox-domain';

import { letterCodec } from './codecs';
import { contentStore, sha256Hex } from './content-store';
import type { Clock, RequestContext } from './context';
import { appendMetadata, newIdFor, requireAgency, requireCitizen } from './context';
import type { PgLetterStore } from './pg-letter-store';
import { LetterEntity } from './schema';
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
  readonly sender: string;
  readonly recipient: Recipient;
  readonly subject: string;
  readonly procedureId: string | null;
  readonly contentType: string;
  readonly sha256: string;
  readonly sizeBytes: number;
  readonly receiptRequested: boolean;
  readonly state: LetterStatus;
  readonly createdAt: string;
  readonly availableAt: string | null;
  readonly readAt: string | null;
  readonly receiptConfirmedAt: string | null;
  readonly retainUntil: string | null;
  /** When retention ended and the content was removed; `null` while it is kept. */
  readonly contentRemovedAt: string | null;
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

/** The view of a read-model row. */
export function letterView(row: LetterRow): LetterView {
  return {
    letterId: row.letterId,
    sender: row.senderOrganisationId,
    recipient: { kind: row.recipientKind, id: row.recipientId },
    subject: row.subject,
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
  };
}

const LIST_LIMIT = 200;

/**
 * The letterbox's use cases: delivery by an administration, the recipient's box, reads and
 * receipts, the sender's view.
 *
 * Recipients are people (the citizen whose national id the letter names). A business's letters
 * are delivered and shown to their sender; their managers' box needs a lookup of the business's
 * managers in the registry, not built yet, so a citizen's {@link Reader} names no business.
 */
export class LetterService {
  constructor(
    private readonly store: PgLetterStore,
    private readonly clock: Clock,
  ) {}

  /**
   * Delivers a document: checks it, stores its bytes by SHA-256 (once however many letters
   * carry them) and records the letter created and available, all in one transaction.
   */
  async deliver(context: RequestContext, input: DeliverInput): Promise<Delivered> {
    const agency = requireAgency(context.principal, 'deliver letters');
    const contentType = checkContent(input.contentType, input.content);
    const letterId = newIdFor(context, 'letter');
    const now = this.clock.now();
    const sha256 = sha256Hex(input.content);
    const result = await this.store.transaction(async ({ store, manager }) => {
      await contentStore.put(manager, input.content, now);
      return handleCommand(
        store,
        { decider: letterDecider, codec: letterCodec },
        letterStreamId(letterId),
        {
          type: 'DeliverLetter',
          data: {
            letterId,
            senderOrganisationId: agency.organisationId,
            senderActorId: agency.subject,
            recipient: input.recipient,
            subject: input.subject,
            procedureId: input.procedureId ?? null,
            contentType,
            sha256,
            sizeBytes: input.content.length,
            retentionDays: input.retentionDays,
            receiptRequested: input.receiptRequested ?? false,
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

  /** The citizen's own letters, newest first; only a procedure's when `filter` names one. */
  async box(context: RequestContext, filter: LetterFilter = {}): Promise<LetterView[]> {
    const citizen = requireCitizen(context.principal, 'read their letterbox');
    const rows = await this.store.manager.getRepository(LetterEntity).find({
      where: {
        recipientKind: 'person',
        recipientId: citizen.subject,
        ...(filter.procedureId === undefined ? {} : { procedureId: filter.procedureId }),
      },
      order: { createdAt: 'DESC', letterId: 'ASC' },
      take: LIST_LIMIT,
    });
    return rows.map(letterView);
  }

  /**
   * The letters the caller's organisation sent, newest first, with their states; only a
   * procedure's when `filter` names one (the decision letters of a procedure's timeline).
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
    return rows.map(letterView);
  }

  /**
   * One letter: to its recipient, or to an agency of the organisation that sent it. Anyone
   * else is told it does not exist, as for an unknown id.
   */
  async get(context: RequestContext, letterId: string): Promise<LetterView> {
    const row = await this.store.manager
      .getRepository(LetterEntity)
      .findOne({ where: { letterId } });
    const { principal } = context;
    const visible =
      row !== null &&
      ((principal.kind === 'citizen' &&
        row.recipientKind === 'person' &&
        row.recipientId === principal.subject) ||
        (principal.kind === 'agency' && row.senderOrganisationId === principal.organisationId));
    if (!visible) throw notInBox(letterId);
    return letterView(row);
  }

  /**
   * Serves the document to its recipient, recording the read (the first one as `LetterRead`).
   * The bytes are hashed again before they are served: on a mismatch nothing is recorded and
   * nothing is served (a `ContentIntegrityError`).
   */
  async open(context: RequestContext, letterId: string): Promise<LetterContent> {
    const reader = this.readerOf(context, 'open a letter');
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
      const { sha256, contentType } = result.state.facts;
      // Read after the append, in the same transaction: a failed check rolls the read back.
      const bytes = await contentStore.get(manager, sha256);
      return { contentType, sha256, bytes };
    });
  }

  /** Records the recipient's confirmation of receipt (once; a repeat changes nothing). */
  async confirmReceipt(context: RequestContext, letterId: string): Promise<LetterView> {
    const reader = this.readerOf(context, 'confirm receipt');
    await handleCommand(
      this.store,
      { decider: letterDecider, codec: letterCodec },
      letterStreamId(letterId),
      { type: 'ConfirmReceipt', data: { letterId, reader }, metadata: { now: this.clock.now() } },
      { metadata: appendMetadata(context) },
    );
    return this.get(context, letterId);
  }

  private readerOf(context: RequestContext, what: string): Reader {
    const citizen = requireCitizen(context.principal, what);
    return { nationalId: citizen.subject, manages: [] };
  }
}

function notInBox(letterId: string): DomainRejection<LetterRejectionCode> {
  // The decider's own refusal, so that someone else's letter and an unknown one look the same.
  return new DomainRejection(
    'LETTER_NOT_FOUND',
    `there is no letter ${letterId} in your letterbox`,
  );
}
