// The consent pages as pure functions of the consent service's answers (GET /consents,
// GET /consents/{id}, GET /consents/{id}/receipts), unit-tested without a service.
import { DATA_CATEGORIES } from '@gov/platform-legal-bases';

import { html } from '../html/html';
import type { Html } from '../html/html';
import type { PageContext } from '../http/page-context';
import type { Translate } from '../i18n/i18n';
import { TIME_ZONE } from '../i18n/i18n';
import { csrfField, errorSummary, fieldId, textField } from '../layout/forms';
import type { FieldErrors } from '../layout/forms';
import { categoryName } from './categories.messages';
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
  | {
      readonly kind: 'done';
      readonly action: ConsentAction | 'grant';
      readonly changed: boolean;
    }
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

function categoryList(page: PageContext, categories: readonly string[]): Html {
  return html`<ul class="categories">
    ${categories.map((c) => html`<li data-category="${c}">${categoryName(page.language, c)}</li>`)}
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
    <p><a class="button" href="/consents/new">${t('grantLink')}</a></p>
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
                    <td>${categoryList(page, consent.categories)}</td>
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
        : outcome.action === 'grant'
          ? t('granted')
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
    <dd>${categoryList(page, consent.categories)}</dd>
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

/** What the grant form shows (again, after a refusal). */
export interface GrantForm {
  readonly organisationId: string;
  readonly categories: readonly string[];
  readonly purpose: string;
  readonly procedureId: string;
  readonly validUntil: string;
  readonly maxUses: string;
  /** One key per form shown: a form sent twice grants once. */
  readonly idempotencyKey: string;
  readonly errors: FieldErrors;
}

/**
 * The instant a consent valid "until `date`, that day included" ends: the next midnight in
 * Luxembourg (the service's `validUntil` is exclusive). Anything but a calendar date is
 * passed on as typed, for the service to refuse next to the field.
 */
export function validUntilOf(date: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (match === null) return date;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const midnightUtc = Date.UTC(year, month - 1, day + 1);
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return date;
  const offset = new Intl.DateTimeFormat('en-GB', {
    timeZone: TIME_ZONE,
    timeZoneName: 'longOffset',
  })
    .formatToParts(new Date(midnightUtc))
    .find((part) => part.type === 'timeZoneName')?.value;
  const parsed = /GMT([+-])(\d{2}):(\d{2})/.exec(offset ?? '');
  const minutes =
    parsed === null
      ? 0
      : (parsed[1] === '-' ? -1 : 1) * (Number(parsed[2]) * 60 + Number(parsed[3]));
  return new Date(midnightUtc - minutes * 60_000).toISOString();
}

/** The grant request's body from the form, as the consent service takes it. */
export function grantRequestOf(form: GrantForm): Record<string, unknown> {
  const maxUses = form.maxUses.trim();
  return {
    organisationId: form.organisationId,
    categories: form.categories,
    purpose: form.purpose,
    ...(form.procedureId === '' ? {} : { procedureId: form.procedureId }),
    ...(form.validUntil === '' ? {} : { validUntil: validUntilOf(form.validUntil) }),
    // A number when it is one; as typed otherwise, for the service to say what is wrong.
    ...(maxUses === '' ? {} : { maxUses: /^\d{1,9}$/.test(maxUses) ? Number(maxUses) : maxUses }),
  };
}

/** The form that grants a consent. */
export function grantBody(page: PageContext, form: GrantForm): Html {
  const t = CONSENTS.in(page.language);
  const errors = form.errors;
  const categoriesError = errors.get('categories');
  const labels = {
    organisationId: t('organisationId'),
    categories: t('categoriesLegend'),
    purpose: t('purpose'),
    procedureId: t('procedureOptional'),
    validUntil: t('validUntilLabel'),
    maxUses: t('maxUsesLabel'),
  };
  return html`<p>${t('grantIntro')}</p>
    <form method="post" action="/consents" novalidate>
      ${errorSummary(page, errors, labels)} ${csrfField(page)}
      <input type="hidden" name="idempotencyKey" value="${form.idempotencyKey}" />
      ${textField(page, errors, {
        name: 'organisationId',
        label: labels.organisationId,
        hint: t('organisationHint'),
        value: form.organisationId,
        required: true,
        autocomplete: 'off',
      })}
      <fieldset
        class="field categories-field${categoriesError === undefined ? '' : ' field-error'}"
        id="${fieldId('categories')}"
        ${categoriesError === undefined ? '' : html`aria-describedby="${fieldId('categories')}-error"`}
      >
        <legend>${labels.categories}</legend>
        ${
          categoriesError === undefined
            ? ''
            : html`<p class="error" id="${fieldId('categories')}-error">${categoriesError}</p>`
        }
        <ul class="choices">
          ${DATA_CATEGORIES.map(
            (category) =>
              html`<li>
                <label class="choice"
                  ><input
                    type="checkbox"
                    name="categories"
                    value="${category}"
                    ${form.categories.includes(category) ? html`checked` : ''}
                  />
                  ${categoryName(page.language, category)}</label
                >
              </li>`,
          )}
        </ul>
      </fieldset>
      ${textField(page, errors, {
        name: 'purpose',
        label: labels.purpose,
        hint: t('purposeHint'),
        value: form.purpose,
        required: true,
        autocomplete: 'off',
      })}
      ${textField(page, errors, {
        name: 'procedureId',
        label: labels.procedureId,
        hint: t('procedureHint'),
        value: form.procedureId,
        autocomplete: 'off',
      })}
      ${textField(page, errors, {
        name: 'validUntil',
        label: labels.validUntil,
        type: 'date',
        value: form.validUntil,
        required: true,
      })}
      ${textField(page, errors, {
        name: 'maxUses',
        label: labels.maxUses,
        hint: t('maxUsesHint'),
        value: form.maxUses,
        autocomplete: 'off',
      })}
      <button type="submit">${t('grantSubmit')}</button>
    </form>`;
}
