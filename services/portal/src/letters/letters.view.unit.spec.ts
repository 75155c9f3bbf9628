import { formatsFor } from '../i18n/i18n';
import type { Language } from '../i18n/i18n';
import type { PageContext } from '../http/page-context';
import type { Letter } from './letters.view';
import {
  LETTER_ID,
  documentFileName,
  documentHeaders,
  letterBody,
  letterBoxBody,
  textDocumentBody,
} from './letters.view';

function pageIn(language: Language = 'en'): PageContext {
  return {
    language,
    formats: formatsFor(language),
    session: undefined,
    csrf: 'csrf-token',
    here: '/letters',
    site: 'primary',
  };
}

const LETTER: Letter = {
  letterId: '5f0c8a52-8b4e-4f0e-9d1a-3c2f1e0d9a01',
  sender: 'ccss',
  deliveredBy: null,
  recipient: { kind: 'person', id: '1983081246785' },
  subject: 'Décision <script>alert(1)</script>',
  procedureId: null,
  contentType: 'text/plain',
  sha256: 'ab'.repeat(32),
  sizeBytes: 1234,
  receiptRequested: true,
  state: 'AVAILABLE',
  createdAt: '2026-12-06T10:00:00.000Z',
  availableAt: '2026-12-06T10:00:00.000Z',
  readAt: null,
  receiptConfirmedAt: null,
  retainUntil: '2036-12-06T10:00:00.000Z',
  contentRemovedAt: null,
};

describe('documentHeaders', () => {
  it('passes the letterbox’s document types and dispositions on', () => {
    expect(documentHeaders('application/pdf', 'inline')).toEqual({
      contentType: 'application/pdf',
      disposition: 'inline',
    });
    expect(documentHeaders('image/png', 'attachment; filename="a.png"')).toEqual({
      contentType: 'image/png',
      disposition: 'attachment; filename="a.png"',
    });
  });

  it('gives text its charset, the letterbox accepting only UTF-8 text', () => {
    expect(documentHeaders('text/plain', 'inline').contentType).toBe('text/plain; charset=utf-8');
  });

  it('never serves another type as itself, nor an unexpected disposition', () => {
    expect(documentHeaders('text/html', 'inline')).toEqual({
      contentType: 'application/octet-stream',
      disposition: 'attachment',
    });
    expect(documentHeaders('image/svg+xml', null).contentType).toBe('application/octet-stream');
    expect(documentHeaders('application/pdf', null).disposition).toBe('attachment');
    expect(documentHeaders('application/pdf', 'inline\r\nset-cookie: x=1').disposition).toBe(
      'attachment',
    );
  });
});

