import { Body, Get, Inject, NotFoundException, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

import { ApiClient, ApiProblem } from '../api/api-client';
import { html } from '../html/html';
import type { Html } from '../html/html';
import type { PageContext } from '../http/page-context';
import { PageController } from '../http/page-controller';
import { Page, SignedInOnly, sessionOf } from '../http/page-context';
import { redirectTo, sendPage } from '../http/render';
import { COMMON } from '../layout/common.messages';
import { NO_ERRORS, csrfField, errorSummary, fieldErrorsOf, formValue } from '../layout/forms';
import type { FieldErrors } from '../layout/forms';
import { formInputs } from './form-view';
import {
  CASE_ID,
  PREFILL_SOURCES,
  PROCEDURE_ID,
  catalogueText,
  fieldLabel,
  sourceName,
} from './procedures.api';
import type { CaseView, CatalogueEntry, PreviewAnswer } from './procedures.api';
import { PROCEDURES } from './procedures.messages';
import { audienceOf, startBody, startFieldOf, startRefusal } from './start-view';
import type { ManagedBusiness } from '../businesses/businesses.views';
import {
  fieldNames,
  formFieldOfError,
  formFieldsOf,
  formJsonOf,
  postedValues,
  valuesOf,
} from './schema-form';
import type { FormField, FormValues } from './schema-form';

const STYLES = ['procedures'];
/** The form field of a source's Yes/No on the preview. */
const sourceFieldName = (source: string): string => `source-${source}`;

function caseIdOf(id: string): string {
  if (!CASE_ID.test(id)) throw new NotFoundException();
  return id.toLowerCase();
}

function procedureIdOf(id: string): string {
  if (!PROCEDURE_ID.test(id)) throw new NotFoundException();
  return id;
}

/** Refusals a form shows next to its fields; anything else is a page of its own. */
function isFormRefusal(error: unknown): error is ApiProblem {
  return error instanceof ApiProblem && [400, 409, 412, 422].includes(error.status);
}

/**
 * The catalogue, starting a procedure, the preview of the prefill with Yes or No per source,
 * and the form generated from the procedure's JSON Schema, up to its submission.
 */
@PageController()
export class ProceduresController {
  constructor(@Inject(ApiClient) private readonly api: ApiClient) {}

  @Get('procedures')
  @SignedInOnly('citizen')
  async catalogue(@Page() page: PageContext, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const t = PROCEDURES.in(page.language);
    // Public, but sent with the token like every call: the service may one day tailor it.
    const { body } = await this.api.json<{ items: CatalogueEntry[] }>(
      'procedures',
      'GET',
      'procedures',
      sessionOf(page).token,
    );
    const rows = body.items.map((entry) => {
      const title = catalogueText(entry.title, page.language, entry.id);
      const sources = entry.sources.map((s) => sourceName(s.source, page.language));
      return html`<tr>
        <th scope="row">
          <span lang="${title.lang}">${title.text}</span>
          <span class="tag">${t('versionOf', { version: entry.version })}</span>
        </th>
        <td>${entry.organisationId}</td>
        <td>
          <p>${audienceOf(entry, t)}</p>
          <p>
            ${sources.length === 0 ? t('nothingPrefilled') : t('prefilledFrom', { sources: sources.join(', ') })}
          </p>
        </td>
        <td>
          <a class="button" href="/procedures/${entry.id}/start"
            >${t('start')}<span class="visually-hidden">: ${title.text}</span></a
          >
        </td>
      </tr>`;
    });
    const content = html`<p>${t('catalogueIntro')}</p>
      <table class="catalogue">
        <caption>
          ${t('catalogueCaption')}
        </caption>
        <thead>
          <tr>
            <th scope="col">${t('colProcedure')}</th>
            <th scope="col">${t('colOrganisation')}</th>
            <th scope="col">${t('colAbout')}</th>
            <th scope="col">${t('colAction')}</th>
          </tr>
        </thead>
        <tbody>
          ${rows}
        </tbody>
      </table>
      <p class="hint">
        ${page.language === 'de' ? html`${t('titleLanguageNote')} ` : ''}${t('noDescription')}
      </p>`;
    return sendPage(reply, page, { title: t('catalogueTitle'), body: content, styles: STYLES });
  }

  @Get('procedures/:procedureId/start')
  @SignedInOnly('citizen')
  async startPage(
    @Page() page: PageContext,
    @Param('procedureId') procedureId: string,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const entry = await this.entry(page, procedureIdOf(procedureId));
    return await this.renderStart(reply, page, entry, NO_ERRORS, '');
  }

  /** The active businesses the register names the person as a manager of (business procedures). */
  private async managedBusinesses(page: PageContext): Promise<readonly ManagedBusiness[]> {
    const session = sessionOf(page);
    if (session.user.role !== 'citizen') return [];
    const { body } = await this.api.json<{ businesses: ManagedBusiness[] }>(
      'registry',
      'GET',
      `persons/${encodeURIComponent(session.user.nationalId)}/businesses`,
      session.token,
    );
    return body.businesses.filter((business) => business.status === 'active');
  }

  @Post('procedures/:procedureId/start')
  @SignedInOnly('citizen')
  async start(
    @Page() page: PageContext,
    @Param('procedureId') procedureId: string,
    @Body() body: unknown,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const entry = await this.entry(page, procedureIdOf(procedureId));
    const field = startFieldOf(entry);
    const value = field === undefined ? '' : formValue(body, field).trim();
    let caseId: string;
    try {
      const { body: written } = await this.api.json<{ caseId: string }>(
        'procedures',
        'POST',
        'drafts',
        sessionOf(page).token,
        {
          body: {
            procedureId: entry.id,
            procedureVersion: entry.version,
            ...(field === undefined ? {} : { [field]: value }),
          },
        },
      );
      caseId = written.caseId;
    } catch (error) {
      const errors = startRefusal(entry, error, PROCEDURES.in(page.language));
      if (errors === undefined || !(error instanceof ApiProblem)) throw error;
      return await this.renderStart(reply, page, entry, errors, value, error.status);
    }
    return redirectTo(reply, `/drafts/${caseId}/prefill`);
  }

  @Get('drafts/:id/prefill')
  @SignedInOnly('citizen')
  async previewPage(
    @Page() page: PageContext,
    @Param('id') id: string,
    @Query('renewed') renewed: unknown,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    return this.renderPreview(reply, page, caseIdOf(id), NO_ERRORS, renewed === '1');
  }

  @Post('drafts/:id/prefill')
  @SignedInOnly('citizen')
  async prefill(
    @Page() page: PageContext,
    @Param('id') id: string,
    @Body() body: unknown,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const caseId = caseIdOf(id);
    const sources: Record<string, boolean> = {};
    for (const source of PREFILL_SOURCES) {
      const answer = formValue(body, sourceFieldName(source));
      if (answer === 'yes' || answer === 'no') sources[source] = answer === 'yes';
    }
    try {
      await this.api.json('procedures', 'POST', `drafts/${caseId}/prefill`, sessionOf(page).token, {
        body: { previewId: formValue(body, 'previewId'), sources },
      });
    } catch (error) {
      if (!isFormRefusal(error)) throw error;
      // A source the person said No to in the consent service: shown on a fresh preview (the
      // refused one stays unused, but its page is gone), next to that source.
      const refused = error.errors.filter((e) => e.field.startsWith('sources.'));
      if (refused.length > 0) {
        const t = PROCEDURES.in(page.language);
        const errors = new Map(
          refused.map((e) => [
            sourceFieldName(e.field.slice('sources.'.length)),
            error.body['code'] === 'SOURCE_REFUSED' || e.message === 'the person said No'
              ? t('sourceRefused')
              : e.message,
          ]),
        );
        return this.renderPreview(reply, page, caseId, errors, false, error.status);
      }
      // A used or expired preview (409), or a draft that is no longer one: a new preview.
      return redirectTo(reply, `/drafts/${caseId}/prefill?renewed=1`);
    }
    return redirectTo(reply, `/drafts/${caseId}/form`);
  }

  @Get('drafts/:id/form')
  @SignedInOnly('citizen')
  async formPage(
    @Page() page: PageContext,
    @Param('id') id: string,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const caseId = caseIdOf(id);
    const view = await this.caseView(page, caseId);
    if (view.status !== 'draft') return redirectTo(reply, `/cases/${caseId}`);
    const entry = await this.version(page, view.procedureId, view.procedureVersion);
    const fields = formFieldsOf(entry.form);
    const prefilledJson = Object.fromEntries(
      Object.entries(view.prefilled).map(([k, v]) => [k, v.value]),
    );
    return this.renderForm(reply, page, view, entry, fields, valuesOf(fields, prefilledJson));
  }

  @Post('drafts/:id/form')
  @SignedInOnly('citizen')
  async submit(
    @Page() page: PageContext,
    @Param('id') id: string,
    @Body() body: unknown,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const caseId = caseIdOf(id);
    const view = await this.caseView(page, caseId);
    if (view.status !== 'draft') return redirectTo(reply, `/cases/${caseId}`);
    const entry = await this.version(page, view.procedureId, view.procedureVersion);
    const fields = formFieldsOf(entry.form);
    const values = postedValues(fields, body);
    const form = formJsonOf(fields, values, new Set(Object.keys(view.prefilled)));
    try {
      await this.api.json('procedures', 'POST', `drafts/${caseId}/submit`, sessionOf(page).token, {
        body: { form },
      });
    } catch (error) {
      if (!isFormRefusal(error)) throw error;
      const names = new Set(fieldNames(fields));
      const mapping = Object.fromEntries(
        error.errors.map((e) => [e.field, formFieldOfError(e.field, names) ?? e.field]),
      );
      return this.renderForm(
        reply,
        page,
        view,
        entry,
        fields,
        values,
        fieldErrorsOf(error, mapping),
        error.status,
      );
    }
    return redirectTo(reply, `/cases/${caseId}?sent=1`);
  }

  private async entry(page: PageContext, procedureId: string): Promise<CatalogueEntry> {
    return (
      await this.api.json<CatalogueEntry>(
        'procedures',
        'GET',
        `procedures/${procedureId}`,
        sessionOf(page).token,
      )
    ).body;
  }

  private async version(
    page: PageContext,
    procedureId: string,
    version: number,
  ): Promise<CatalogueEntry> {
    return (
      await this.api.json<CatalogueEntry>(
        'procedures',
        'GET',
        `procedures/${procedureIdOf(procedureId)}/versions/${version}`,
        sessionOf(page).token,
      )
    ).body;
  }

  private async caseView(page: PageContext, caseId: string): Promise<CaseView> {
    return (
      await this.api.json<CaseView>('procedures', 'GET', `drafts/${caseId}`, sessionOf(page).token)
    ).body;
  }

  private async renderStart(
    reply: FastifyReply,
    page: PageContext,
    entry: CatalogueEntry,
    errors: FieldErrors,
    value: string,
    status = 200,
  ): Promise<FastifyReply> {
    const businesses = entry.business ? await this.managedBusinesses(page) : [];
    const t = PROCEDURES.in(page.language);
    const title = catalogueText(entry.title, page.language, entry.id);
    const content = startBody(page, entry, { errors, value, businesses });
    return sendPage(
      reply,
      page,
      { title: t('startTitle', { procedure: title.text }), body: content, styles: STYLES },
      status,
    );
  }

  private async renderPreview(
    reply: FastifyReply,
    page: PageContext,
    caseId: string,
    errors: FieldErrors,
    renewed: boolean,
    status = 200,
  ): Promise<FastifyReply> {
    const token = sessionOf(page).token;
    const view = await this.caseView(page, caseId);
    if (view.status !== 'draft') return redirectTo(reply, `/cases/${caseId}`);
    // Each showing is a new preview: a preview is used once and expires, and asking for one
    // reads nothing from the sources (it is recorded on the case's timeline).
    const { body: preview } = await this.api.json<PreviewAnswer>(
      'procedures',
      'POST',
      `drafts/${caseId}/prefill-preview`,
      token,
    );
    const t = PROCEDURES.in(page.language);
    const nav = COMMON.in(page.language);
    const title = catalogueText(view.title, page.language, view.procedureId);
    const ruleText = (rule: string): string =>
      rule === 'procedure'
        ? t('ruleProcedure')
        : rule === 'source'
          ? t('ruleSource')
          : t('ruleDefault');
    const labels = Object.fromEntries(
      preview.sources.map((s) => [sourceFieldName(s.source), sourceName(s.source, page.language)]),
    );
    const sections = preview.sources.map((s) => {
      const name = sourceName(s.source, page.language);
      const field = sourceFieldName(s.source);
      const headingId = `source-${s.source}-title`;
      const error = errors.get(field);
      const choiceId = `field-${field}`;
      return html`<section class="source${error === undefined ? '' : ' field-error'}" aria-labelledby="${headingId}">
        <h2 id="${headingId}">${t('previewSource', { source: name })}</h2>
        <table>
          <caption>
            ${t('previewFieldsCaption', { source: name })}
          </caption>
          <thead>
            <tr>
              <th scope="col">${t('colField')}</th>
              <th scope="col">${t('colCategory')}</th>
            </tr>
          </thead>
          <tbody>
            ${s.fields.map(
              (f) =>
                html`<tr>
                  <th scope="row">${fieldLabel(f.field, page.language)}</th>
                  <td><code>${f.category}</code></td>
                </tr>`,
            )}
          </tbody>
        </table>
        <fieldset class="field choice-row" id="${choiceId}" ${error === undefined ? '' : html`aria-describedby="${choiceId}-error"`}>
          <legend>${t('useSource', { source: name })}</legend>
          <p class="hint">${s.default ? t('defaultIsYes') : t('defaultIsNo')} ${ruleText(s.rule)}</p>
          ${error === undefined ? '' : html`<p class="error" id="${choiceId}-error">${error}</p>`}
          <div class="choice">
            <input type="radio" id="${choiceId}-yes" name="${field}" value="yes" ${s.default ? html`checked` : ''} />
            <label for="${choiceId}-yes" class="inline">${nav('yes')}</label>
          </div>
          <div class="choice">
            <input type="radio" id="${choiceId}-no" name="${field}" value="no" ${s.default ? '' : html`checked`} />
            <label for="${choiceId}-no" class="inline">${nav('no')}</label>
          </div>
        </fieldset>
      </section>`;
    });
    const content = html`${renewed ? html`<p class="notice" role="status">${t('previewUsed')}</p>` : ''}
      ${errorSummary(page, errors, labels)}
      <p>${t('previewIntro')}</p>
      ${
        preview.sources.length === 0
          ? html`<p>${t('previewNone')}</p>
              <p><a class="button" href="/drafts/${caseId}/form">${t('previewSkip')}</a></p>`
          : html`<form method="post" action="/drafts/${caseId}/prefill" novalidate>
              ${csrfField(page)}
              <input type="hidden" name="previewId" value="${preview.previewId}" />
              ${sections}
              <p class="hint">
                ${t('previewExpires', { time: page.formats.dateTime(preview.expiresAt) })}
                <a href="/prefill">${t('preferencesLink')}</a>
              </p>
              <button type="submit">${t('previewConfirm')}</button>
            </form>`
      }`;
    return sendPage(
      reply,
      page,
      { title: t('previewTitle', { procedure: title.text }), body: content, styles: STYLES },
      status,
    );
  }

  private renderForm(
    reply: FastifyReply,
    page: PageContext,
    view: CaseView,
    entry: CatalogueEntry,
    fields: readonly FormField[],
    values: FormValues,
    errors: FieldErrors = NO_ERRORS,
    status = 200,
  ): FastifyReply {
    const t = PROCEDURES.in(page.language);
    const title = catalogueText(view.title ?? entry.title, page.language, view.procedureId);
    const labels: Record<string, string> = {};
    const collect = (list: readonly FormField[]): void => {
      for (const field of list) {
        labels[field.name] = fieldLabel(field.key, page.language);
        if (field.kind === 'group') collect(field.fields);
      }
    };
    collect(fields);
    const inputs: Html = formInputs(fields, {
      language: page.language,
      values,
      errors,
      prefilledFrom: new Map(Object.entries(view.prefilled).map(([k, v]) => [k, v.source])),
      prefilledValues: new Map(Object.entries(view.prefilled).map(([k, v]) => [k, v.value])),
    });
    const content = html`${errorSummary(page, errors, labels)}
      <p>${t('formIntro')}</p>
      <p><a href="/drafts/${view.caseId}/prefill">${t('prefillAgain')}</a></p>
      <form method="post" action="/drafts/${view.caseId}/form" novalidate class="procedure-form">
        ${csrfField(page)} ${inputs}
        <button type="submit">${t('submit')}</button>
      </form>`;
    return sendPage(
      reply,
      page,
      { title: t('formTitle', { procedure: title.text }), body: content, styles: STYLES },
      status,
    );
  }
}
