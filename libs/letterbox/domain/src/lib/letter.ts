import type { Decider } from '@gov/platform-decider';

import { LETTER_LIMITS } from './content';
import type { LetterContentType } from './content';
import { assertNever, reject } from './rejection';

/** Who a letter is for. */
export interface Recipient {
  readonly kind: 'person' | 'business';
  /** A national identification number (person) or a business number (business). */
  readonly id: string;
}

/** A letter as delivered: everything `LetterCreated` records. */
export interface LetterFacts {
  readonly letterId: string;
  /** The organisation the letter is from (the one represented, for a delivery on behalf). */
  readonly senderOrganisationId: string;
  readonly senderActorId: string;
  /**
   * The delivery agent's organisation when it delivered on behalf of the sender (the procedures
   * service for a back office); `null` when the sender delivered itself.
   */
  readonly deliveredBy: string | null;
  readonly recipient: Recipient;
  /**
   * The subject line; `null` where it is sealed under a person's key and was not opened (a
   * command that does not need it, or the person's data erased).
   */
  readonly subject: string | null;
  readonly procedureId: string | null;
  readonly contentType: LetterContentType;
  /** SHA-256 of the content, lower-case hex. */
  readonly sha256: string;
  readonly sizeBytes: number;
  readonly retentionDays: number;
  readonly receiptRequested: boolean;
  /**
   * The sender's own reference, unique per sender organisation (the letter id is derived from
   * it); `null` when the sender gave none.
   */
  readonly senderReference: string | null;
}

/** Who opens or confirms a letter: a person, with the businesses they manage. */
export interface Reader {
  /** Their national identification number (the token's subject). */
  readonly nationalId: string;
  /** Business numbers they are a manager of (looked up by the caller; may be empty). */
  readonly manages: readonly string[];
}

export type LetterEvent =
  | { readonly type: 'LetterCreated'; readonly data: LetterFacts & { readonly createdAt: Date } }
  | {
      readonly type: 'LetterAvailable';
      readonly data: {
        readonly letterId: string;
        readonly availableAt: Date;
        readonly retainUntil: Date;
      };
    }
  | {
      readonly type: 'LetterRead';
      readonly data: {
        readonly letterId: string;
        readonly readerId: string;
        readonly readAt: Date;
      };
    }
  | {
      readonly type: 'LetterContentRead';
      readonly data: {
        readonly letterId: string;
        readonly readerId: string;
        readonly sha256: string;
        readonly readAt: Date;
        /** The letter's recipient; `null` only in events written before it was recorded. */
        readonly recipient: Recipient | null;
        /** The sending organisation; empty only in events written before it was recorded. */
        readonly senderOrganisationId: string;
        readonly procedureId: string | null;
      };
    }
  | {
      readonly type: 'ReceiptConfirmed';
      readonly data: {
        readonly letterId: string;
        readonly confirmedBy: string;
        readonly confirmedAt: Date;
      };
    }
  | {
      readonly type: 'LetterContentRemoved';
      readonly data: {
        readonly letterId: string;
        readonly sha256: string;
        readonly removedAt: Date;
      };
    };

interface At {
  readonly now: Date;
}

/** A letter as its sender delivers it: its subject line in hand. */
export type DeliveryFacts = LetterFacts & { readonly subject: string };

export type LetterCommand =
  | { readonly type: 'DeliverLetter'; readonly data: DeliveryFacts; readonly metadata: At }
  | {
      readonly type: 'OpenLetter';
      readonly data: { readonly letterId: string; readonly reader: Reader };
      readonly metadata: At;
    }
  | {
      readonly type: 'ConfirmReceipt';
      readonly data: { readonly letterId: string; readonly reader: Reader };
      readonly metadata: At;
    }
  | {
      readonly type: 'RemoveContent';
      readonly data: { readonly letterId: string };
      readonly metadata: At;
    };

/** The states of a letter, in order; content removal is orthogonal (`contentRemovedAt`). */
export type LetterStatus = 'CREATED' | 'AVAILABLE' | 'READ' | 'RECEIPT_CONFIRMED';

