// The inputs of a generated procedure form: each labelled, required ones marked, a prefilled
// one saying where its value came from, a refused one showing the service's message next to it
// (and announced with it through aria-describedby).
import { html } from '../html/html';
import type { Html } from '../html/html';
import type { Language } from '../i18n/i18n';
import { COMMON } from '../layout/common.messages';
import { fieldId } from '../layout/forms';
import type { FieldErrors } from '../layout/forms';
import { fieldLabel, sourceName } from './procedures.api';
import { PROCEDURES } from './procedures.messages';
import type { FormField, FormValues } from './schema-form';

/** What the inputs show besides their values. */
export interface FormViewContext {
  readonly language: Language;
  readonly values: FormValues;
  readonly errors: FieldErrors;
  /** The source of each prefilled top-level field. */
  readonly prefilledFrom: ReadonlyMap<string, string>;
  /** The prefilled values, for the fields the page cannot edit. */
  readonly prefilledValues: ReadonlyMap<string, unknown>;
}

/** Radios up to this many choices, a select beyond. */
const MAX_RADIOS = 4;

function describedBy(...ids: (string | undefined)[]): Html | string {
  const list = ids.filter((id): id is string => id !== undefined).join(' ');
  return list === '' ? '' : html`aria-describedby="${list}"`;
}

function labelText(field: FormField, language: Language): Html {
  const t = COMMON.in(language);
  return html`${fieldLabel(field.key, language)}${
    field.required ? html` <span class="required">(${t('required')})</span>` : ''
  }`;
}

function readonlyValue(value: unknown): Html {
  if (Array.isArray(value)) {
    return html`<ul>
      ${value.map((item) =>
        typeof item === 'object' && item !== null
          ? html`<li>
              ${Object.entries(item as Record<string, unknown>).map(
                ([k, v]) => html`<span class="pair">${k}: ${String(v)}</span> `,
              )}
            </li>`
          : html`<li>${String(item)}</li>`,
      )}
    </ul>`;
  }
  return html`<p>${typeof value === 'string' ? value : JSON.stringify(value)}</p>`;
}

function oneField(field: FormField, context: FormViewContext, source: string | undefined): Html {
  const t = PROCEDURES.in(context.language);
  const id = fieldId(field.name);
  const error = context.errors.get(field.name);
  const errorId = error === undefined ? undefined : `${id}-error`;
  const prefilledId = source === undefined ? undefined : `${id}-source`;
  const prefilledHint =
    source === undefined
      ? ''
      : html`<p class="hint prefilled" id="${prefilledId}">
          ${t('prefilledHint', { source: sourceName(source, context.language) })}
        </p>`;
  const errorLine = error === undefined ? '' : html`<p class="error" id="${errorId}">${error}</p>`;
  const invalid = error === undefined ? '' : html`aria-invalid="true"`;
  const required = field.required ? html`required aria-required="true"` : '';
  const value = context.values.get(field.name) ?? '';
  const classes = `field${error === undefined ? '' : ' field-error'}${source === undefined ? '' : ' field-prefilled'}`;

  switch (field.kind) {
    case 'group':
      return html`<fieldset class="${classes} group" id="${id}" ${describedBy(prefilledId, errorId)}>
        <legend>${labelText(field, context.language)}</legend>
        ${prefilledHint} ${errorLine}
        ${field.fields.map((inner) => oneField(inner, context, undefined))}
      </fieldset>`;
    case 'boolean':
      return html`<div class="${classes}">
        ${prefilledHint} ${errorLine}
        <input type="checkbox" id="${id}" name="${field.name}" value="true"
          ${value === 'true' ? html`checked` : ''} ${invalid} ${describedBy(prefilledId, errorId)} />
        <label for="${id}" class="inline">${labelText(field, context.language)}</label>
      </div>`;
    case 'enum':
      if (field.options.length <= MAX_RADIOS) {
        return html`<fieldset class="${classes}" id="${id}" ${describedBy(prefilledId, errorId)}>
          <legend>${labelText(field, context.language)}</legend>
          ${prefilledHint} ${errorLine}
          ${field.options.map(
            (option, index) =>
              html`<div class="choice">
                <input type="radio" id="${id}-${index}" name="${field.name}" value="${option}"
                  ${option === value ? html`checked` : ''} ${index === 0 ? required : ''} />
                <label for="${id}-${index}" class="inline">${option}</label>
              </div>`,
          )}
        </fieldset>`;
      }
      return html`<div class="${classes}">
        <label for="${id}">${labelText(field, context.language)}</label>
        ${prefilledHint} ${errorLine}
        <select id="${id}" name="${field.name}" ${required} ${invalid} ${describedBy(prefilledId, errorId)}>
          <option value="">${t('choose')}</option>
          ${field.options.map(
            (option) =>
              html`<option value="${option}" ${option === value ? html`selected` : ''}>${option}</option>`,
          )}
        </select>
      </div>`;
    case 'readonly': {
      const prefilled = context.prefilledValues.get(field.name);
      return html`<div class="${classes}" id="${id}">
        <p class="label">${labelText(field, context.language)}</p>
        ${prefilledHint} ${errorLine}
        ${prefilled === undefined ? html`<p class="hint">${t('readonlyEmpty')} ${t('readonlyHint')}</p>` : readonlyValue(prefilled)}
      </div>`;
    }
    case 'list':
    case 'multiline': {
      const hintId = field.kind === 'list' ? `${id}-hint` : undefined;
      return html`<div class="${classes}">
        <label for="${id}">${labelText(field, context.language)}</label>
        ${hintId === undefined ? '' : html`<p class="hint" id="${hintId}">${t('listHint')}</p>`}
        ${prefilledHint} ${errorLine}
        <textarea id="${id}" name="${field.name}" rows="4" ${required} ${invalid}
          ${describedBy(hintId, prefilledId, errorId)}>${value}</textarea>
      </div>`;
    }
    case 'text':
    case 'date':
    case 'number':
    case 'integer': {
      const type = field.kind === 'date' ? 'date' : 'text';
      const mode =
        field.kind === 'number' ? 'decimal' : field.kind === 'integer' ? 'numeric' : undefined;
      return html`<div class="${classes}">
        <label for="${id}">${labelText(field, context.language)}</label>
        ${prefilledHint} ${errorLine}
        <input type="${type}" id="${id}" name="${field.name}" value="${value}"
          ${mode === undefined ? '' : html`inputmode="${mode}"`}
          ${required} ${invalid} ${describedBy(prefilledId, errorId)} />
      </div>`;
    }
    default: {
      const unknown: never = field;
      throw new TypeError(`unhandled field ${JSON.stringify(unknown)}`);
    }
  }
}

/** The inputs of `fields` (top-level fields of a procedure's form). */
export function formInputs(fields: readonly FormField[], context: FormViewContext): Html {
  return html`${fields.map((field) => oneField(field, context, context.prefilledFrom.get(field.name)))}`;
}
