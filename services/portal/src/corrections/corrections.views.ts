// The pages of Corrections, as pure functions of what the registry answered.
import { html } from '../html/html';
import type { Html } from '../html/html';
import type { PageContext } from '../http/page-context';
import { csrfField, errorSummary, fieldId, textField } from '../layout/forms';
import type { FieldErrors } from '../layout/forms';
import { fieldLabel, fieldValue } from '../my-data/record-format';
import { CORRECTIONS } from './corrections.messages';
import { CORRECTABLE_FIELDS } from './correction-form';
import type { CorrectionFormValues } from './correction-form';

type Status = 'REQUESTED' | 'ACCEPTED' | 'REJECTED';

/** An item of `GET /corrections`. */
export interface CorrectionItem {
  readonly correctionId: string;
  readonly status: Status;
  readonly register: 'persons' | 'businesses';
  readonly recordId: string;
  readonly field: string;
  readonly requestedAt: string;
}

/** `GET /corrections/{id}`. */
export interface CorrectionDetail extends CorrectionItem {
  readonly value: unknown;
  readonly justification: string;
  readonly decidedAt: string | null;
  readonly decidedBy: string | null;
  readonly reason: string | null;
  readonly communicatedTo:
    | readonly {
        readonly organisationId: string;
        readonly lastReceivedAt: string;
        readonly purpose: string;
        readonly legalBasis: string;
        readonly procedureId: string | null;
        readonly communicatedAt: string;
      }[]
    | null;
  readonly version: number;
}

function statusText(page: PageContext, status: string): string {
  const t = CORRECTIONS.in(page.language);
  return status === 'REQUESTED' || status === 'ACCEPTED' || status === 'REJECTED'
    ? t(`status${status}`)
    : status;
}

function recordText(
  page: PageContext,
  item: Pick<CorrectionItem, 'register' | 'recordId'>,
): string {
  const t = CORRECTIONS.in(page.language);
  return item.register === 'persons'
    ? t('recordPersons')
    : t('recordBusinesses', { id: item.recordId });
}

