import { Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

import { html } from '../html/html';
import type { PageContext } from '../http/page-context';
import { PageController } from '../http/page-controller';
import { Page, SignInRequired, SignedInOnly } from '../http/page-context';
import { redirectTo, sendPage } from '../http/render';
import { COMMON } from '../layout/common.messages';
import { HOME } from './home.messages';

/** The overview: where each part of the portal is, for a person; the console for operators. */
@PageController()
export class HomeController {
  @Get()
  @SignedInOnly()
  home(@Page() page: PageContext, @Res() reply: FastifyReply): FastifyReply {
    const user = page.session?.user;
    if (user === undefined) throw new SignInRequired('/', false);
    if (user.role === 'operator') return redirectTo(reply, '/console');
    const t = HOME.in(page.language);
    const nav = COMMON.in(page.language);
    const parts = [
      ['/my-data', nav('navMyData'), t('myData')],
      ['/corrections', nav('navCorrections'), t('corrections')],
      ['/procedures', nav('navProcedures'), t('procedures')],
      ['/cases', nav('navCases'), t('cases')],
      ['/letters', nav('navLetters'), t('letters')],
      ['/consents', nav('navConsents'), t('consents')],
      ['/prefill', nav('navPrefill'), t('prefill')],
      ['/access-log', nav('navAccessLog'), t('accessLog')],
      ['/businesses', nav('navBusinesses'), t('businesses')],
    ] as const;
    const body = html`<p>${t('intro')}</p>
      <ul class="cards">
        ${parts.map(
          ([href, name, text]) =>
            html`<li class="card">
              <h2><a href="${href}">${name}</a></h2>
              <p>${text}</p>
            </li>`,
        )}
      </ul>`;
    return sendPage(reply, page, { title: t('title', { name: user.displayName }), body });
  }
}
