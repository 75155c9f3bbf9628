import { randomUUID } from 'node:crypto';

import { Body, Get, NotFoundException, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

import { ApiClient, ApiProblem } from '../api/api-client';
import type { ApiAnswer } from '../api/api-client';
import type { PageContext } from '../http/page-context';
import { PageController } from '../http/page-controller';
import { Page, SignedInOnly, sessionOf } from '../http/page-context';
import { redirectTo, sendPage } from '../http/render';
import { NO_ERRORS } from '../layout/forms';
import type { FieldErrors } from '../layout/forms';
import { nationalIdOf } from '../my-data/my-data.controller';
import { CORRECTIONS } from './corrections.messages';
import {
  correctionFormValues,
  correctionRequestBody,
  inputOfErrorPath,
  isCorrectableField,
} from './correction-form';
import type { CorrectionFormValues } from './correction-form';
import { correctionDetailBody, correctionFormBody, correctionListBody } from './corrections.views';
import type { CorrectionDetail, CorrectionItem } from './corrections.views';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Refusals of a correction request the form shows next to its fields. */
const FORM_STATUSES = new Set([400, 409, 412, 422]);

/** Corrections: the person's requests, a new one, and each one's status and communication. */
@PageController()
export class CorrectionsController {
  constructor(private readonly api: ApiClient) {}

  @Get('corrections')
  @SignedInOnly('citizen')
  async list(@Page() page: PageContext, @Res() reply: FastifyReply): Promise<FastifyReply> {
    nationalIdOf(page);
    const { items } = (
      await this.api.json<{ items: CorrectionItem[] }>(
        'registry',
        'GET',
        '/corrections',
        sessionOf(page).token,
      )
    ).body;
    return sendPage(reply, page, {
      title: CORRECTIONS.in(page.language)('title'),
      body: correctionListBody(page, items),
      styles: ['registry'],
    });
  }

  @Get('corrections/new')
  @SignedInOnly('citizen')
  form(@Page() page: PageContext, @Res() reply: FastifyReply): FastifyReply {
    nationalIdOf(page);
    return this.renderForm(reply, page, correctionFormValues({}), NO_ERRORS, 200);
  }

  @Post('corrections/new')
  @SignedInOnly('citizen')
  async request(
    @Page() page: PageContext,
    @Body() body: unknown,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const nationalId = nationalIdOf(page);
    const t = CORRECTIONS.in(page.language);
    const values = correctionFormValues(body);
    const field = values.field;
    if (!isCorrectableField(field)) {
      return this.renderForm(reply, page, values, new Map([['field', t('fieldRequired')]]), 400);
    }
    // The key comes with the form, so that the same form sent twice (a double click, a resend
    // after a lost answer) is one request; a key that is not ours is replaced.
    const key = UUID.test(values.idempotencyKey) ? values.idempotencyKey : randomUUID();
    let answer: ApiAnswer<{ correctionId: string }>;
    try {
      answer = await this.api.json<{ correctionId: string }>(
        'registry',
        'POST',
        '/corrections',
        sessionOf(page).token,
        {
          body: correctionRequestBody(nationalId, field, values),
          headers: { 'idempotency-key': key },
        },
      );
    } catch (error) {
      if (!(error instanceof ApiProblem) || !FORM_STATUSES.has(error.status)) throw error;
      if (error.body['code'] === 'IDEMPOTENCY_KEY_IN_USE') {
        // The same form is being sent a second time while the first is under way: the first
        // one's request is the person's; they find it in their list.
        return redirectTo(reply, '/corrections');
      }
      const errors = new Map<string, string>();
      for (const { field: path, message } of error.errors) {
        const input = inputOfErrorPath(field, path) ?? path;
        if (!errors.has(input)) errors.set(input, message);
      }
      if (errors.size === 0) errors.set('', error.detail ?? error.title);
      return this.renderForm(reply, page, values, errors, error.status);
    }
    return redirectTo(reply, `/corrections/${answer.body.correctionId}?created=1`);
  }

  @Get('corrections/:id')
  @SignedInOnly('citizen')
  async detail(
    @Page() page: PageContext,
    @Param('id') id: string,
    @Query('created') created: unknown,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    nationalIdOf(page);
    if (!UUID.test(id)) throw new NotFoundException();
    const correction = (
      await this.api.json<CorrectionDetail>(
        'registry',
        'GET',
        `/corrections/${id}`,
        sessionOf(page).token,
      )
    ).body;
    return sendPage(reply, page, {
      title: CORRECTIONS.in(page.language)('detailTitle'),
      body: correctionDetailBody(page, correction, created === '1'),
      styles: ['registry'],
    });
  }

  private renderForm(
    reply: FastifyReply,
    page: PageContext,
    values: CorrectionFormValues,
    errors: FieldErrors,
    status: number,
  ): FastifyReply {
    // A fresh key for every form shown: a corrected form is a new request.
    const fresh = { ...values, idempotencyKey: randomUUID() };
    return sendPage(
      reply,
      page,
      {
        title: CORRECTIONS.in(page.language)('newTitle'),
        body: correctionFormBody(page, fresh, errors),
        styles: ['registry'],
      },
      status,
    );
  }
}
