import { DeciderSpecification } from '@gov/platform-decider';

import { letterDecider } from './letter';
import type { DeliveryFacts, LetterEvent, LetterFacts, Reader } from './letter';

const ANNA = '1983081246785';
const LUC = '1990013100012';
const ID = '5f0c8a52-8b4e-4f0e-9d1a-3c2f1e0d9a01';
const SHA = 'a'.repeat(64);
const t = (iso: string) => new Date(iso);
const NOW = t('2026-03-01T10:00:00Z');
const LATER = t('2026-03-02T08:00:00Z');

const facts: DeliveryFacts = {
  letterId: ID,
  senderOrganisationId: 'ccss',
  senderActorId: 'svc-ccss',
  deliveredBy: null,
  recipient: { kind: 'person', id: ANNA },
  subject: 'Décision: allocation familiale',
  procedureId: 'proc-1',
  contentType: 'application/pdf',
  sha256: SHA,
  sizeBytes: 1024,
  retentionDays: 30,
  receiptRequested: true,
  senderReference: null,
};
const created: LetterEvent = { type: 'LetterCreated', data: { ...facts, createdAt: NOW } };
const available: LetterEvent = {
  type: 'LetterAvailable',
  data: { letterId: ID, availableAt: NOW, retainUntil: t('2026-03-31T10:00:00Z') },
};
const anna: Reader = { nationalId: ANNA, manages: [] };
const luc: Reader = { nationalId: LUC, manages: [] };
const read: LetterEvent = {
  type: 'LetterRead',
  data: { letterId: ID, readerId: ANNA, readAt: LATER },
};
const contentRead = (
  at: Date,
  readerId = ANNA,
  recipient: LetterFacts['recipient'] = facts.recipient,
): LetterEvent => ({
  type: 'LetterContentRead',
  data: {
    letterId: ID,
    readerId,
    sha256: SHA,
    readAt: at,
    recipient,
    senderOrganisationId: 'ccss',
    procedureId: 'proc-1',
  },
});

const spec = DeciderSpecification.for(letterDecider);

describe('delivering a letter', () => {
  it('records it created and available at once, with the end of its retention', () => {
    spec
      .given([])
      .when({ type: 'DeliverLetter', data: facts, metadata: { now: NOW } })
      .then([created, available]);
  });

  it('refuses an empty or too long subject and a retention out of range, naming both', () => {
    const deliver = (changed: Partial<DeliveryFacts>) =>
      spec
        .given([])
        .when({ type: 'DeliverLetter', data: { ...facts, ...changed }, metadata: { now: NOW } });
    deliver({ subject: ' ', retentionDays: 0 }).thenRejects('INVALID_INPUT', [
      'subject',
      'retentionDays',
    ]);
    deliver({ subject: 'x'.repeat(201) }).thenRejects('INVALID_INPUT', ['subject']);
    deliver({ retentionDays: 36_501 }).thenRejects('INVALID_INPUT', ['retentionDays']);
  });

  it('counts a subject in characters, as the API document does, not in UTF-16 units', () => {
    // 200 characters outside the Basic Multilingual Plane: 400 UTF-16 code units.
    const subject = '📄'.repeat(200);
    spec
      .given([])
      .when({ type: 'DeliverLetter', data: { ...facts, subject }, metadata: { now: NOW } })
      .then([{ ...created, data: { ...created.data, subject } }, available]);
  });

  it('records nothing for the same letter delivered again under its reference', () => {
    const referenced = { ...facts, senderReference: 'decision-letter-case-1' };
    const createdWithReference: LetterEvent = {
      type: 'LetterCreated',
      data: { ...referenced, createdAt: NOW },
    };
    spec
      .given([createdWithReference, available, read])
      .when({
        type: 'DeliverLetter',
        // By the delivery agent this time, later: the same letter all the same.
        data: { ...referenced, senderActorId: 'procedures', deliveredBy: 'procedures' },
        metadata: { now: LATER },
      })
      .then([]);
  });

  it('refuses another letter under the same id', () => {
    for (const other of [
      { sha256: 'b'.repeat(64) },
      { subject: 'Another subject' },
      { recipient: { kind: 'person' as const, id: LUC } },
      { senderOrganisationId: 'acd' },
      { senderReference: 'another-reference' },
    ]) {
      spec
        .given([created, available])
        .when({ type: 'DeliverLetter', data: { ...facts, ...other }, metadata: { now: NOW } })
        .thenRejects('LETTER_ALREADY_EXISTS');
    }
  });

  it('refuses a delivery again when the existing subject line was not opened', () => {
    // Sealed and not opened (erased, or loaded without keys): never assumed to be the same.
    const sealed = { ...created, data: { ...created.data, subject: null } };
    spec
      .given([sealed, available])
      .when({ type: 'DeliverLetter', data: facts, metadata: { now: LATER } })
      .thenRejects('LETTER_ALREADY_EXISTS');
  });
});

