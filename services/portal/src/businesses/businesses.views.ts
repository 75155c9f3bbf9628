// The pages of My businesses, as pure functions of what the registry, the procedures service
// and the letterbox answered.
import { html } from '../html/html';
import type { Html } from '../html/html';
import type { PageContext } from '../http/page-context';
import { RECORD } from '../my-data/record.messages';
import { codedValue, fieldValue } from '../my-data/record-format';
import type { Address } from '../my-data/record-format';
import { BUSINESSES } from './businesses.messages';

/** An item of `GET /persons/{nationalId}/businesses`. */
export interface ManagedBusiness {
  readonly businessNumber: string;
  readonly name: string;
  readonly legalForm: string;
  readonly status: 'active' | 'struck-off';
  readonly role: string;
}

/** `GET /businesses/{number}` for one of its managers. */
export interface BusinessRecord {
  readonly businessNumber: string;
  readonly status: 'active' | 'struck-off';
  readonly version: number;
  readonly name: string;
  readonly legalForm: string;
  readonly registeredAddress: Address;
  readonly managers: readonly { readonly nationalId: string; readonly role: string }[];
  readonly strikeOff: { readonly effectiveDate: string; readonly ground: string } | null;
}

/** A case of the procedures service's dashboard (`GET /dashboard`). */
export interface CaseSummary {
  readonly caseId: string;
  readonly procedureId: string;
  readonly title: { readonly fr: string; readonly en: string } | null;
  readonly businessNumber: string | null;
  readonly status: string;
  readonly updatedAt: string;
}

/** A letter of `GET /letters`. */
export interface LetterSummary {
  readonly letterId: string;
  readonly sender: string;
  readonly recipient: { readonly kind: 'person' | 'business'; readonly id: string };
  readonly subject: string;
  readonly state: string;
  readonly createdAt: string;
  readonly availableAt: string | null;
}

/** What a section fed by another service shows: its items, or that it could not be read. */
export type Section<T> =
  { readonly ok: true; readonly items: readonly T[] } | { readonly ok: false };

/** The cases of `dashboard` that are about `businessNumber`, newest change first. */
export function casesOf(
  dashboard: {
    readonly active: readonly CaseSummary[];
    readonly completed: readonly CaseSummary[];
  },
  businessNumber: string,
): CaseSummary[] {
  return [...dashboard.active, ...dashboard.completed]
    .filter((item) => item.businessNumber === businessNumber)
    .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
}

/** The letters of `letters` sent to the business `businessNumber`. */
export function lettersOf(
  letters: readonly LetterSummary[],
  businessNumber: string,
): LetterSummary[] {
  return letters.filter(
    (letter) => letter.recipient.kind === 'business' && letter.recipient.id === businessNumber,
  );
}

/** The list of the person's businesses. */
export function businessListBody(page: PageContext, businesses: readonly ManagedBusiness[]): Html {
  const t = BUSINESSES.in(page.language);
  if (businesses.length === 0) {
    return html`<p>${t('intro')}</p>
      <p>${t('none')}</p>`;
  }
  return html`<p>${t('intro')}</p>
    <table>
      <caption>
        ${t('listCaption')}
      </caption>
      <thead>
        <tr>
          <th scope="col">${t('colName')}</th>
          <th scope="col">${t('colNumber')}</th>
          <th scope="col">${t('colLegalForm')}</th>
          <th scope="col">${t('colStatus')}</th>
          <th scope="col">${t('colRole')}</th>
        </tr>
      </thead>
      <tbody>
        ${businesses.map(
          (business) =>
            html`<tr>
              <th scope="row">
                <a href="/businesses/${business.businessNumber}">${business.name}</a>
              </th>
              <td>${business.businessNumber}</td>
              <td>${business.legalForm}</td>
              <td>${codedValue(page.language, 'status', business.status)}</td>
              <td>${codedValue(page.language, 'role', business.role)}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
}

const CASE_STATUS_KEYS = {
  draft: 'caseStatusDraft',
  submitted: 'caseStatusSubmitted',
  received: 'caseStatusReceived',
  'in-review': 'caseStatusInReview',
  'information-requested': 'caseStatusInformationRequested',
  decided: 'caseStatusDecided',
} as const;

/** A case's status in words; the procedures service's code if the portal does not know it. */
export function caseStatus(page: PageContext, status: string): string {
  const key = (
    CASE_STATUS_KEYS as Readonly<
      Record<string, (typeof CASE_STATUS_KEYS)[keyof typeof CASE_STATUS_KEYS]>
    >
  )[status];
  return key === undefined ? status : BUSINESSES.in(page.language)(key);
}

