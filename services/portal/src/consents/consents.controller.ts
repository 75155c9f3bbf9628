import { Body, Get, Inject, NotFoundException, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { randomUUID } from 'node:crypto';

import { ApiClient, ApiProblem } from '../api/api-client';
import type { PageContext } from '../http/page-context';
import { PageController } from '../http/page-controller';
import { Page, SignedInOnly, sessionOf } from '../http/page-context';
import { redirectTo, sendPage } from '../http/render';
import { fieldErrorsOf, formValue, formValues } from '../layout/forms';
import { CONSENTS } from './consents.messages';
import type { Consent, ConsentAction, ConsentOutcome, GrantForm, Receipt } from './consents.view';
import {
  CONSENT_ID,
  actionsFor,
  consentBody,
  consentsBody,
  grantBody,
  grantRequestOf,
  ifMatchOf,
  organisationLabel,
  receiptFileName,
  revokeBody,
} from './consents.view';

const STYLES = ['letters-consents'];

/** What the consent service answers to pause, resume and revoke. */
interface ChangeAnswer {
  readonly consentId: string;
  readonly status: string;
  readonly version: number;
  readonly changed: boolean;
}

function outcomeOf(done: unknown, changed: unknown): ConsentOutcome {
  return done === 'pause' || done === 'resume' || done === 'revoke' || done === 'grant'
    ? { kind: 'done', action: done, changed: changed !== '0' }
    : { kind: 'none' };
}

/**
 * The person's consents (consent service): the list, one artefact with its receipts, and
 * pause, resume and revoke, each sent with `If-Match` of the version the page showed, so that
 * a change made meanwhile (another window, another device) is never overridden blindly.
 */
@PageController('consents')
export class ConsentsController {
  constructor(@Inject(ApiClient) private readonly api: ApiClient) {}

  @Get()
  @SignedInOnly('citizen')
  async list(@Page() page: PageContext, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const { token } = sessionOf(page);
    const consents = (
      await this.api.json<{ items: Consent[] }>('consent', 'GET', 'consents', token)
    ).body.items;
    const t = CONSENTS.in(page.language);
    return sendPage(reply, page, {
      title: t('title'),
      body: consentsBody(page, consents),
      styles: STYLES,
    });
  }

  @Get('new')
  @SignedInOnly('citizen')
  grantForm(@Page() page: PageContext, @Res() reply: FastifyReply): FastifyReply {
    return this.renderGrant(reply, page, {
      organisationId: '',
      categories: [],
      purpose: '',
      procedureId: '',
      validUntil: '',
      maxUses: '',
      idempotencyKey: randomUUID(),
      errors: new Map(),
    });
  }

  /** Grants a consent: the citizen's own (the service takes the subject from the token). */
  @Post()
  @SignedInOnly('citizen')
  async grant(
    @Page() page: PageContext,
    @Body() body: unknown,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const key = formValue(body, 'idempotencyKey');
    const form: GrantForm = {
      organisationId: formValue(body, 'organisationId').trim(),
      categories: formValues(body, 'categories'),
      purpose: formValue(body, 'purpose').trim(),
      procedureId: formValue(body, 'procedureId').trim(),
      validUntil: formValue(body, 'validUntil').trim(),
      maxUses: formValue(body, 'maxUses'),
      idempotencyKey: CONSENT_ID.test(key) ? key : randomUUID(),
      errors: new Map(),
    };
    let granted: ChangeAnswer;
    try {
      granted = (
        await this.api.json<ChangeAnswer>('consent', 'POST', 'consents', sessionOf(page).token, {
          body: grantRequestOf(form),
          headers: { 'idempotency-key': form.idempotencyKey },
        })
      ).body;
    } catch (error) {
      if (error instanceof ApiProblem && (error.status === 400 || error.status === 422)) {
        // `categories[2]` is the categories field of the form.
        const fields = Object.fromEntries(
          error.errors.map((e) => [e.field, e.field.replace(/\[\d+\].*$/, '')]),
        );
        return this.renderGrant(
          reply,
          page,
          // A refused form gets a new key: the corrected form is another request.
          { ...form, idempotencyKey: randomUUID(), errors: fieldErrorsOf(error, fields) },
          error.status,
        );
      }
      throw error;
    }
    return redirectTo(reply, `/consents/${granted.consentId}?done=grant&changed=1`);
  }

  @Get(':id')
  @SignedInOnly('citizen')
  async consent(
    @Page() page: PageContext,
    @Param('id') id: string,
    @Query('done') done: unknown,
    @Query('changed') changed: unknown,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    return this.render(reply, page, id, outcomeOf(done, changed));
  }

  /** Asks before revoking: revoking is final. */
  @Get(':id/revoke')
  @SignedInOnly('citizen')
  async confirmRevoke(
    @Page() page: PageContext,
    @Param('id') id: string,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const consent = await this.read(page, id);
    if (!actionsFor(consent.status).includes('revoke')) {
      return redirectTo(reply, `/consents/${consent.consentId}`);
    }
    const t = CONSENTS.in(page.language);
    return sendPage(reply, page, {
      title: t('revokeTitle', { organisation: organisationLabel(consent) }),
      body: revokeBody(page, consent),
      styles: STYLES,
    });
  }

  @Post(':id/pause')
  @SignedInOnly('citizen')
  pause(
    @Page() page: PageContext,
    @Param('id') id: string,
    @Body() body: unknown,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    return this.change(reply, page, id, 'pause', formValue(body, 'version'));
  }

  @Post(':id/resume')
  @SignedInOnly('citizen')
  resume(
    @Page() page: PageContext,
    @Param('id') id: string,
    @Body() body: unknown,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    return this.change(reply, page, id, 'resume', formValue(body, 'version'));
  }

  @Post(':id/revoke')
  @SignedInOnly('citizen')
  revoke(
    @Page() page: PageContext,
    @Param('id') id: string,
    @Body() body: unknown,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    return this.change(reply, page, id, 'revoke', formValue(body, 'version'));
  }

  /** A signed receipt as a file: the compact JWS exactly as the consent service serves it. */
  @Get(':id/receipts/:receiptId')
  @SignedInOnly('citizen')
  async receipt(
    @Page() page: PageContext,
    @Param('id') id: string,
    @Param('receiptId') receiptId: string,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    if (!CONSENT_ID.test(id) || !CONSENT_ID.test(receiptId)) throw new NotFoundException();
    const { token } = sessionOf(page);
    const receipt = await this.api.bytes(
      'consent',
      `consents/${id}/receipts/${receiptId}`,
      token,
      'application/jose',
    );
    return reply
      .status(200)
      .headers({
        'content-type': 'application/jose',
        'content-disposition': `attachment; filename="${receiptFileName(receiptId)}"`,
        'x-content-type-options': 'nosniff',
        'cache-control': 'private, no-store',
        'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
      })
      .send(receipt.bytes);
  }

  private async change(
    reply: FastifyReply,
    page: PageContext,
    id: string,
    action: ConsentAction,
    version: string,
  ): Promise<FastifyReply> {
    if (!CONSENT_ID.test(id)) throw new NotFoundException();
    const ifMatch = ifMatchOf(version);
    // A form without the version it was shown at cannot say what the person saw: ask again.
    if (ifMatch === undefined) {
      return this.render(reply, page, id, { kind: 'changed-meanwhile' }, 400);
    }
    const { token } = sessionOf(page);
    let answer: ChangeAnswer;
    try {
      answer = (
        await this.api.json<ChangeAnswer>('consent', 'POST', `consents/${id}/${action}`, token, {
          headers: { 'if-match': ifMatch },
        })
      ).body;
    } catch (error) {
      if (error instanceof ApiProblem && error.status === 412) {
        return this.render(reply, page, id, { kind: 'changed-meanwhile' }, 412);
      }
      if (error instanceof ApiProblem && (error.status === 409 || error.status === 400)) {
        return this.render(
          reply,
          page,
          id,
          { kind: 'refused', detail: error.detail ?? error.title },
          error.status,
        );
      }
      throw error;
    }
    const query = new URLSearchParams({ done: action, changed: answer.changed ? '1' : '0' });
    return redirectTo(reply, `/consents/${id}?${query.toString()}`);
  }

  private renderGrant(
    reply: FastifyReply,
    page: PageContext,
    form: GrantForm,
    status = 200,
  ): FastifyReply {
    const t = CONSENTS.in(page.language);
    return sendPage(
      reply,
      page,
      { title: t('grantTitle'), body: grantBody(page, form), styles: STYLES },
      status,
    );
  }

  private async read(page: PageContext, id: string): Promise<Consent> {
    if (!CONSENT_ID.test(id)) throw new NotFoundException();
    const { token } = sessionOf(page);
    return (await this.api.json<Consent>('consent', 'GET', `consents/${id}`, token)).body;
  }

  private async render(
    reply: FastifyReply,
    page: PageContext,
    id: string,
    outcome: ConsentOutcome,
    status = 200,
  ): Promise<FastifyReply> {
    const consent = await this.read(page, id);
    const { token } = sessionOf(page);
    const receipts = (
      await this.api.json<{ items: Receipt[] }>('consent', 'GET', `consents/${id}/receipts`, token)
    ).body.items;
    const t = CONSENTS.in(page.language);
    return sendPage(
      reply,
      page,
      {
        title: t('consentTitle', { organisation: organisationLabel(consent) }),
        body: consentBody(page, consent, receipts, outcome),
        styles: STYLES,
      },
      status,
    );
  }
}
