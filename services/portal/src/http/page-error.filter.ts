import { Catch, HttpException, Logger } from '@nestjs/common';
import type { ArgumentsHost, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { ApiProblem, ServiceUnavailable } from '../api/api-client';
import { html } from '../html/html';
import { COMMON } from '../layout/common.messages';
import { SESSION_COOKIE } from '../session/session';
import { PageForbidden, SignInRequired } from './page-context';
import type { PageContext } from './page-context';
import { redirectTo, sendPage } from './render';
import { formatsFor, negotiateLanguage } from '../i18n/i18n';

interface PageRequest extends FastifyRequest {
  portalContext?: PageContext;
}

/** Clears the session cookie (an ended or refused session). */
export function clearSession(reply: FastifyReply): FastifyReply {
  return reply.header(
    'set-cookie',
    `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`,
  );
}

/**
 * Turns what a page handler throws into what a person should see: the sign-in page when the
 * session is missing or the services no longer accept its token, and otherwise a page in the
 * frame (not found, not allowed, a service that does not answer, or an error with the request
 * id to quote). Never a JSON problem: these are pages.
 */
@Catch()
export class PageErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Portal');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<PageRequest>();
    const reply = http.getResponse<FastifyReply>();
    if (error instanceof SignInRequired) {
      const query = new URLSearchParams({ next: error.next });
      if (error.expired) query.set('expired', '1');
      // The cookie goes with the redirect: headers set after sending would be lost.
      void redirectTo(clearSession(reply), `/sign-in?${query.toString()}`);
      return;
    }
    if (error instanceof ApiProblem && error.status === 401) {
      // The token expired or its key was withdrawn: the session is over.
      const next = request.method === 'GET' ? request.url : '/';
      void redirectTo(
        clearSession(reply),
        `/sign-in?${new URLSearchParams({ next, expired: '1' }).toString()}`,
      );
      return;
    }
    const language =
      request.portalContext?.language ?? negotiateLanguage(request.headers['accept-language']);
    const page: PageContext = request.portalContext ?? {
      language,
      formats: formatsFor(language),
      session: undefined,
      csrf: '',
      here: request.url,
      site: 'primary',
    };
    const t = COMMON.in(page.language);
    const back = html`<p><a href="/">${t('backHome')}</a></p>`;
    if (error instanceof PageForbidden || (error instanceof ApiProblem && error.status === 403)) {
      void sendPage(
        reply,
        page,
        {
          title: t('forbiddenTitle'),
          body: html`<p>${t('forbiddenBody')}</p>
            ${back}`,
        },
        403,
      );
      return;
    }
    if (
      (error instanceof ApiProblem && error.status === 404) ||
      (error instanceof HttpException && error.getStatus() === 404)
    ) {
      void sendPage(
        reply,
        page,
        {
          title: t('notFoundTitle'),
          body: html`<p>${t('notFoundBody')}</p>
            ${back}`,
        },
        404,
      );
      return;
    }
    if (error instanceof ApiProblem && error.status === 410) {
      void sendPage(
        reply,
        page,
        {
          title: t('erasedTitle'),
          body: html`<p>${t('erasedBody')}</p>
            ${back}`,
        },
        410,
      );
      return;
    }
    if (
      error instanceof ServiceUnavailable ||
      (error instanceof ApiProblem && error.status === 503)
    ) {
      const service = error instanceof ServiceUnavailable ? error.service : error.service;
      void sendPage(
        reply,
        page,
        {
          title: t('unavailableTitle'),
          body: html`<p>${t('unavailableBody', { service })}</p>
            ${back}`,
        },
        503,
      );
      return;
    }
    const requestId =
      error instanceof ApiProblem && error.requestId !== undefined ? error.requestId : request.id;
    this.logger.error({ err: error, requestId }, 'page failed');
    void sendPage(
      reply,
      page,
      {
        title: t('errorTitle'),
        body: html`<p>${t('errorSupport', { requestId })}</p>
          ${back}`,
      },
      500,
    );
  }
}
