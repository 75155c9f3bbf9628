import { Get, Inject, NotFoundException, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

import { ApiClient, ApiProblem } from '../api/api-client';
import type { PageContext } from '../http/page-context';
import { PageController } from '../http/page-controller';
import { Page, SignedInOnly, sessionOf } from '../http/page-context';
import { redirectTo, sendPage } from '../http/render';
import { LETTERS } from './letters.messages';
import type { Letter, LetterBox, ReceiptOutcome } from './letters.view';
import {
  LETTER_ID,
  documentHeaders,
  letterBody,
  letterBoxBody,
  textDocumentBody,
} from './letters.view';

const STYLES = ['letters-consents'];

/**
 * The letter box (letterbox service): the person's letters and their businesses', one letter
 * with its states, its document served through the portal, and the receipt confirmation.
 */
@PageController('letters')
export class LettersController {
  constructor(@Inject(ApiClient) private readonly api: ApiClient) {}

  @Get()
  @SignedInOnly('citizen')
  async list(@Page() page: PageContext, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const { token } = sessionOf(page);
    const box = (await this.api.json<LetterBox>('letterbox', 'GET', 'letters', token)).body;
    const t = LETTERS.in(page.language);
    return sendPage(reply, page, {
      title: t('title'),
      body: letterBoxBody(page, box),
      styles: STYLES,
    });
  }

  @Get(':id')
  @SignedInOnly('citizen')
  async letter(
    @Page() page: PageContext,
    @Param('id') id: string,
    @Query('receipt') receipt: unknown,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const letter = await this.read(page, id);
    const outcome: ReceiptOutcome =
      receipt === 'confirmed' && letter.receiptConfirmedAt !== null
        ? { kind: 'confirmed' }
        : { kind: 'none' };
    return this.render(reply, page, letter, outcome);
  }

  /** A text document shown in the page; reading it is the letterbox's read, as for a download. */
  @Get(':id/document')
  @SignedInOnly('citizen')
  async document(
    @Page() page: PageContext,
    @Param('id') id: string,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const { token } = sessionOf(page);
    const before = await this.read(page, id);
    if (before.contentType !== 'text/plain') return redirectTo(reply, `/letters/${id}/content`);
    let text: string;
    try {
      const content = await this.api.bytes('letterbox', `letters/${id}/content`, token);
      text = new TextDecoder('utf-8').decode(content.bytes);
    } catch (error) {
      // 409: retention removed the content; the letter's page says so.
      if (error instanceof ApiProblem && error.status === 409) {
        return redirectTo(reply, `/letters/${id}`);
      }
      throw error;
    }
    // Read again: the opening may have changed the state (AVAILABLE → READ).
    const letter = await this.read(page, id);
    const t = LETTERS.in(page.language);
    return sendPage(reply, page, {
      title: t('documentTitle', { subject: letter.subject }),
      body: textDocumentBody(page, letter, text),
      styles: STYLES,
    });
  }

  /** The document's bytes, served by the portal with the letterbox's type and disposition. */
  @Get(':id/content')
  @SignedInOnly('citizen')
  async content(
    @Page() page: PageContext,
    @Param('id') id: string,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    if (!LETTER_ID.test(id)) throw new NotFoundException();
    const { token } = sessionOf(page);
    let content;
    try {
      content = await this.api.bytes('letterbox', `letters/${id}/content`, token);
    } catch (error) {
      if (error instanceof ApiProblem && error.status === 409) {
        return redirectTo(reply, `/letters/${id}`);
      }
      throw error;
    }
    const headers = documentHeaders(
      content.contentType,
      content.headers.get('content-disposition'),
    );
    const sha256 = content.headers.get('x-content-sha256');
    return reply
      .status(200)
      .headers({
        'content-type': headers.contentType,
        'content-disposition': headers.disposition,
        'x-content-type-options': 'nosniff',
        'cache-control': 'private, no-store',
        'referrer-policy': 'no-referrer',
        // The document is data, never a page of the portal: no script, no form, no framing.
        'content-security-policy':
          "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; object-src 'self'; frame-ancestors 'self'",
        ...(sha256 === null ? {} : { 'x-content-sha256': sha256 }),
      })
      .send(content.bytes);
  }

  @Post(':id/receipt')
  @SignedInOnly('citizen')
  async confirmReceipt(
    @Page() page: PageContext,
    @Param('id') id: string,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    if (!LETTER_ID.test(id)) throw new NotFoundException();
    const { token } = sessionOf(page);
    try {
      await this.api.json<Letter>('letterbox', 'POST', `letters/${id}/receipt`, token);
    } catch (error) {
      if (error instanceof ApiProblem && error.status === 409) {
        const letter = await this.read(page, id);
        const code = typeof error.body['code'] === 'string' ? error.body['code'] : undefined;
        return this.render(
          reply,
          page,
          letter,
          { kind: 'refused', code, detail: error.detail ?? error.title },
          409,
        );
      }
      throw error;
    }
    return redirectTo(reply, `/letters/${id}?receipt=confirmed`);
  }

  private async read(page: PageContext, id: string): Promise<Letter> {
    // A malformed id names no one's letter: the same page as someone else's.
    if (!LETTER_ID.test(id)) throw new NotFoundException();
    const { token } = sessionOf(page);
    return (await this.api.json<Letter>('letterbox', 'GET', `letters/${id}`, token)).body;
  }

  private render(
    reply: FastifyReply,
    page: PageContext,
    letter: Letter,
    outcome: ReceiptOutcome,
    status = 200,
  ): FastifyReply {
    const t = LETTERS.in(page.language);
    return sendPage(
      reply,
      page,
      {
        title: t('letterTitle', { subject: letter.subject }),
        body: letterBody(page, letter, outcome),
        styles: STYLES,
      },
      status,
    );
  }
}
