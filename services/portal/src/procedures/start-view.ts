// Starting a procedure as a pure function of the catalogue entry: what it is for (the person,
// a business they manage, a vehicle they own), the form that names that business or vehicle,
// and which of the procedures service's refusals are shown next to that form's field.
import { ApiProblem } from '../api/api-client';
import { html } from '../html/html';
import type { Html } from '../html/html';
import type { PageContext } from '../http/page-context';
import type { Translate } from '../i18n/i18n';
import { csrfField, errorSummary, fieldErrorsOf, textField } from '../layout/forms';
import type { FieldErrors } from '../layout/forms';
import type { ManagedBusiness } from '../businesses/businesses.views';
import type { CatalogueEntry } from './procedures.api';
import { PROCEDURES } from './procedures.messages';

type T = Translate<(typeof PROCEDURES.keys)[number]>;

/** The field of `POST /drafts` that names what a procedure is about, if it names anything. */
export type StartField = 'businessNumber' | 'registrationNumber';

/** The field the start form asks for: a business procedure's business, a vehicle's number. */
export function startFieldOf(
  entry: Pick<CatalogueEntry, 'business' | 'vehicle'>,
): StartField | undefined {
  if (entry.business) return 'businessNumber';
  if (entry.vehicle) return 'registrationNumber';
  return undefined;
}

/** "For yourself.", "For a business you manage." or "For a vehicle you own." */
export function audienceOf(entry: Pick<CatalogueEntry, 'business' | 'vehicle'>, t: T): string {
  switch (startFieldOf(entry)) {
    case 'businessNumber':
      return t('businessProcedure');
    case 'registrationNumber':
      return t('vehicleProcedure');
    case undefined:
      return t('personalProcedure');
  }
}

/**
 * The errors to show next to the start form's field for a refusal of `POST /drafts`, or
 * `undefined` for a refusal that is a page of its own. A business: malformed (400), not one the
 * person manages (403), unknown to the registry (404), in the service's words. A vehicle:
 * malformed (400), not the person's (403), or one the registry does not know (404, or 422 with
 * code `RECORD_NOT_IN_REGISTER` when the procedures service relays the registry's 404; another
 * 422 is a page of its own), in the person's language, since the
 * service words them for developers and the number is all the person can change.
 */
export function startRefusal(
  entry: Pick<CatalogueEntry, 'business' | 'vehicle'>,
  error: unknown,
  t: T,
): FieldErrors | undefined {
  if (!(error instanceof ApiProblem)) return undefined;
  const field = startFieldOf(entry);
  if (field === 'businessNumber' && [400, 403, 404].includes(error.status)) {
    return error.errors.length > 0
      ? fieldErrorsOf(error)
      : new Map([['businessNumber', error.detail ?? error.title]]);
  }
  if (field === 'registrationNumber') {
    const message =
      error.status === 400
        ? t('registrationNumberInvalid')
        : error.status === 403
          ? t('vehicleNotOwned')
          : error.status === 404 ||
              (error.status === 422 && error.body['code'] === 'RECORD_NOT_IN_REGISTER')
            ? t('vehicleUnknown')
            : undefined;
    if (message !== undefined) return new Map([['registrationNumber', message]]);
  }
  return undefined;
}

/** What the start page shows besides the entry: the refusal, the value typed, the choices. */
export interface StartForm {
  readonly errors: FieldErrors;
  /** The business number or registration number sent, shown again after a refusal. */
  readonly value: string;
  /** A business procedure's choices: the businesses the register names the person for. */
  readonly businesses: readonly ManagedBusiness[];
}

function businessFields(page: PageContext, form: StartForm, t: T): Html {
  const { errors, value, businesses } = form;
  if (businesses.length === 0) {
    return html`<p class="hint">${t('businessNone')}</p>
      ${textField(page, errors, {
        name: 'businessNumber',
        label: t('businessNumber'),
        hint: t('businessNumberHint'),
        value,
        required: true,
        autocomplete: 'off',
      })}`;
  }
  return html`<fieldset class="field${errors.has('businessNumber') ? ' field-error' : ''}">
    <legend>${t('businessChoose')}</legend>
    ${
      errors.has('businessNumber')
        ? html`<p class="error" id="field-businessNumber">${errors.get('businessNumber')}</p>`
        : ''
    }
    ${businesses.map(
      (business, index) => html`<div>
        <input type="radio" name="businessNumber" id="business-${business.businessNumber}"
          value="${business.businessNumber}"
          ${(value === '' ? index === 0 : value === business.businessNumber) ? html`checked` : ''} />
        <label for="business-${business.businessNumber}">${business.name} (${business.businessNumber})</label>
      </div>`,
    )}
  </fieldset>`;
}

/**
 * The start page's body. A vehicle procedure asks for the registration number in a text field:
 * the registry lists a person's businesses but not their vehicles, so there is nothing to
 * choose from.
 */
export function startBody(page: PageContext, entry: CatalogueEntry, form: StartForm): Html {
  const t = PROCEDURES.in(page.language);
  const field = startFieldOf(entry);
  const labels = {
    businessNumber: t('businessNumber'),
    registrationNumber: t('registrationNumber'),
  };
  return html`${errorSummary(page, form.errors, labels)}
    <p>${t('startIntro', { organisation: entry.organisationId })}</p>
    <form method="post" action="/procedures/${entry.id}/start" novalidate>
      ${csrfField(page)}
      ${
        field === 'businessNumber'
          ? businessFields(page, form, t)
          : field === 'registrationNumber'
            ? textField(page, form.errors, {
                name: 'registrationNumber',
                label: t('registrationNumber'),
                hint: t('registrationNumberHint'),
                value: form.value,
                required: true,
                autocomplete: 'off',
              })
            : ''
      }
      <button type="submit">${t('startButton')}</button>
    </form>`;
}
