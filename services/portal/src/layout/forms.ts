// Form parts that every page builds its forms from: labelled fields that show the service's
// own message for a refused value next to the field (from the problem's `errors`), the summary
// of errors at the top of the form, and the anti-forgery token.
import type { ApiProblem } from '../api/api-client';
import { html } from '../html/html';
import type { Html } from '../html/html';
import type { PageContext } from '../http/page-context';
import { COMMON } from './common.messages';

/** The errors of a refused form, by field name (the service's dotted path). */
export type FieldErrors = ReadonlyMap<string, string>;

/** No errors: a form shown for the first time. */
export const NO_ERRORS: FieldErrors = new Map();

/**
 * The field errors of a service's refusal, mapped to the form's field names: `fields` maps the
 * service's path (`address.postcode`) to the form's name, when they differ. An error on a
 * field the form does not show is kept under its own path (the summary lists it).
 */
export function fieldErrorsOf(
  problem: ApiProblem,
  fields: Readonly<Record<string, string>> = {},
): FieldErrors {
  const errors = new Map<string, string>();
  for (const error of problem.errors) {
    const name = fields[error.field] ?? error.field;
    if (!errors.has(name)) errors.set(name, error.message);
  }
  if (errors.size === 0) errors.set('', problem.detail ?? problem.title);
  return errors;
}

/** The hidden anti-forgery field of every form that changes something. */
export function csrfField(page: PageContext): Html {
  return html`<input type="hidden" name="_csrf" value="${page.csrf}" />`;
}

/** The list of a refused form's errors, each linking to its field. */
export function errorSummary(
  page: PageContext,
  errors: FieldErrors,
  labels: Readonly<Record<string, string>> = {},
): Html {
  if (errors.size === 0) return html``;
  const t = COMMON.in(page.language);
  return html`<div class="error-summary" role="alert" tabindex="-1">
    <h2>${t('formErrorsTitle')}</h2>
    <p>${t('formErrorsIntro')}</p>
    <ul>
      ${[...errors].map(([field, message]) =>
        field === ''
          ? html`<li>${message}</li>`
          : html`<li><a href="#${fieldId(field)}">${labels[field] ?? field}: ${message}</a></li>`,
      )}
    </ul>
  </div>`;
}

/** The element id of a form field. */
export function fieldId(name: string): string {
  return `field-${name.replace(/[^\w-]/g, '-')}`;
}

/** What a text-like field shows. */
export interface FieldOptions {
  readonly name: string;
  readonly label: string;
  readonly value?: string | undefined;
  readonly type?: 'text' | 'date' | 'datetime-local' | 'email' | 'tel' | 'number';
  readonly required?: boolean;
  readonly hint?: string;
  readonly autocomplete?: string;
  readonly multiline?: boolean;
}

/** A labelled input with its hint and, when refused, its error (announced with the field). */
export function textField(page: PageContext, errors: FieldErrors, options: FieldOptions): Html {
  const id = fieldId(options.name);
  const error = errors.get(options.name);
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const described = [options.hint === undefined ? '' : hintId, error === undefined ? '' : errorId]
    .filter((s) => s.length > 0)
    .join(' ');
  const t = COMMON.in(page.language);
  const attributes = html`id="${id}" name="${options.name}"
  ${options.required === true ? html`required aria-required="true"` : ''}
  ${error === undefined ? '' : html`aria-invalid="true"`}
  ${described.length > 0 ? html`aria-describedby="${described}"` : ''}
  ${options.autocomplete === undefined ? '' : html`autocomplete="${options.autocomplete}"`}`;
  return html`<div class="field${error === undefined ? '' : ' field-error'}">
    <label for="${id}"
      >${options.label}${options.required === true ? html` <span class="required">(${t('required')})</span>` : ''}</label
    >
    ${options.hint === undefined ? '' : html`<p class="hint" id="${hintId}">${options.hint}</p>`}
    ${error === undefined ? '' : html`<p class="error" id="${errorId}">${error}</p>`}
    ${
      options.multiline === true
        ? html`<textarea ${attributes} rows="4">${options.value ?? ''}</textarea>`
        : html`<input
            type="${options.type ?? 'text'}"
            ${attributes}
            value="${options.value ?? ''}"
          />`
    }
  </div>`;
}

/** The string value of a form field (the first, if sent twice); '' when absent. */
export function formValue(body: unknown, name: string): string {
  if (typeof body !== 'object' || body === null) return '';
  const value = (body as Record<string, unknown>)[name];
  const first = Array.isArray(value) ? (value as unknown[])[0] : value;
  return typeof first === 'string' ? first : '';
}

/** Every value of a repeated form field (checkboxes). */
export function formValues(body: unknown, name: string): string[] {
  if (typeof body !== 'object' || body === null) return [];
  const value = (body as Record<string, unknown>)[name];
  const values = Array.isArray(value) ? (value as unknown[]) : [value];
  return values.filter((v): v is string => typeof v === 'string');
}
