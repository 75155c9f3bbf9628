// The consent pages as pure functions of the consent service's answers (GET /consents,
// GET /consents/{id}, GET /consents/{id}/receipts), unit-tested without a service.
import { html } from '../html/html';
import type { Html } from '../html/html';
import type { PageContext } from '../http/page-context';
import type { Translate } from '../i18n/i18n';
import { csrfField } from '../layout/forms';
import { CONSENTS } from './consents.messages';

export type ConsentStatus = 'ACTIVE' | 'PAUSED' | 'REVOKED' | 'SUPERSEDED' | 'EXPIRED';

/** A consent artefact as the consent service shows it (`GET /consents/{id}`). */
export interface Consent {
  readonly consentId: string;
  readonly subject: string;
  readonly organisationId: string;
  readonly organisationName: string | null;
  readonly categories: readonly string[];
  readonly purpose: string;
  readonly procedureId: string | null;
  readonly validFrom: string;
  readonly validUntil: string;
  readonly maxUses: number | null;
  readonly uses: number;
  readonly lastUseAt: string | null;
  readonly status: ConsentStatus;
  readonly supersedes: string | null;
  readonly supersededBy: string | null;
  readonly grantedAt: string;
  readonly endedAt: string | null;
  readonly version: number;
}

export type ReceiptEvent = 'given' | 'modified' | 'superseded' | 'withdrawn';

/** One signed receipt (`GET /consents/{id}/receipts`; the JWS itself is not shown). */
export interface Receipt {
  readonly receiptId: string;
  readonly eventType: ReceiptEvent;
  readonly issuedAt: string;
}

/** What the consent page says after a form. */
export type ConsentOutcome =
  | { readonly kind: 'none' }
  | { readonly kind: 'done'; readonly action: ConsentAction; readonly changed: boolean }
  | { readonly kind: 'changed-meanwhile' }
  | { readonly kind: 'refused'; readonly detail: string };

export type ConsentAction = 'pause' | 'resume' | 'revoke';

type T = Translate<(typeof CONSENTS.keys)[number]>;

/** The consent service's artefact and receipt ids (UUIDs). */
export const CONSENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `If-Match` of the version a page showed; `undefined` when the form's value is not one. */
export function ifMatchOf(version: string): string | undefined {
  return /^[1-9]\d{0,9}$/.test(version) ? `"${version}"` : undefined;
}

/** The actions the consent service takes in `status` (the others would change nothing). */
export function actionsFor(status: ConsentStatus): readonly ConsentAction[] {
  switch (status) {
    case 'ACTIVE':
      return ['pause', 'revoke'];
    case 'PAUSED':
      return ['resume', 'revoke'];
    case 'REVOKED':
    case 'SUPERSEDED':
    case 'EXPIRED':
      return [];
    default: {
      const unknown: never = status;
      return unknown;
    }
  }
}

export function statusLabel(t: T, status: ConsentStatus): string {
  switch (status) {
    case 'ACTIVE':
      return t('statusActive');
    case 'PAUSED':
      return t('statusPaused');
    case 'REVOKED':
      return t('statusRevoked');
    case 'SUPERSEDED':
      return t('statusSuperseded');
    case 'EXPIRED':
      return t('statusExpired');
    default: {
      const unknown: never = status;
      return String(unknown);
    }
  }
}

function eventLabel(t: T, event: ReceiptEvent): string {
  switch (event) {
    case 'given':
      return t('eventGiven');
    case 'modified':
      return t('eventModified');
    case 'superseded':
      return t('eventSuperseded');
    case 'withdrawn':
      return t('eventWithdrawn');
    default: {
      const unknown: never = event;
      return String(unknown);
    }
  }
}

/** The organisation's name as the catalogue gives it, else its id. */
export function organisationLabel(consent: Consent): string {
  return consent.organisationName ?? consent.organisationId;
}

export function usesText(page: PageContext, t: T, consent: Consent): string {
  const uses = page.formats.number(consent.uses);
  return consent.maxUses === null
    ? t('usesUnlimited', { uses })
    : t('usesOf', { uses, max: page.formats.number(consent.maxUses) });
}