/** The list of the person's requests. */
export function correctionListBody(page: PageContext, items: readonly CorrectionItem[]): Html {
  const t = CORRECTIONS.in(page.language);
  return html`<p>${t('intro')}</p>
    <p><a class="button" href="/corrections/new">${t('newLink')}</a></p>
    ${
      items.length === 0
        ? html`<p>${t('none')}</p>`
        : html`<table>
            <caption>
              ${t('listCaption')}
            </caption>
            <thead>
              <tr>
                <th scope="col">${t('colRequested')}</th>
                <th scope="col">${t('colRecord')}</th>
                <th scope="col">${t('colField')}</th>
                <th scope="col">${t('colStatus')}</th>
              </tr>
            </thead>
            <tbody>
              ${items.map(
                (item) =>
                  html`<tr>
                    <th scope="row">
                      <a href="/corrections/${item.correctionId}"
                        >${page.formats.dateTime(item.requestedAt)}</a
                      >
                    </th>
                    <td>${recordText(page, item)}</td>
                    <td>${fieldLabel(page.language, item.field)}</td>
                    <td><span class="status">${statusText(page, item.status)}</span></td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }`;
}

/** The request form, empty or with the values typed and the registry's errors. */
export function correctionFormBody(
  page: PageContext,
  values: CorrectionFormValues,
  errors: FieldErrors,
): Html {
  const t = CORRECTIONS.in(page.language);
  const labels: Record<string, string> = {
    field: t('fieldLabel'),
    value: t('valueLabel'),
    birthLocality: t('birthLocality'),
    birthCountry: t('birthCountry'),
    street: t('street'),
    houseNumber: t('houseNumber'),
    postcode: t('postcode'),
    locality: t('locality'),
    country: t('country'),
    justification: t('justification'),
  };
  const input = (
    name: keyof CorrectionFormValues,
    extra: { hint?: string; multiline?: boolean; required?: boolean } = {},
  ) =>
    textField(page, errors, { name, label: labels[name] ?? name, value: values[name], ...extra });
  const fieldError = errors.get('field');
  const id = fieldId('field');
  return html`<p>${t('newIntro')}</p>
    ${errorSummary(page, errors, labels)}
    <form method="post" action="/corrections/new" novalidate>
      ${csrfField(page)}
      <input type="hidden" name="idempotencyKey" value="${values.idempotencyKey}" />
      <div class="field${fieldError === undefined ? '' : ' field-error'}">
        <label for="${id}">${t('fieldLabel')}</label>
        ${fieldError === undefined ? '' : html`<p class="error" id="${id}-error">${fieldError}</p>`}
        <select
          id="${id}"
          name="field"
          required
          aria-required="true"
          ${fieldError === undefined ? '' : html`aria-invalid="true" aria-describedby="${id}-error"`}
        >
          <option value="">${t('fieldChoose')}</option>
          ${CORRECTABLE_FIELDS.map(
            (field) =>
              html`<option value="${field}" ${values.field === field ? html`selected` : ''}>
                ${fieldLabel(page.language, field)}
              </option>`,
          )}
        </select>
      </div>
      <fieldset>
        <legend>${t('valueLegend')}</legend>
        ${input('value', { hint: t('valueHint') })}
      </fieldset>
      <fieldset>
        <legend>${t('birthLegend')}</legend>
        ${input('birthLocality')} ${input('birthCountry')}
      </fieldset>
      <fieldset>
        <legend>${t('addressLegend')}</legend>
        ${input('street')} ${input('houseNumber')} ${input('postcode')} ${input('locality')}
        ${input('country')}
      </fieldset>
      ${input('justification', { hint: t('justificationHint'), multiline: true, required: true })}
      <button type="submit">${t('submit')}</button>
    </form>`;
}

/** One request: its status, the decision and, once accepted, to whom it was sent. */
export function correctionDetailBody(
  page: PageContext,
  correction: CorrectionDetail,
  created: boolean,
): Html {
  const t = CORRECTIONS.in(page.language);
  const { formats } = page;
  const row = (label: string, value: Html | string) =>
    html`<dt>${label}</dt>
      <dd>${value}</dd>`;
  return html`${created ? html`<p class="success" role="status">${t('created')}</p>` : ''}
    <dl class="record">
      ${row(t('status'), html`<span class="status" id="correction-status">${statusText(page, correction.status)}</span>`)}
      ${row(t('requestedOn'), formats.dateTime(correction.requestedAt))}
      ${row(t('record'), recordText(page, correction))}
      ${row(t('field'), fieldLabel(page.language, correction.field))}
      ${row(t('proposed'), fieldValue(page, correction.field, correction.value))}
      ${row(t('justification'), correction.justification)}
      ${correction.decidedAt === null ? '' : row(t('decidedOn'), formats.dateTime(correction.decidedAt))}
      ${correction.decidedBy === null ? '' : row(t('decidedBy'), correction.decidedBy)}
      ${correction.reason === null ? '' : row(t('reason'), correction.reason)}
    </dl>
    <section aria-labelledby="communication-title">
      <h2 id="communication-title">${t('communicationTitle')}</h2>
      <p>${t('communicationIntro')}</p>
      ${communication(page, correction)}
    </section>
    <p><a href="/corrections">${t('backToList')}</a></p>`;
}

function communication(page: PageContext, correction: CorrectionDetail): Html {
  const t = CORRECTIONS.in(page.language);
  if (correction.register === 'businesses') return html`<p>${t('communicationBusiness')}</p>`;
  if (correction.status !== 'ACCEPTED') return html`<p>${t('communicationNotYet')}</p>`;
  const recipients = correction.communicatedTo;
  if (recipients === null) return html`<p role="status">${t('communicationPending')}</p>`;
  if (recipients.length === 0) return html`<p>${t('communicationNone')}</p>`;
  return html`<table>
    <caption>
      ${t('communicationCaption')}
    </caption>
    <thead>
      <tr>
        <th scope="col">${t('colOrganisation')}</th>
        <th scope="col">${t('colLastRead')}</th>
        <th scope="col">${t('colPurpose')}</th>
        <th scope="col">${t('colLegalBasis')}</th>
        <th scope="col">${t('colSent')}</th>
      </tr>
    </thead>
    <tbody>
      ${recipients.map(
        (recipient) =>
          html`<tr>
            <th scope="row">${recipient.organisationId}</th>
            <td>${page.formats.dateTime(recipient.lastReceivedAt)}</td>
            <td>${recipient.purpose}${recipient.procedureId === null ? '' : html` (${recipient.procedureId})`}</td>
            <td>${recipient.legalBasis}</td>
            <td>${page.formats.dateTime(recipient.communicatedAt)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}