/** A letter's stream folded. */
export type LetterState =
  | { readonly status: 'NONE' }
  | {
      readonly status: LetterStatus;
      readonly facts: LetterFacts;
      readonly createdAt: Date;
      readonly availableAt: Date | null;
      readonly retainUntil: Date | null;
      readonly readAt: Date | null;
      readonly confirmedAt: Date | null;
      readonly contentRemovedAt: Date | null;
    };

/** A delivered letter's state. */
export type DeliveredLetter = Exclude<LetterState, { status: 'NONE' }>;

const DAY_MS = 24 * 3600 * 1000;

/** Whether `reader` is the letter's recipient: the person, or a manager of the business. */
export function isRecipient(recipient: Recipient, reader: Reader): boolean {
  return recipient.kind === 'person'
    ? recipient.id === reader.nationalId
    : reader.manages.includes(recipient.id);
}

/**
 * Whether a delivery is the one that made `existing`: same sender, recipient, document. An
 * existing subject line not opened (`null`) is never taken for the same: refused, not assumed.
 */
function sameLetter(existing: LetterFacts, again: DeliveryFacts): boolean {
  return (
    existing.senderOrganisationId === again.senderOrganisationId &&
    existing.senderReference === again.senderReference &&
    existing.recipient.kind === again.recipient.kind &&
    existing.recipient.id === again.recipient.id &&
    existing.subject === again.subject &&
    existing.procedureId === again.procedureId &&
    existing.sha256 === again.sha256
  );
}

function checkFacts(facts: DeliveryFacts): void {
  const issues = [];
  // Characters (code points), as the API document's maxLength counts them: not UTF-16 units.
  const subjectLength = Array.from(facts.subject).length;
  if (facts.subject.trim().length === 0 || subjectLength > LETTER_LIMITS.subjectLength) {
    issues.push({
      field: 'subject',
      code: 'length',
      message: `1 to ${String(LETTER_LIMITS.subjectLength)} characters`,
    });
  }
  if (
    !Number.isInteger(facts.retentionDays) ||
    facts.retentionDays < LETTER_LIMITS.minRetentionDays ||
    facts.retentionDays > LETTER_LIMITS.maxRetentionDays
  ) {
    issues.push({
      field: 'retentionDays',
      code: 'out-of-range',
      message: `between ${String(LETTER_LIMITS.minRetentionDays)} and ${String(LETTER_LIMITS.maxRetentionDays)} days`,
    });
  }
  if (issues.length > 0) throw reject('INVALID_INPUT', 'the letter is invalid', issues);
}

/**
 * The recipient's view of a letter, or a refusal that does not tell a stranger whether the
 * letter exists: someone else's letter is "not found", as an unknown one is.
 */
function requireOwnLetter(state: LetterState, letterId: string, reader: Reader): DeliveredLetter {
  if (state.status === 'NONE' || !isRecipient(state.facts.recipient, reader)) {
    throw reject('LETTER_NOT_FOUND', `there is no letter ${letterId} in your letterbox`);
  }
  return state;
}