function categoryList(categories: readonly string[]): Html {
  return html`<ul class="categories">
    ${categories.map((c) => html`<li><code>${c}</code></li>`)}
  </ul>`;
}

function statusTag(t: T, status: ConsentStatus): Html {
  return html`<span class="status consent-status" data-status="${status}"
    >${statusLabel(t, status)}</span
  >`;
}

/** The list of the person's consents. */
export function consentsBody(page: PageContext, consents: readonly Consent[]): Html {
  const t = CONSENTS.in(page.language);
  return html`<p>${t('intro')}</p>
    ${
      consents.length === 0
        ? html`<p>${t('none')}</p>`
        : html`<table class="consents">
            <caption>
              ${t('tableCaption')}
            </caption>
            <thead>
              <tr>
                <th scope="col">${t('organisation')}</th>
                <th scope="col">${t('categories')}</th>
                <th scope="col">${t('purpose')}</th>
                <th scope="col">${t('procedure')}</th>
                <th scope="col">${t('validUntil')}</th>
                <th scope="col">${t('uses')}</th>
                <th scope="col">${t('status')}</th>
              </tr>
            </thead>
            <tbody>
              ${consents.map(
                (consent) =>
                  html`<tr data-consent="${consent.consentId}">
                    <th scope="row">
                      <a href="/consents/${consent.consentId}">${organisationLabel(consent)}</a>
                    </th>
                    <td>${categoryList(consent.categories)}</td>
                    <td>${consent.purpose}</td>
                    <td>${consent.procedureId ?? t('anyProcedure')}</td>
                    <td>${page.formats.dateTime(consent.validUntil)}</td>
                    <td>${usesText(page, t, consent)}</td>
                    <td>${statusTag(t, consent.status)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }`;
}

function outcomeMessage(t: T, outcome: ConsentOutcome): Html {
  switch (outcome.kind) {
    case 'none':
      return html``;
    case 'done': {
      const text = !outcome.changed
        ? t('unchanged')
        : outcome.action === 'pause'
          ? t('paused')
          : outcome.action === 'resume'
            ? t('resumed')
            : t('revoked');
      return html`<p class="success" role="status">${text}</p>`;
    }
    case 'changed-meanwhile':
      return html`<p class="notice" role="alert">${t('changedMeanwhile')}</p>`;
    case 'refused':
      return html`<p class="notice" role="alert">${t('refused', { reason: outcome.detail })}</p>`;
    default: {
      const unknown: never = outcome;
      return unknown;
    }
  }
}

/** The form of one action, carrying the version the page shows (`If-Match`). */
function actionForm(page: PageContext, t: T, consent: Consent, action: ConsentAction): Html {
  if (action === 'revoke') {
    // Revoking is final: it goes through a page that asks first (no script needed).
    return html`<a class="button secondary" href="/consents/${consent.consentId}/revoke"
      >${t('revoke')}</a
    >`;
  }
  return html`<form method="post" action="/consents/${consent.consentId}/${action}">
    ${csrfField(page)}
    <input type="hidden" name="version" value="${consent.version}" />
    <button type="submit" ${action === 'pause' ? html`aria-describedby="pause-hint"` : ''}>
      ${action === 'pause' ? t('pause') : t('resume')}
    </button>
  </form>`;
}

/** The terms of a consent, as a description list. */
export function consentTerms(page: PageContext, consent: Consent): Html {
  const t = CONSENTS.in(page.language);
  const when = (iso: string | null): string =>
    iso === null ? t('never') : page.formats.dateTime(iso);
  return html`<dl class="record">
    <dt>${t('status')}</dt>
    <dd>${statusTag(t, consent.status)}</dd>
    <dt>${t('organisation')}</dt>
    <dd>${organisationLabel(consent)} (<code>${consent.organisationId}</code>)</dd>
    <dt>${t('categories')}</dt>
    <dd>${categoryList(consent.categories)}</dd>
    <dt>${t('purpose')}</dt>
    <dd>${consent.purpose}</dd>
    <dt>${t('procedure')}</dt>
    <dd>${consent.procedureId ?? t('anyProcedure')}</dd>
    <dt>${t('validFrom')}</dt>
    <dd>${page.formats.dateTime(consent.validFrom)}</dd>
    <dt>${t('validUntil')}</dt>
    <dd>${page.formats.dateTime(consent.validUntil)}</dd>
    <dt>${t('uses')}</dt>
    <dd class="consent-uses">${usesText(page, t, consent)}</dd>
    <dt>${t('lastUse')}</dt>
    <dd>${when(consent.lastUseAt)}</dd>
    <dt>${t('grantedAt')}</dt>
    <dd>${page.formats.dateTime(consent.grantedAt)}</dd>
    ${
      consent.endedAt === null
        ? ''
        : html`<dt>${t('endedAt')}</dt>
            <dd>${page.formats.dateTime(consent.endedAt)}</dd>`
    }
    ${
      consent.supersedes === null
        ? ''
        : html`<dt>${t('supersedes')}</dt>
            <dd><a href="/consents/${consent.supersedes}">${consent.supersedes}</a></dd>`
    }
    ${
      consent.supersededBy === null
        ? ''
        : html`<dt>${t('supersededBy')}</dt>
            <dd><a href="/consents/${consent.supersededBy}">${consent.supersededBy}</a></dd>`
    }
  </dl>`;
}

/** One consent: its terms, what the person may do with it, and its receipts. */
export function consentBody(
  page: PageContext,
  consent: Consent,
  receipts: readonly Receipt[],
  outcome: ConsentOutcome,
): Html {
  const t = CONSENTS.in(page.language);
  const actions = actionsFor(consent.status);
  return html`${outcomeMessage(t, outcome)} ${consentTerms(page, consent)}
    <h2>${t('actionsTitle')}</h2>
    ${
      actions.length === 0
        ? html`<p>${t('notChangeable')}</p>`
        : html`${actions.includes('pause') ? html`<p class="hint" id="pause-hint">${t('pauseHint')}</p>` : ''}
            <div class="actions">
              ${actions.map((action) => actionForm(page, t, consent, action))}
            </div>`
    }
    <h2>${t('receiptsTitle')}</h2>
    <p class="hint">${t('receiptsHint')}</p>
    <table class="receipts">
      <caption>
        ${t('receiptsCaption')}
      </caption>
      <thead>
        <tr>
          <th scope="col">${t('receiptIssued')}</th>
          <th scope="col">${t('receiptEvent')}</th>
          <th scope="col">${t('receiptFile')}</th>
        </tr>
      </thead>
      <tbody>
        ${receipts.map((receipt) => {
          const date = page.formats.dateTime(receipt.issuedAt);
          return html`<tr data-receipt="${receipt.receiptId}" data-event="${receipt.eventType}">
            <th scope="row">${date}</th>
            <td>${eventLabel(t, receipt.eventType)}</td>
            <td>
              <a
                href="/consents/${consent.consentId}/receipts/${receipt.receiptId}"
                download="${receiptFileName(receipt.receiptId)}"
                >${t('receiptDownload', { date })}</a
              >
            </td>
          </tr>`;
        })}
      </tbody>
    </table>
    <p><a href="/consents">${t('backToConsents')}</a></p>`;
}

/** The file a downloaded receipt is saved as: the compact JWS, as the service signed it. */
export function receiptFileName(receiptId: string): string {
  return `consent-receipt-${receiptId}.jws`;
}

/** The page that asks before revoking, with the form that revokes at the version shown. */
export function revokeBody(page: PageContext, consent: Consent): Html {
  const t = CONSENTS.in(page.language);
  return html`<p class="notice" id="revoke-warning">
      ${t('revokeWarning', { organisation: organisationLabel(consent) })}
    </p>
    ${consentTerms(page, consent)}
    <div class="actions">
      <form method="post" action="/consents/${consent.consentId}/revoke">
        ${csrfField(page)}
        <input type="hidden" name="version" value="${consent.version}" />
        <button type="submit" class="danger" aria-describedby="revoke-warning">
          ${t('revokeConfirm')}
        </button>
      </form>
      <a class="button secondary" href="/consents/${consent.consentId}">${t('revokeCancel')}</a>
    </div>`;
}
