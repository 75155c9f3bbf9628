// The Yes/No to prefilling as a pure function of the consent service's answer
// (GET /prefill-preferences), unit-tested without a service.
import { html } from '../html/html';
import type { Html } from '../html/html';
import type { PageContext } from '../http/page-context';
import type { Translate } from '../i18n/i18n';
import { COMMON } from '../layout/common.messages';
import { csrfField, errorSummary, fieldId, textField } from '../layout/forms';
import type { FieldErrors } from '../layout/forms';
import { PREFILL } from './prefill.messages';

/** The sources a person says Yes or No to (the consent service's `source`). */
export const SOURCES = ['persons', 'businesses', 'vehicles', 'personal-space'] as const;
export type Source = (typeof SOURCES)[number];

export type Preference = 'ALLOW' | 'NEVER';

/** One preference as the consent service lists it. */
export interface PrefillPreference {
  readonly source: string;
  readonly procedureId: string | null;
  readonly preference: Preference;
  readonly setAt: string;
}

/** What the page says after a form. */
export type PrefillOutcome = 'saved' | 'removed' | 'unchanged' | undefined;

/** What the exception form shows again after a refusal. */
export interface OverrideForm {
  readonly source: string;
  readonly procedureId: string;
  readonly preference: string;
  readonly errors: FieldErrors;
}

export const EMPTY_OVERRIDE: OverrideForm = {
  source: 'persons',
  procedureId: '',
  preference: 'NEVER',
  errors: new Map(),
};

type T = Translate<(typeof PREFILL.keys)[number]>;

export function isPreference(value: string): value is Preference {
  return value === 'ALLOW' || value === 'NEVER';
}

/**
 * `value` as one segment of a service path, or `undefined` for what would not stay one: the
 * URL parser resolves `.` and `..` (also percent-encoded), which would address another route.
 */
export function pathSegment(value: string): string | undefined {
  if (value.length === 0 || /^(\.|%2e)+$/i.test(value)) return undefined;
  return encodeURIComponent(value);
}

export function sourceLabel(t: T, source: string): string {
  switch (source) {
    case 'persons':
      return t('sourcePersons');
    case 'businesses':
      return t('sourceBusinesses');
    case 'vehicles':
      return t('sourceVehicles');
    case 'personal-space':
      return t('sourcePersonalSpace');
    default:
      return source;
  }
}

/** The source's own answer (a preference without a procedure), if the person gave one. */
export function sourcePreference(
  preferences: readonly PrefillPreference[],
  source: Source,
): Preference | undefined {
  return preferences.find((p) => p.source === source && p.procedureId === null)?.preference;
}

function answerText(page: PageContext, preference: Preference): string {
  const common = COMMON.in(page.language);
  return preference === 'ALLOW' ? common('yes') : common('no');
}

function radios(
  page: PageContext,
  name: string,
  idPrefix: string,
  legend: string,
  checked: string,
  error: string | undefined,
): Html {
  const common = COMMON.in(page.language);
  const errorId = `${idPrefix}-error`;
  return html`<fieldset
    class="field yes-no${error === undefined ? '' : ' field-error'}"
    id="${idPrefix}"
    ${error === undefined ? '' : html`aria-describedby="${errorId}"`}
  >
    <legend>${legend}</legend>
    ${error === undefined ? '' : html`<p class="error" id="${errorId}">${error}</p>`}
    ${(['ALLOW', 'NEVER'] as const).map(
      (value) =>
        html`<label class="choice"
          ><input
            type="radio"
            name="${name}"
            value="${value}"
            ${checked === value ? html`checked` : ''}
          />
          ${value === 'ALLOW' ? common('yes') : common('no')}</label
        >`,
    )}
  </fieldset>`;
}

const LEGENDS = {
  persons: ['legendPersons', 'savePersons'],
  businesses: ['legendBusinesses', 'saveBusinesses'],
  vehicles: ['legendVehicles', 'saveVehicles'],
  'personal-space': ['legendPersonalSpace', 'savePersonalSpace'],
} as const;