function decide(command: LetterCommand, state: LetterState): readonly LetterEvent[] {
  const { now } = command.metadata;
  switch (command.type) {
    case 'DeliverLetter': {
      const facts = command.data;
      if (state.status !== 'NONE') {
        // The same letter delivered again (a sender's reference used twice, by the sender and
        // its delivery agent after a lost answer): nothing new. Anything else under that id is
        // another letter.
        if (sameLetter(state.facts, facts)) return [];
        throw reject(
          'LETTER_ALREADY_EXISTS',
          facts.senderReference === null
            ? `letter ${facts.letterId} exists already`
            : `the reference ${facts.senderReference} names another letter of ${facts.senderOrganisationId}`,
        );
      }
      checkFacts(facts);
      // Available at once: the letterbox has the content when it accepts the letter, so the
      // legal-effect instant is the acceptance. A separate event keeps the two facts apart for
      // a future delivery that is not immediate (a scheduled or batched dispatch).
      return [
        { type: 'LetterCreated', data: { ...facts, createdAt: now } },
        {
          type: 'LetterAvailable',
          data: {
            letterId: facts.letterId,
            availableAt: now,
            retainUntil: new Date(now.getTime() + facts.retentionDays * DAY_MS),
          },
        },
      ];
    }
    case 'OpenLetter': {
      const { letterId, reader } = command.data;
      const letter = requireOwnLetter(state, letterId, reader);
      if (letter.contentRemovedAt !== null) {
        throw reject('CONTENT_REMOVED', 'the retention period ended: the content was removed');
      }
      // A complete fact: the audit service records the read from this event alone.
      const read: LetterEvent = {
        type: 'LetterContentRead',
        data: {
          letterId,
          readerId: reader.nationalId,
          sha256: letter.facts.sha256,
          readAt: now,
          recipient: letter.facts.recipient,
          senderOrganisationId: letter.facts.senderOrganisationId,
          procedureId: letter.facts.procedureId,
        },
      };
      if (letter.readAt !== null) return [read];
      return [
        { type: 'LetterRead', data: { letterId, readerId: reader.nationalId, readAt: now } },
        read,
      ];
    }
    case 'ConfirmReceipt': {
      const { letterId, reader } = command.data;
      const letter = requireOwnLetter(state, letterId, reader);
      if (!letter.facts.receiptRequested) {
        throw reject('RECEIPT_NOT_REQUESTED', 'the sender asked for no receipt of this letter');
      }
      if (letter.confirmedAt !== null) return [];
      if (letter.readAt === null) {
        throw reject('LETTER_NOT_READ', 'open the letter before confirming its receipt');
      }
      return [
        {
          type: 'ReceiptConfirmed',
          data: { letterId, confirmedBy: reader.nationalId, confirmedAt: now },
        },
      ];
    }
    case 'RemoveContent': {
      const { letterId } = command.data;
      if (state.status === 'NONE') {
        throw reject('LETTER_NOT_FOUND', `there is no letter ${letterId}`);
      }
      if (
        state.contentRemovedAt !== null ||
        state.retainUntil === null ||
        now.getTime() < state.retainUntil.getTime()
      ) {
        return [];
      }
      return [
        {
          type: 'LetterContentRemoved',
          data: { letterId, sha256: state.facts.sha256, removedAt: now },
        },
      ];
    }
    default:
      return assertNever(command, 'letter command');
  }
}

function evolve(state: LetterState, event: LetterEvent): LetterState {
  if (event.type === 'LetterCreated') {
    const { createdAt, ...facts } = event.data;
    return {
      status: 'CREATED',
      facts,
      createdAt,
      availableAt: null,
      retainUntil: null,
      readAt: null,
      confirmedAt: null,
      contentRemovedAt: null,
    };
  }
  if (state.status === 'NONE') return state;
  switch (event.type) {
    case 'LetterAvailable':
      return {
        ...state,
        status: 'AVAILABLE',
        availableAt: event.data.availableAt,
        retainUntil: event.data.retainUntil,
      };
    case 'LetterRead':
      return { ...state, status: 'READ', readAt: event.data.readAt };
    case 'LetterContentRead':
      return state;
    case 'ReceiptConfirmed':
      return { ...state, status: 'RECEIPT_CONFIRMED', confirmedAt: event.data.confirmedAt };
    case 'LetterContentRemoved':
      return { ...state, contentRemovedAt: event.data.removedAt };
    default:
      return assertNever(event, 'letter event');
  }
}

/**
 * A letter, one stream per letter (`letter-<id>`).
 *
 * - Delivery records `LetterCreated` and `LetterAvailable` (the legal-effect instant).
 * - Opening the content by the recipient (the person, or a manager of the business, as the
 *   command's {@link Reader} says) records `LetterContentRead`, with the letter's recipient,
 *   sender and procedure, preceded the first time by `LetterRead`; opening someone else's
 *   letter is refused as "not found".
 * - `ConfirmReceipt` is allowed once the letter is read and only when the sender asked for a
 *   receipt; a repeat is a no-op.
 * - `RemoveContent` records `LetterContentRemoved` once retention has ended; before, or a
 *   second time, it is a no-op. The letter's facts stay; opening it is refused.
 */
export const letterDecider: Decider<LetterCommand, LetterEvent, LetterState> = {
  decide,
  evolve,
  initialState: { status: 'NONE' },
};
