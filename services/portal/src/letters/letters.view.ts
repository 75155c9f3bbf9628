// The letter box's pages as pure functions of the letterbox's answers (GET /letters,
// GET /letters/{id}), so that what a person sees is unit-tested without a service.
import { html } from '../html/html';
import type { Html } from '../html/html';
import type { PageContext } from '../http/page-context';
import type { Translate } from '../i18n/i18n';
import { COMMON } from '../layout/common.messages';
import { csrfField } from '../layout/forms';
import { LETTERS } from './letters.messages';

/** A letter as the letterbox shows it to its recipient (`GET /letters/{id}`). */
export interface Letter {
  readonly letterId: string;
  readonly sender: string;
  readonly deliveredBy: string | null;
  readonly recipient: { readonly kind: 'person' | 'business'; readonly id: string };
  readonly subject: string;
  readonly procedureId: string | null;
  readonly contentType: string;
  readonly sha256: string;
  readonly sizeBytes: number;
  readonly receiptRequested: boolean;
  readonly state: LetterState;
  readonly createdAt: string;
  readonly availableAt: string | null;
  readonly readAt: string | null;
  readonly receiptConfirmedAt: string | null;
  readonly retainUntil: string | null;
  readonly contentRemovedAt: string | null;
}

export type LetterState = 'CREATED' | 'AVAILABLE' | 'READ' | 'RECEIPT_CONFIRMED';

/** `GET /letters`. */
export interface LetterBox {
  readonly items: readonly Letter[];
  readonly businessLetters: 'included' | 'unavailable';
}

type T = Translate<(typeof LETTERS.keys)[number]>;

/** The letterbox's letter ids (UUIDs); anything else is not a letter of anyone. */
export const LETTER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The types the letterbox accepts (README: Types); the portal serves no other as itself. */
const DOCUMENT_TYPES = new Set(['application/pdf', 'image/png', 'image/jpeg', 'text/plain']);

/**
 * The headers the portal serves a letter's document with. Only the letterbox's four document
 * types pass as they are: anything else (which the letterbox never stores) would otherwise be
 * rendered on the portal's origin, so it becomes a download of opaque bytes. Text gets its
 * charset (the letterbox accepts only UTF-8 text), or a browser would guess it.
 */
export function documentHeaders(
  contentType: string,
  disposition: string | null,
): { readonly contentType: string; readonly disposition: string } {
  const essence = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  if (!DOCUMENT_TYPES.has(essence)) {
    return { contentType: 'application/octet-stream', disposition: 'attachment' };
  }
  const type = essence === 'text/plain' ? 'text/plain; charset=utf-8' : essence;
  const given = disposition?.trim() ?? '';
  // Only the service's own dispositions (inline or attachment, with a filename) pass.
  const safe = /^(inline|attachment)(\s*;\s*filename\*?=[^\r\n]*)?$/i.test(given);
  return { contentType: type, disposition: safe ? given : 'attachment' };
}

/** The file name a download of the document gets. */
export function documentFileName(letter: Letter): string {
  const extension =
    { 'application/pdf': 'pdf', 'image/png': 'png', 'image/jpeg': 'jpg', 'text/plain': 'txt' }[
      letter.contentType
    ] ?? 'bin';
  return `letter-${letter.letterId}.${extension}`;
}

export function stateLabel(t: T, state: LetterState): string {
  switch (state) {
    case 'CREATED':
      return t('stateCreated');
    case 'AVAILABLE':
      return t('stateAvailable');
    case 'READ':
      return t('stateRead');
    case 'RECEIPT_CONFIRMED':
      return t('stateReceiptConfirmed');
    default: {
      const unknown: never = state;
      return String(unknown);
    }
  }
}

/** Who a letter is for, as the signed-in person reads it: them, or one of their businesses. */
export function recipientLabel(t: T, recipient: Letter['recipient']): string {
  return recipient.kind === 'business'
    ? t('recipientBusiness', { number: recipient.id })
    : t('recipientYou');
}

function sizeText(page: PageContext, t: T, bytes: number): string {
  return t('bytes', { count: page.formats.number(bytes) });
}

