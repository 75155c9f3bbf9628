// The pages of My data, as pure functions of what the registry answered.
import { html } from '../html/html';
import type { Html } from '../html/html';
import type { PageContext } from '../http/page-context';
import type { FieldErrors } from '../layout/forms';
import { fieldId, textField } from '../layout/forms';
import { MY_DATA } from './my-data.messages';
import { actorText, changeKind, fieldLabel, fieldValue, personRecordList } from './record-format';
import type { PersonRecord, RecordHistory } from './record-format';

/** What the record page shows about the date asked for. */
export type AsOf =
  | { readonly kind: 'today' }
  /** `date` and `time` as typed; `instant` what the registry was asked about. */
  | {
      readonly kind: 'shown';
      readonly date: string;
      readonly time: string;
      readonly instant: string;
    }
  | { readonly kind: 'before-registration'; readonly date: string; readonly time: string }
  | { readonly kind: 'invalid'; readonly date: string; readonly time: string };

/** The record page: the record (today's or of a date) and the form to ask for a date. */
export function myDataBody(
  page: PageContext,
  record: PersonRecord | undefined,
  asOf: AsOf,
  errors: FieldErrors,
): Html {
  const t = MY_DATA.in(page.language);
  const { formats } = page;
  const heading =
    asOf.kind === 'shown'
      ? t('asOfRecordTitle', { date: formats.date(asOf.date) })
      : t('recordTitle');
  return html`<p>${t('intro')}</p>
    ${
      asOf.kind === 'shown'
        ? html`<p class="notice" role="status">
            ${t(asOf.time === '' ? 'asOfShown' : 'asOfShownAt', {
              date: formats.date(asOf.date),
              time: asOf.time,
              instant: formats.dateTime(asOf.instant),
            })}
            <a href="/my-data">${t('backToToday')}</a>
          </p>`
        : ''
    }
    ${
      asOf.kind === 'before-registration'
        ? html`<p class="notice" role="status">
            ${t('asOfBeforeRegistration', {
              date:
                asOf.time === ''
                  ? formats.date(asOf.date)
                  : `${formats.date(asOf.date)} ${asOf.time}`,
            })}
            <a href="/my-data">${t('backToToday')}</a>
          </p>`
        : ''
    }
    ${
      record === undefined
        ? ''
        : html`<section aria-labelledby="record-title">
            <h2 id="record-title">${heading}</h2>
            ${personRecordList(page, record)}
          </section>`
    }
    <p class="actions">
      <a class="button secondary" href="/my-data/history">${t('historyLink')}</a>
      <a class="button secondary" href="/corrections/new">${t('correctLink')}</a>
    </p>
    <section aria-labelledby="as-of-title">
      <h2 id="as-of-title">${t('asOfTitle')}</h2>
      <form method="get" action="/my-data" novalidate>
        ${textField(page, errors, {
          name: 'asOf',
          label: t('asOfLabel'),
          hint: t('asOfHint'),
          type: 'date',
          value: asOf.kind === 'today' ? '' : asOf.date,
        })}
        ${timeField(t('asOfTimeLabel'), t('asOfTimeHint'), asOf.kind === 'today' ? '' : asOf.time)}
        <button type="submit">${t('asOfButton')}</button>
      </form>
    </section>`;
}

/** The optional time of day of the as-of form (seconds too: `step="1"`). */
function timeField(label: string, hint: string, value: string): Html {
  const id = fieldId('asOfTime');
  return html`<div class="field">
    <label for="${id}">${label}</label>
    <p class="hint" id="${id}-hint">${hint}</p>
    <input type="time" step="1" id="${id}" name="asOfTime" aria-describedby="${id}-hint" value="${value}" />
  </div>`;
}

/** The history page: every change as the registry lists it (oldest first). */
export function historyBody(page: PageContext, history: RecordHistory): Html {
  const t = MY_DATA.in(page.language);
  return html`<p>${t('historyIntro')}</p>
    <table>
      <caption>
        ${t('historyCaption')}
      </caption>
      <thead>
        <tr>
          <th scope="col">${t('colVersion')}</th>
          <th scope="col">${t('colWhen')}</th>
          <th scope="col">${t('colChange')}</th>
          <th scope="col">${t('colValues')}</th>
          <th scope="col">${t('colWho')}</th>
        </tr>
      </thead>
      <tbody>
        ${history.entries.map(
          (entry) =>
            html`<tr>
              <th scope="row">${String(entry.version)}</th>
              <td>${page.formats.dateTime(entry.recordedAt)}</td>
              <td>
                ${changeKind(page.language, entry.eventType)}
                ${
                  entry.correctionId === null
                    ? ''
                    : html`<br /><a href="/corrections/${entry.correctionId}"
                          >${t('correctionRef', { id: entry.correctionId.slice(0, 8) })}</a
                        >`
                }
              </td>
              <td>
                <dl class="record">
                  ${entry.changedFields.map(
                    (field) =>
                      html`<dt>${fieldLabel(page.language, field)}</dt>
                        <dd>${fieldValue(page, field, entry.changes[field])}</dd>`,
                  )}
                </dl>
              </td>
              <td>${actorText(page.language, entry.actor)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    <p><a href="/my-data">${t('backToRecord')}</a></p>`;
}
