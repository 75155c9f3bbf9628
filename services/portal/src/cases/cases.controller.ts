import { Body, Get, Inject, NotFoundException, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

import { ApiClient, ApiProblem } from '../api/api-client';
import { html } from '../html/html';
import type { Html } from '../html/html';
import type { PageContext } from '../http/page-context';
import { PageController } from '../http/page-controller';
import { Page, SignedInOnly, sessionOf } from '../http/page-context';
import { redirectTo, sendPage } from '../http/render';
import {
  NO_ERRORS,
  csrfField,
  errorSummary,
  fieldErrorsOf,
  formValue,
  textField,
} from '../layout/forms';
import type { FieldErrors } from '../layout/forms';
import { CASE_ID, catalogueText } from '../procedures/procedures.api';
import type {
  CaseSummary,
  CaseView,
  DashboardAnswer,
  TimelineAnswer,
} from '../procedures/procedures.api';
import { actorLabel, statusLabel, stepDetails, stepName } from './case-views';
import { CASES } from './cases.messages';

const STYLES = ['procedures'];

function caseIdOf(id: string): string {
  if (!CASE_ID.test(id)) throw new NotFoundException();
  return id.toLowerCase();
}

/**
 * The person's procedures: the dashboard of active and completed ones, and each case with its
 * timeline, the question the back office asks (answered here), the decision and its letter.
 */
@PageController('cases')
export class CasesController {
  constructor(@Inject(ApiClient) private readonly api: ApiClient) {}

  @Get()
  @SignedInOnly('citizen')
  async dashboard(@Page() page: PageContext, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const t = CASES.in(page.language);
    const { body } = await this.api.json<DashboardAnswer>(
      'procedures',
      'GET',
      'dashboard',
      sessionOf(page).token,
    );
    const table = (caption: string, cases: readonly CaseSummary[]): Html =>
      cases.length === 0
        ? html`<h2>${caption}</h2>
            <p>${t('none')}</p>`
        : html`<table class="cases">
            <caption>
              <h2>${caption}</h2>
            </caption>
            <thead>
              <tr>
                <th scope="col">${t('colProcedure')}</th>
                <th scope="col">${t('colStatus')}</th>
                <th scope="col">${t('colStarted')}</th>
                <th scope="col">${t('colUpdated')}</th>
              </tr>
            </thead>
            <tbody>
              ${cases.map((c) => {
                const title = catalogueText(c.title, page.language, c.procedureId);
                return html`<tr>
                  <th scope="row">
                    <a href="/cases/${c.caseId}" lang="${title.lang}">${title.text}</a>
                    ${c.businessNumber === null ? '' : html`<span class="tag">${c.businessNumber}</span>`}
                  </th>
                  <td>
                    <span class="status">${statusLabel(c.status, c.outcome, page.language)}</span>
                    ${c.openQuestion === null ? '' : html`<p class="waits">${t('waitsForYou')}</p>`}
                    ${
                      c.openConsentRequests > 0
                        ? html`<p class="waits">${t('consentWaits', { count: c.openConsentRequests })}</p>`
                        : ''
                    }
                  </td>
                  <td>${page.formats.dateTime(c.startedAt)}</td>
                  <td>${page.formats.dateTime(c.updatedAt)}</td>
                </tr>`;
              })}
            </tbody>
          </table>`;
    const content = html`<p>${t('dashboardIntro')}</p>
      <p><a href="/procedures">${t('startOne')}</a></p>
      ${table(t('activeCaption'), body.active)} ${table(t('completedCaption'), body.completed)}`;
    return sendPage(reply, page, { title: t('dashboardTitle'), body: content, styles: STYLES });
  }

  @Get(':id')
  @SignedInOnly('citizen')
  async case(
    @Page() page: PageContext,
    @Param('id') id: string,
    @Query('sent') sent: unknown,
    @Query('answered') answered: unknown,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const t = CASES.in(page.language);
    const notice = sent === '1' ? t('sent') : answered === '1' ? t('answered') : undefined;
    return this.render(reply, page, caseIdOf(id), NO_ERRORS, '', notice);
  }

  @Post(':id/information')
  @SignedInOnly('citizen')
  async answer(
    @Page() page: PageContext,
    @Param('id') id: string,
    @Body() body: unknown,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const caseId = caseIdOf(id);
    const answer = formValue(body, 'answer');
    try {
      await this.api.json(
        'procedures',
        'POST',
        `submissions/${caseId}/information`,
        sessionOf(page).token,
        { body: { answer } },
      );
    } catch (error) {
      if (error instanceof ApiProblem && [400, 409, 412, 422].includes(error.status)) {
        return this.render(
          reply,
          page,
          caseId,
          fieldErrorsOf(error),
          answer,
          undefined,
          error.status,
        );
      }
      throw error;
    }
    return redirectTo(reply, `/cases/${caseId}?answered=1`);
  }

  private async render(
    reply: FastifyReply,
    page: PageContext,
    caseId: string,
    errors: FieldErrors,
    answer: string,
    notice: string | undefined,
    status = 200,
  ): Promise<FastifyReply> {
    const t = CASES.in(page.language);
    const session = sessionOf(page);
    const nationalId = session.user.role === 'citizen' ? session.user.nationalId : '';
    const [{ body: view }, { body: timeline }] = await Promise.all([
      this.api.json<CaseView>('procedures', 'GET', `submissions/${caseId}`, session.token),
      this.api.json<TimelineAnswer>(
        'procedures',
        'GET',
        `submissions/${caseId}/timeline`,
        session.token,
      ),
    ]);
    const title = catalogueText(view.title, page.language, view.procedureId);
    const summary = html`<section aria-labelledby="summary-title">
      <h2 id="summary-title">${t('summaryTitle')}</h2>
      <dl class="record">
        <dt>${t('status')}</dt>
        <dd class="status" id="case-status">${statusLabel(view.status, view.outcome, page.language)}</dd>
        <dt>${t('organisation')}</dt>
        <dd>${view.organisationId}</dd>
        ${view.businessNumber === null ? '' : html`<dt>${t('business')}</dt><dd>${view.businessNumber}</dd>`}
        <dt>${t('started')}</dt>
        <dd>${page.formats.dateTime(view.startedAt)}</dd>
        ${view.submittedAt === null ? '' : html`<dt>${t('submitted')}</dt><dd>${page.formats.dateTime(view.submittedAt)}</dd>`}
        ${view.decidedAt === null ? '' : html`<dt>${t('decided')}</dt><dd>${page.formats.dateTime(view.decidedAt)}</dd>`}
      </dl>
      ${
        view.status === 'draft'
          ? html`<p class="actions">
              <a class="button" href="/drafts/${caseId}/form">${t('continueDraft')}</a>
              <a class="button secondary" href="/drafts/${caseId}/prefill">${t('prefillDraft')}</a>
            </p>`
          : ''
      }
    </section>`;
    const question =
      view.status === 'information-requested' && view.openQuestion !== null
        ? html`<section aria-labelledby="question-title" class="question">
            <h2 id="question-title">${t('questionTitle')}</h2>
            <p>${t('questionIntro', { organisation: view.organisationId })}</p>
            <blockquote id="open-question">${view.openQuestion}</blockquote>
            ${errorSummary(page, errors, { answer: t('answer') })}
            <form method="post" action="/cases/${caseId}/information" novalidate>
              ${csrfField(page)}
              ${textField(page, errors, {
                name: 'answer',
                label: t('answer'),
                value: answer,
                required: true,
                multiline: true,
              })}
              <button type="submit">${t('answerButton')}</button>
            </form>
          </section>`
        : '';
    const decision =
      view.decision === null
        ? ''
        : html`<section aria-labelledby="decision-title">
            <h2 id="decision-title">${t('decisionTitle')}</h2>
            <p class="status">
              ${view.decision.outcome === 'approved' ? t('decisionApproved') : t('decisionRejected')}
            </p>
            ${view.decision.reason === null || view.decision.reason === '' ? '' : html`<p>${t('reason', { reason: view.decision.reason })}</p>`}
            ${
              view.letterId === null
                ? html`<p>${t('letterPending')}</p>`
                : html`<p>
                    <a class="button" id="decision-letter" href="/letters/${encodeURIComponent(view.letterId)}"
                      >${t('letterLink')}</a
                    >
                  </p>`
            }
          </section>`;
    const steps = html`<section aria-labelledby="timeline-title">
      <h2 id="timeline-title">${t('timelineTitle')}</h2>
      <table class="timeline">
        <caption>
          ${t('timelineCaption')}
        </caption>
        <thead>
          <tr>
            <th scope="col">${t('colWhen')}</th>
            <th scope="col">${t('colStep')}</th>
            <th scope="col">${t('colWho')}</th>
            <th scope="col">${t('colDetails')}</th>
          </tr>
        </thead>
        <tbody>
          ${timeline.steps.map(
            (step) =>
              html`<tr data-step="${step.step}">
                <td><time datetime="${step.at}">${page.formats.dateTime(step.at)}</time></td>
                <th scope="row">${stepName(step.step, page.language)}</th>
                <td>${actorLabel(step.actor, nationalId, page.language)}</td>
                <td class="details">${stepDetails(step, page.language)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </section>`;
    const content = html`${notice === undefined ? '' : html`<p class="success" role="status">${notice}</p>`}
      ${summary} ${question} ${decision} ${steps}`;
    return sendPage(
      reply,
      page,
      { title: t('caseTitle', { procedure: title.text }), body: content, styles: STYLES },
      status,
    );
  }
}