describe('the letter box', () => {
  it('lists each letter with its state, sender and recipient, its subject escaped', () => {
    const markup = letterBoxBody(pageIn(), {
      items: [
        LETTER,
        {
          ...LETTER,
          letterId: '6f0c8a52-8b4e-4f0e-9d1a-3c2f1e0d9a02',
          recipient: { kind: 'business', id: 'B12' },
          state: 'RECEIPT_CONFIRMED',
        },
      ],
      businessLetters: 'included',
    }).toString();
    expect(markup).toContain('Décision &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(markup).not.toContain('<script>');
    expect(markup).toContain('data-state="AVAILABLE"');
    expect(markup).toContain('>Available</span');
    expect(markup).toContain('>Receipt confirmed</span');
    expect(markup).toContain('<td>You</td>');
    expect(markup).toContain('<td>Business B12</td>');
    expect(markup).toContain('href="/letters/5f0c8a52-8b4e-4f0e-9d1a-3c2f1e0d9a01"');
    // A receipt still to confirm is flagged; a confirmed one is not.
    expect(markup.match(/receipt requested/g)).toHaveLength(1);
    expect(markup).not.toContain('class="notice"');
  });

  it('says when the letters of the person’s businesses could not be checked', () => {
    const markup = letterBoxBody(pageIn('de'), {
      items: [],
      businessLetters: 'unavailable',
    }).toString();
    expect(markup).toContain('Das Unternehmensregister ist gerade nicht erreichbar');
    expect(markup).toContain('Noch keine Post.');
  });
});

describe('a letter', () => {
  it('offers the receipt form while the receipt is asked for and not confirmed', () => {
    const markup = letterBody(pageIn(), LETTER, { kind: 'none' }).toString();
    expect(markup).toContain(`action="/letters/${LETTER.letterId}/receipt"`);
    expect(markup).toContain('name="_csrf" value="csrf-token"');
    // Text opens in the page; the download goes through the portal's content route.
    expect(markup).toContain(`href="/letters/${LETTER.letterId}/document"`);
    expect(markup).toContain(`download="letter-${LETTER.letterId}.txt"`);
    expect(markup).toContain('<tr data-state="RECEIPT_CONFIRMED">');
  });

  it('shows a confirmed receipt with its instant, and no form', () => {
    const markup = letterBody(
      pageIn('fr'),
      {
        ...LETTER,
        state: 'RECEIPT_CONFIRMED',
        readAt: '2026-12-06T11:00:00.000Z',
        receiptConfirmedAt: '2026-12-06T11:05:00.000Z',
      },
      { kind: 'confirmed' },
    ).toString();
    expect(markup).not.toContain('/receipt"');
    expect(markup).toContain('Vous avez confirmé la réception le 6 déc. 2026, 12:05:00.');
    expect(markup).toContain('role="status"');
  });

  it('has no receipt part when the sender asked for none, and opens a PDF from the portal', () => {
    const markup = letterBody(
      pageIn(),
      { ...LETTER, receiptRequested: false, contentType: 'application/pdf' },
      { kind: 'none' },
    ).toString();
    expect(markup).not.toContain('/receipt"');
    expect(markup).not.toContain('data-state="RECEIPT_CONFIRMED"');
    expect(markup).toContain(`href="/letters/${LETTER.letterId}/content"`);
    expect(markup).toContain(`download="letter-${LETTER.letterId}.pdf"`);
  });

  it('explains a refused receipt in the person’s language', () => {
    const markup = letterBody(pageIn(), LETTER, {
      kind: 'refused',
      code: 'LETTER_NOT_READ',
      detail: 'open the letter before confirming its receipt',
    }).toString();
    expect(markup).toContain(
      'Receipt not confirmed: open the document before confirming its receipt.',
    );
    expect(markup).toContain('role="alert"');
  });

  it('says when retention removed the document, and offers no link to it', () => {
    const markup = letterBody(
      pageIn(),
      { ...LETTER, contentRemovedAt: '2027-01-01T00:00:00.000Z' },
      { kind: 'none' },
    ).toString();
    expect(markup).toContain('The document was removed on');
    expect(markup).not.toContain('/content"');
    expect(markup).not.toContain('/document"');
  });

  it('shows a text document escaped, lines kept', () => {
    const markup = textDocumentBody(
      pageIn(),
      { ...LETTER, state: 'READ' },
      'Line one\n<img src=x onerror=alert(1)>',
    ).toString();
    expect(markup).toContain('Line one\n&lt;img src=x onerror=alert(1)&gt;</pre>');
    expect(markup).not.toContain('<img');
  });
});

describe('letter ids and file names', () => {
  it('accepts the letterbox’s UUIDs only', () => {
    expect(LETTER_ID.test(LETTER.letterId)).toBe(true);
    expect(LETTER_ID.test('../documents/digest')).toBe(false);
    expect(LETTER_ID.test(`${LETTER.letterId}/x`)).toBe(false);
  });

  it('names a download after the letter and its type', () => {
    expect(documentFileName({ ...LETTER, contentType: 'image/jpeg' })).toBe(
      `letter-${LETTER.letterId}.jpg`,
    );
  });
});