function letterState(page: PageContext, state: string): string {
  const t = BUSINESSES.in(page.language);
  switch (state) {
    case 'CREATED':
    case 'AVAILABLE':
    case 'READ':
    case 'RECEIPT_CONFIRMED':
      return t(`letterState${state}`);
    default:
      return state;
  }
}

/** One business: its record, managers, the person's procedures for it, and its letters. */
export function businessBody(
  page: PageContext,
  nationalId: string,
  business: BusinessRecord,
  cases: Section<CaseSummary>,
  letters: Section<LetterSummary>,
): Html {
  const t = BUSINESSES.in(page.language);
  const r = RECORD.in(page.language);
  const { formats } = page;
  const row = (label: string, value: Html | string) =>
    html`<dt>${label}</dt>
      <dd>${value}</dd>`;
  return html`<section aria-labelledby="record-title">
      <h2 id="record-title">${t('recordTitle')}</h2>
      <dl class="record">
        ${row(r('businessNumber'), business.businessNumber)} ${row(r('name'), business.name)}
        ${row(r('legalForm'), business.legalForm)}
        ${row(r('registeredAddress'), fieldValue(page, 'registeredAddress', business.registeredAddress))}
        ${row(r('status'), fieldValue(page, 'status', business.status))}
        ${business.strikeOff === null ? '' : row(r('strikeOff'), fieldValue(page, 'strikeOff', business.strikeOff))}
        ${row(r('version'), String(business.version))}
      </dl>
    </section>
    <section aria-labelledby="managers-title">
      <h2 id="managers-title">${t('managersTitle')}</h2>
      <table>
        <caption>
          ${t('managersCaption', { name: business.name })}
        </caption>
        <thead>
          <tr>
            <th scope="col">${t('colManager')}</th>
            <th scope="col">${t('colManagerRole')}</th>
          </tr>
        </thead>
        <tbody>
          ${business.managers.map(
            (manager) =>
              html`<tr>
                <th scope="row">
                  ${manager.nationalId} ${manager.nationalId === nationalId ? t('you') : ''}
                </th>
                <td>${codedValue(page.language, 'role', manager.role)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </section>
    <section aria-labelledby="procedures-title">
      <h2 id="procedures-title">${t('proceduresTitle')}</h2>
      <p>${t('proceduresIntro')}</p>
      ${
        !cases.ok
          ? html`<p class="notice" role="status">${t('proceduresUnavailable')}</p>`
          : cases.items.length === 0
            ? html`<p>${t('proceduresNone')}</p>`
            : html`<table>
                <caption>
                  ${t('proceduresCaption', { name: business.name })}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">${t('colProcedure')}</th>
                    <th scope="col">${t('colProcedureStatus')}</th>
                    <th scope="col">${t('colUpdated')}</th>
                  </tr>
                </thead>
                <tbody>
                  ${cases.items.map(
                    (item) =>
                      html`<tr>
                        <th scope="row">
                          <a href="/cases/${item.caseId}"
                            >${
                              item.title === null
                                ? item.procedureId
                                : page.language === 'fr'
                                  ? item.title.fr
                                  : item.title.en
                            }</a
                          >
                        </th>
                        <td>${caseStatus(page, item.status)}</td>
                        <td>${formats.dateTime(item.updatedAt)}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>`
      }
    </section>
    <section aria-labelledby="letters-title">
      <h2 id="letters-title">${t('lettersTitle')}</h2>
      <p>${t('lettersIntro')}</p>
      ${
        !letters.ok
          ? html`<p class="notice" role="status">${t('lettersUnavailable')}</p>`
          : letters.items.length === 0
            ? html`<p>${t('lettersNone')}</p>`
            : html`<table>
                <caption>
                  ${t('lettersCaption', { name: business.name })}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">${t('colSubject')}</th>
                    <th scope="col">${t('colSender')}</th>
                    <th scope="col">${t('colLetterState')}</th>
                    <th scope="col">${t('colReceived')}</th>
                  </tr>
                </thead>
                <tbody>
                  ${letters.items.map(
                    (letter) =>
                      html`<tr>
                        <th scope="row"><a href="/letters/${letter.letterId}">${letter.subject}</a></th>
                        <td>${letter.sender}</td>
                        <td>${letterState(page, letter.state)}</td>
                        <td>${formats.dateTime(letter.availableAt ?? letter.createdAt)}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>`
      }
    </section>
    <p><a href="/businesses">${t('backToList')}</a></p>`;
}