describe('opening a letter', () => {
  it('records the first read and the content read, then only content reads', () => {
    spec
      .given([created, available])
      .when({ type: 'OpenLetter', data: { letterId: ID, reader: anna }, metadata: { now: LATER } })
      .then([read, contentRead(LATER)]);
    const again = t('2026-03-03T08:00:00Z');
    spec
      .given([created, available, read, contentRead(LATER)])
      .when({ type: 'OpenLetter', data: { letterId: ID, reader: anna }, metadata: { now: again } })
      .then([contentRead(again)]);
  });

  it('answers someone else’s letter as an unknown one', () => {
    spec
      .given([created, available])
      .when({ type: 'OpenLetter', data: { letterId: ID, reader: luc }, metadata: { now: LATER } })
      .thenRejects('LETTER_NOT_FOUND');
    spec
      .given([])
      .when({ type: 'OpenLetter', data: { letterId: ID, reader: anna }, metadata: { now: LATER } })
      .thenRejects('LETTER_NOT_FOUND');
  });

  it('lets a manager of the business open a business’s letter, and nobody else', () => {
    const business: LetterEvent = {
      type: 'LetterCreated',
      data: { ...facts, recipient: { kind: 'business', id: 'B123456' }, createdAt: NOW },
    };
    spec
      .given([business, available])
      .when({
        type: 'OpenLetter',
        data: { letterId: ID, reader: { nationalId: LUC, manages: ['B123456'] } },
        metadata: { now: LATER },
      })
      .then([
        { type: 'LetterRead', data: { letterId: ID, readerId: LUC, readAt: LATER } },
        contentRead(LATER, LUC, { kind: 'business', id: 'B123456' }),
      ]);
    spec
      .given([business, available])
      .when({ type: 'OpenLetter', data: { letterId: ID, reader: anna }, metadata: { now: LATER } })
      .thenRejects('LETTER_NOT_FOUND');
    // Managing another business is not enough.
    spec
      .given([business, available])
      .when({
        type: 'OpenLetter',
        data: { letterId: ID, reader: { nationalId: LUC, manages: ['B654321'] } },
        metadata: { now: LATER },
      })
      .thenRejects('LETTER_NOT_FOUND');
  });

  it('records with each read who the letter is for, who sent it and its procedure', () => {
    const onBehalf: LetterEvent = {
      type: 'LetterCreated',
      data: {
        ...facts,
        senderOrganisationId: 'cae',
        senderActorId: 'procedures',
        deliveredBy: 'procedures',
        procedureId: null,
        recipient: { kind: 'business', id: 'B123456' },
        createdAt: NOW,
      },
    };
    spec
      .given([onBehalf, available, read])
      .when({
        type: 'OpenLetter',
        data: { letterId: ID, reader: { nationalId: LUC, manages: ['B123456'] } },
        metadata: { now: LATER },
      })
      .then([
        {
          type: 'LetterContentRead',
          data: {
            letterId: ID,
            readerId: LUC,
            sha256: SHA,
            readAt: LATER,
            recipient: { kind: 'business', id: 'B123456' },
            senderOrganisationId: 'cae',
            procedureId: null,
          },
        },
      ]);
  });

  it('refuses a letter whose content was removed', () => {
    spec
      .given([
        created,
        available,
        { type: 'LetterContentRemoved', data: { letterId: ID, sha256: SHA, removedAt: LATER } },
      ])
      .when({ type: 'OpenLetter', data: { letterId: ID, reader: anna }, metadata: { now: LATER } })
      .thenRejects('CONTENT_REMOVED');
  });
});

describe('confirming receipt', () => {
  const confirm = { type: 'ConfirmReceipt', data: { letterId: ID, reader: anna } } as const;
  const confirmed: LetterEvent = {
    type: 'ReceiptConfirmed',
    data: { letterId: ID, confirmedBy: ANNA, confirmedAt: LATER },
  };

  it('records it once the letter is read, and a repeat changes nothing', () => {
    spec
      .given([created, available, read])
      .when({ ...confirm, metadata: { now: LATER } })
      .then([confirmed]);
    spec
      .given([created, available, read, confirmed])
      .when({ ...confirm, metadata: { now: LATER } })
      .then([]);
  });

  it('refuses it before the letter is read, when no receipt was asked, and for another person', () => {
    spec
      .given([created, available])
      .when({ ...confirm, metadata: { now: LATER } })
      .thenRejects('LETTER_NOT_READ');
    spec
      .given([
        { type: 'LetterCreated', data: { ...facts, receiptRequested: false, createdAt: NOW } },
        available,
        read,
      ])
      .when({ ...confirm, metadata: { now: LATER } })
      .thenRejects('RECEIPT_NOT_REQUESTED');
    spec
      .given([created, available, read])
      .when({
        type: 'ConfirmReceipt',
        data: { letterId: ID, reader: luc },
        metadata: { now: LATER },
      })
      .thenRejects('LETTER_NOT_FOUND');
  });
});

describe('the end of retention', () => {
  const remove = { type: 'RemoveContent', data: { letterId: ID } } as const;

  it('removes the content once retention has ended, once', () => {
    const end = t('2026-03-31T10:00:00Z');
    const removed: LetterEvent = {
      type: 'LetterContentRemoved',
      data: { letterId: ID, sha256: SHA, removedAt: end },
    };
    spec
      .given([created, available])
      .when({ ...remove, metadata: { now: t('2026-03-31T09:59:59Z') } })
      .then([]);
    spec
      .given([created, available])
      .when({ ...remove, metadata: { now: end } })
      .then([removed]);
    spec
      .given([created, available, removed])
      .when({ ...remove, metadata: { now: end } })
      .then([]);
  });
});
