import { Get, Inject, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

import { ApiClient } from '../api/api-client';
import type { PageContext } from '../http/page-context';
import { PageController } from '../http/page-controller';
import { Page, SignedInOnly, sessionOf } from '../http/page-context';
import { sendPage } from '../http/render';
import { ACCESS_LOG } from './access-log.messages';
import { accessLogBody } from './access-log.view';
import type { AccessLogAnswer, Jwks } from './access-log.view';

/** How many entries a page shows (the audit service allows up to 100). */
const PAGE_SIZE = 20;

/** A cursor as the audit service hands them out (a leaf index); anything else is ignored. */
function cursorOf(value: unknown): string | undefined {
  return typeof value === 'string' && /^[1-9][0-9]{0,15}$/.test(value) ? value : undefined;
}

/**
 * "Who accessed my data": the person's entries of the audit log with their inclusion proofs,
 * which the browser verifies (src/assets/verify-proofs.js); and the same entries and the audit
 * service's key as files, for the offline verifier. The portal relays; it verifies nothing.
 */
@PageController()
export class AccessLogController {
  constructor(@Inject(ApiClient) private readonly api: ApiClient) {}

  @Get('access-log')
  @SignedInOnly('citizen')
  async accessLog(
    @Page() page: PageContext,
    @Query('cursor') cursor: unknown,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const session = sessionOf(page);
    const olderThan = cursorOf(cursor);
    const [log, jwks] = await Promise.all([
      this.api.json<AccessLogAnswer>('audit', 'GET', 'access-log/me', session.token, {
        query: { cursor: olderThan, limit: String(PAGE_SIZE) },
      }),
      this.api.json<Jwks>('audit', 'GET', '.well-known/jwks.json', undefined),
    ]);
    const t = ACCESS_LOG.in(page.language);
    return sendPage(reply, page, {
      title: t('title'),
      body: accessLogBody(t, page.formats, log.body, jwks.body, olderThan),
      styles: ['access-log'],
      scripts: log.body.entries.length > 0 ? ['verify-proofs'] : [],
    });
  }

  /** The person's entries with their proofs, in the export format the offline verifier reads. */
  @Get('access-log/export')
  @SignedInOnly('citizen')
  async export(@Page() page: PageContext, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const { body } = await this.api.json<unknown>(
      'audit',
      'GET',
      'access-log/me/export',
      sessionOf(page).token,
    );
    return download(reply, 'my-access-log.json', body);
  }

  /** The audit service's public key, as it publishes it. */
  @Get('access-log/keys')
  @SignedInOnly('citizen')
  async keys(@Res() reply: FastifyReply): Promise<FastifyReply> {
    const { body } = await this.api.json<unknown>(
      'audit',
      'GET',
      '.well-known/jwks.json',
      undefined,
    );
    return download(reply, 'audit-keys.json', body);
  }
}

function download(reply: FastifyReply, filename: string, body: unknown): FastifyReply {
  return reply
    .headers({
      'content-type': 'application/json; charset=utf-8',
      'content-disposition': `attachment; filename="${filename}"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    })
    .send(`${JSON.stringify(body, null, 2)}\n`);
}