/** The whole page: a form per source, the exceptions, and the form adding one. */
export function prefillBody(
  page: PageContext,
  preferences: readonly PrefillPreference[],
  outcome: PrefillOutcome,
  form: OverrideForm,
): Html {
  const t = PREFILL.in(page.language);
  const overrides = preferences.filter((p) => p.procedureId !== null);
  const procedureField = 'procedureId';
  return html`${
    outcome === undefined ? '' : html`<p class="success" role="status">${t(outcome)}</p>`
  }
    <p>${t('intro')}</p>
    <p>${t('defaultNote')}</p>
    <h2>${t('sourcesTitle')}</h2>
    <ul class="cards prefill-sources">
      ${SOURCES.map((source) => {
        const current = sourcePreference(preferences, source);
        const [legend, save] = LEGENDS[source];
        return html`<li class="card" data-source="${source}">
          <form method="post" action="/prefill/sources/${source}">
            ${csrfField(page)}
            ${radios(page, 'preference', `source-${source}`, t(legend), current ?? 'ALLOW', undefined)}
            <p class="current-preference">
              ${t('current', {
                answer: current === undefined ? t('notSet') : answerText(page, current),
              })}
            </p>
            <button type="submit">${t(save)}</button>
          </form>
        </li>`;
      })}
    </ul>
    <h2>${t('overridesTitle')}</h2>
    ${
      overrides.length === 0
        ? html`<p>${t('overridesNone')}</p>`
        : html`<table class="prefill-overrides">
            <caption>
              ${t('overridesCaption')}
            </caption>
            <thead>
              <tr>
                <th scope="col">${t('procedure')}</th>
                <th scope="col">${t('source')}</th>
                <th scope="col">${t('answer')}</th>
                <th scope="col">${t('setAt')}</th>
                <th scope="col">${t('action')}</th>
              </tr>
            </thead>
            <tbody>
              ${overrides.map((p) => {
                const procedure = p.procedureId ?? '';
                const source = sourceLabel(t, p.source);
                return html`<tr data-source="${p.source}" data-procedure="${procedure}">
                  <th scope="row">${procedure}</th>
                  <td>${source}</td>
                  <td>${answerText(page, p.preference)}</td>
                  <td>${page.formats.dateTime(p.setAt)}</td>
                  <td>
                    <form method="post" action="/prefill/procedures/remove">
                      ${csrfField(page)}
                      <input type="hidden" name="source" value="${p.source}" />
                      <input type="hidden" name="procedureId" value="${procedure}" />
                      <button
                        type="submit"
                        class="secondary"
                        aria-label="${t('remove', { procedure, source })}"
                      >
                        ${t('removeShort')}
                      </button>
                    </form>
                  </td>
                </tr>`;
              })}
            </tbody>
          </table>`
    }
    <h3>${t('addTitle')}</h3>
    <form method="post" action="/prefill/procedures" novalidate>
      ${errorSummary(page, form.errors, {
        source: t('source'),
        procedureId: t('procedureId'),
        preference: t('answerLegend'),
      })}
      ${csrfField(page)}
      <div class="field${form.errors.has('source') ? ' field-error' : ''}">
        <label for="${fieldId('source')}">${t('source')}</label>
        ${
          form.errors.has('source')
            ? html`<p class="error" id="${fieldId('source')}-error">${form.errors.get('source')}</p>`
            : ''
        }
        <select id="${fieldId('source')}" name="source">
          ${SOURCES.map(
            (source) =>
              html`<option value="${source}" ${form.source === source ? html`selected` : ''}>
                ${sourceLabel(t, source)}
              </option>`,
          )}
        </select>
      </div>
      ${textField(page, form.errors, {
        name: procedureField,
        label: t('procedureId'),
        hint: t('procedureHint'),
        value: form.procedureId,
        required: true,
        autocomplete: 'off',
      })}
      ${radios(
        page,
        'preference',
        fieldId('preference'),
        t('answerLegend'),
        form.preference,
        form.errors.get('preference'),
      )}
      <button type="submit">${t('add')}</button>
    </form>`;
}
