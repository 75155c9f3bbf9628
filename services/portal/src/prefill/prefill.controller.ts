import { Body, Get, Inject, NotFoundException, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

import { ApiClient, ApiProblem } from '../api/api-client';
import type { PageContext } from '../http/page-context';
import { PageController } from '../http/page-controller';
import { Page, SignedInOnly, sessionOf } from '../http/page-context';
import { redirectTo, sendPage } from '../http/render';
import { fieldErrorsOf, formValue } from '../layout/forms';
import { PREFILL } from './prefill.messages';
import type { OverrideForm, PrefillOutcome, PrefillPreference } from './prefill.view';
import { EMPTY_OVERRIDE, SOURCES, isPreference, pathSegment, prefillBody } from './prefill.view';

const STYLES = ['letters-consents'];

/** What the consent service answers to a preference's change. */
interface ChangeAnswer {
  readonly changed: boolean;
  readonly version: number;
}

function outcomeOf(value: unknown): PrefillOutcome {
  return value === 'saved' || value === 'removed' || value === 'unchanged' ? value : undefined;
}

/**
 * The person's Yes/No to prefilling (consent service): per source, and a procedure's own
 * answer that takes precedence over its source's.
 */
@PageController('prefill')
export class PrefillController {
  constructor(@Inject(ApiClient) private readonly api: ApiClient) {}

  @Get()
  @SignedInOnly('citizen')
  show(
    @Page() page: PageContext,
    @Query('outcome') outcome: unknown,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    return this.render(reply, page, outcomeOf(outcome), EMPTY_OVERRIDE);
  }

  @Post('sources/:source')
  @SignedInOnly('citizen')
  async setSource(
    @Page() page: PageContext,
    @Param('source') source: string,
    @Body() body: unknown,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    if (!(SOURCES as readonly string[]).includes(source)) throw new NotFoundException();
    const preference = formValue(body, 'preference');
    // A source form always has one of its two radios checked; anything else was not our form.
    if (!isPreference(preference)) return redirectTo(reply, '/prefill');
    const answer = await this.api.json<ChangeAnswer>(
      'consent',
      'PUT',
      `prefill-preferences/sources/${source}`,
      sessionOf(page).token,
      { body: { preference } },
    );
    return redirectTo(reply, `/prefill?outcome=${answer.body.changed ? 'saved' : 'unchanged'}`);
  }

  @Post('procedures')
  @SignedInOnly('citizen')
  async setProcedure(
    @Page() page: PageContext,
    @Body() body: unknown,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const t = PREFILL.in(page.language);
    const form: OverrideForm = {
      source: formValue(body, 'source'),
      procedureId: formValue(body, 'procedureId').trim(),
      preference: formValue(body, 'preference'),
      errors: new Map(),
    };
    const source = pathSegment(form.source);
    const procedure = pathSegment(form.procedureId);
    const errors = new Map<string, string>();
    if (source === undefined) errors.set('source', t('invalidSource'));
    if (procedure === undefined) errors.set('procedureId', t('invalidProcedure'));
    if (!isPreference(form.preference)) errors.set('preference', t('invalidAnswer'));
    if (source === undefined || procedure === undefined || errors.size > 0) {
      return this.render(reply, page, undefined, { ...form, errors }, 400);
    }
    let answer: ChangeAnswer;
    try {
      answer = (
        await this.api.json<ChangeAnswer>(
          'consent',
          'PUT',
          `prefill-preferences/sources/${source}/procedures/${procedure}`,
          sessionOf(page).token,
          { body: { preference: form.preference } },
        )
      ).body;
    } catch (error) {
      if (error instanceof ApiProblem && error.status === 400) {
        return this.render(reply, page, undefined, { ...form, errors: fieldErrorsOf(error) }, 400);
      }
      throw error;
    }
    return redirectTo(reply, `/prefill?outcome=${answer.changed ? 'saved' : 'unchanged'}`);
  }

  @Post('procedures/remove')
  @SignedInOnly('citizen')
  async removeProcedure(
    @Page() page: PageContext,
    @Body() body: unknown,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const source = pathSegment(formValue(body, 'source'));
    const procedure = pathSegment(formValue(body, 'procedureId'));
    if (source === undefined || procedure === undefined) return redirectTo(reply, '/prefill');
    const answer = await this.api.json<ChangeAnswer>(
      'consent',
      'DELETE',
      `prefill-preferences/sources/${source}/procedures/${procedure}`,
      sessionOf(page).token,
    );
    return redirectTo(reply, `/prefill?outcome=${answer.body.changed ? 'removed' : 'unchanged'}`);
  }

  private async render(
    reply: FastifyReply,
    page: PageContext,
    outcome: PrefillOutcome,
    form: OverrideForm,
    status = 200,
  ): Promise<FastifyReply> {
    const preferences = (
      await this.api.json<{ items: PrefillPreference[] }>(
        'consent',
        'GET',
        'prefill-preferences',
        sessionOf(page).token,
      )
    ).body.items;
    const t = PREFILL.in(page.language);
    return sendPage(
      reply,
      page,
      { title: t('title'), body: prefillBody(page, preferences, outcome, form), styles: STYLES },
      status,
    );
  }
}