/** The letter box: a table of letters with their states. */
export function letterBoxBody(page: PageContext, box: LetterBox): Html {
  const t = LETTERS.in(page.language);
  const when = (iso: string | null): string => (iso === null ? '' : page.formats.dateTime(iso));
  return html`<p>${t('intro')}</p>
    ${
      box.businessLetters === 'unavailable'
        ? html`<p class="notice" role="status">${t('businessLettersUnavailable')}</p>`
        : ''
    }
    ${
      box.items.length === 0
        ? html`<p>${t('none')}</p>`
        : html`<table class="letters">
            <caption>
              ${t('tableCaption')}
            </caption>
            <thead>
              <tr>
                <th scope="col">${t('subject')}</th>
                <th scope="col">${t('sender')}</th>
                <th scope="col">${t('recipient')}</th>
                <th scope="col">${t('legalEffect')}</th>
                <th scope="col">${t('state')}</th>
              </tr>
            </thead>
            <tbody>
              ${box.items.map(
                (letter) =>
                  html`<tr data-letter="${letter.letterId}">
                    <th scope="row">
                      <a href="/letters/${letter.letterId}">${letter.subject}</a>
                    </th>
                    <td>${letter.sender}</td>
                    <td>${recipientLabel(t, letter.recipient)}</td>
                    <td>${when(letter.availableAt)}</td>
                    <td>
                      <span class="status letter-state" data-state="${letter.state}"
                        >${stateLabel(t, letter.state)}</span
                      >
                      ${
                        letter.receiptRequested && letter.state !== 'RECEIPT_CONFIRMED'
                          ? html`<span class="tag">${t('receiptRequestedTag')}</span>`
                          : ''
                      }
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }`;
}

/** What the letter page says after a receipt form: confirmed now, or why not. */
export type ReceiptOutcome =
  | { readonly kind: 'none' }
  | { readonly kind: 'confirmed' }
  | { readonly kind: 'refused'; readonly code: string | undefined; readonly detail: string };

/** Why the letterbox refused a receipt, in the person's language (its words otherwise). */
export function receiptRefusal(t: T, code: string | undefined, detail: string): string {
  const reason =
    code === 'LETTER_NOT_READ'
      ? t('receiptNotRead')
      : code === 'RECEIPT_NOT_REQUESTED'
        ? t('receiptNotRequested')
        : detail;
  return t('receiptRefused', { reason });
}

/** The receipt part of a letter: confirmed (when), or the form to confirm it. */
export function receiptSection(page: PageContext, letter: Letter): Html {
  const t = LETTERS.in(page.language);
  if (!letter.receiptRequested) return html``;
  if (letter.receiptConfirmedAt !== null) {
    return html`<p class="success receipt-confirmed">
      ${t('receiptConfirmed', { date: page.formats.dateTime(letter.receiptConfirmedAt) })}
    </p>`;
  }
  return html`<form class="receipt" method="post" action="/letters/${letter.letterId}/receipt">
    ${csrfField(page)}
    <p class="hint" id="receipt-hint">${t('confirmReceiptHint')}</p>
    <button type="submit" aria-describedby="receipt-hint">${t('confirmReceipt')}</button>
  </form>`;
}

/** The links that open the document (through the portal), or why there is none any more. */
export function documentLinks(page: PageContext, letter: Letter): Html {
  const t = LETTERS.in(page.language);
  if (letter.contentRemovedAt !== null) {
    return html`<p class="notice">
      ${t('contentRemoved', { date: page.formats.dateTime(letter.contentRemovedAt) })}
    </p>`;
  }
  // Text is shown in the page (escaped); PDFs and images open in the browser from the
  // portal's route, which forwards the letterbox's type and disposition.
  const open =
    letter.contentType === 'text/plain'
      ? `/letters/${letter.letterId}/document`
      : `/letters/${letter.letterId}/content`;
  return html`<p class="hint">${t('openingMakesRead')}</p>
    <div class="actions">
      <a class="button" href="${open}">${t('openDocument')}</a>
      <a
        class="button secondary"
        href="/letters/${letter.letterId}/content"
        download="${documentFileName(letter)}"
        >${t('downloadDocument')}</a
      >
    </div>`;
}

/** One letter: its facts, its states with their instants, the document and the receipt. */
export function letterBody(page: PageContext, letter: Letter, outcome: ReceiptOutcome): Html {
  const t = LETTERS.in(page.language);
  const common = COMMON.in(page.language);
  const when = (iso: string | null): string =>
    iso === null ? t('notYet') : page.formats.dateTime(iso);
  const states: readonly (readonly [LetterState, string | null])[] = [
    ['CREATED', letter.createdAt],
    ['AVAILABLE', letter.availableAt],
    ['READ', letter.readAt],
    ...(letter.receiptRequested ? [['RECEIPT_CONFIRMED', letter.receiptConfirmedAt] as const] : []),
  ];
  return html`${
    outcome.kind === 'confirmed'
      ? html`<p class="success" role="status">${t('receiptJustConfirmed')}</p>`
      : outcome.kind === 'refused'
        ? html`<p class="notice" role="alert">
            ${receiptRefusal(t, outcome.code, outcome.detail)}
          </p>`
        : ''
  }
    <p>
      ${t('state')}:
      <span class="status letter-state" data-state="${letter.state}"
        >${stateLabel(t, letter.state)}</span
      >
    </p>
    <dl class="record">
      <dt>${t('sender')}</dt>
      <dd>${letter.sender}</dd>
      ${
        letter.deliveredBy === null
          ? ''
          : html`<dt>${t('deliveredBy')}</dt>
              <dd>${letter.deliveredBy}</dd>`
      }
      <dt>${t('recipient')}</dt>
      <dd>${recipientLabel(t, letter.recipient)}</dd>
      <dt>${t('legalEffect')}</dt>
      <dd>${when(letter.availableAt)}</dd>
      ${
        letter.procedureId === null
          ? ''
          : html`<dt>${t('procedure')}</dt>
              <dd>${letter.procedureId}</dd>`
      }
      <dt>${t('document')}</dt>
      <dd>
        ${t('documentDescription', {
          type: letter.contentType,
          size: sizeText(page, t, letter.sizeBytes),
        })}
      </dd>
      <dt>${t('sha256')}</dt>
      <dd><code class="hash">${letter.sha256}</code></dd>
      ${
        letter.retainUntil === null
          ? ''
          : html`<dt>${t('retainUntil')}</dt>
              <dd>${page.formats.dateTime(letter.retainUntil)}</dd>`
      }
      <dt>${t('receiptRequested')}</dt>
      <dd>${letter.receiptRequested ? common('yes') : common('no')}</dd>
    </dl>
    ${documentLinks(page, letter)} ${receiptSection(page, letter)}
    <h2>${t('statesTitle')}</h2>
    <table class="letter-states">
      <caption>
        ${t('statesCaption')}
      </caption>
      <thead>
        <tr>
          <th scope="col">${t('stateColumn')}</th>
          <th scope="col">${t('whenColumn')}</th>
        </tr>
      </thead>
      <tbody>
        ${states.map(
          ([state, at]) =>
            html`<tr data-state="${state}">
              <th scope="row">${stateLabel(t, state)}</th>
              <td>${when(at)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    <p><a href="/letters">${t('backToLetters')}</a></p>`;
}

/** A text document, in the page: its text escaped like everything else, lines kept. */
export function textDocumentBody(page: PageContext, letter: Letter, text: string): Html {
  const t = LETTERS.in(page.language);
  return html`<p>
      ${t('sender')}: ${letter.sender} ·
      ${t('state')}:
      <span class="status letter-state" data-state="${letter.state}"
        >${stateLabel(t, letter.state)}</span
      >
    </p>
    <section aria-labelledby="document-title">
      <h2 id="document-title">${t('documentCaption')}</h2>
      <pre class="letter-text" tabindex="0">${text}</pre>
    </section>
    <div class="actions">
      <a
        class="button secondary"
        href="/letters/${letter.letterId}/content"
        download="${documentFileName(letter)}"
        >${t('downloadDocument')}</a
      >
    </div>
    ${receiptSection(page, letter)}
    <p><a href="/letters/${letter.letterId}">${t('backToLetter')}</a></p>`;
}
