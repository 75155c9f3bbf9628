import {
  Body,
  Controller,
  Get,
  Inject,
  Logger,
  Post,
  Query,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

import { mintToken } from '@gov/platform-auth';

import { ApiClient, ApiProblem } from '../api/api-client';
import { html } from '../html/html';
import type { PageContext } from '../http/page-context';
import { LANGUAGE_COOKIE, Page, PageGuard, safeNext } from '../http/page-context';
import { PageErrorFilter, clearSession } from '../http/page-error.filter';
import { redirectTo, sendPage } from '../http/render';
import { languageOf } from '../i18n/i18n';
import { csrfField, errorSummary, formValue, textField, NO_ERRORS } from '../layout/forms';
import type { FieldErrors } from '../layout/forms';
import type { PortalConfig } from '../portal.config';
import { PORTAL_CONFIG } from '../portal.tokens';
import { SESSION_COOKIE, SessionSealer, newSessionId } from '../session/session';
import type { Session, SignedIn } from '../session/session';
import { readDemoIdentities } from './demo-identities';
import { SIGN_IN } from './sign-in.messages';

const NATIONAL_ID = /^\d{13}$/;
const OPERATOR_ID = /^[\w.@-]{1,64}$/;

/** The part of a person's record the portal greets them with. */
interface PersonName {
  readonly givenNames: string;
  readonly familyName: string;
}

/**
 * Local sign-in: the person picks a demo identity or types a national identification number;
 * the portal mints a token with the platform's signing key, exactly as `npm run token` does,
 * and keeps it in the sealed session cookie. The language switch lives here too.
 */
@ApiExcludeController()
@Controller()
@UseGuards(PageGuard)
@UseFilters(PageErrorFilter)
export class SignInController {
  private readonly logger = new Logger('SignIn');

  constructor(
    @Inject(PORTAL_CONFIG) private readonly config: PortalConfig,
    @Inject(SessionSealer) private readonly sealer: SessionSealer,
    @Inject(ApiClient) private readonly api: ApiClient,
  ) {}

  @Get('sign-in')
  signInPage(
    @Page() page: PageContext,
    @Query('next') next: unknown,
    @Query('expired') expired: unknown,
    @Res() reply: FastifyReply,
  ): FastifyReply {
    return this.render(reply, page, safeNext(next), expired === '1', NO_ERRORS, {});
  }

  @Post('sign-in')
  async signIn(
    @Page() page: PageContext,
    @Body() body: unknown,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const t = SIGN_IN.in(page.language);
    const next = safeNext(formValue(body, 'next'));
    const role = formValue(body, 'role');
    const values = {
      nationalId: formValue(body, 'nationalId').trim(),
      subject: formValue(body, 'subject').trim(),
    };
    if (role === 'operator') {
      if (!OPERATOR_ID.test(values.subject)) {
        return this.render(
          reply,
          page,
          next,
          false,
          new Map([['subject', t('operatorIdInvalid')]]),
          values,
          400,
        );
      }
      const user: SignedIn = {
        role: 'operator',
        subject: values.subject,
        displayName: values.subject,
      };
      return this.start(reply, user, await this.mint(user), next);
    }
    if (!NATIONAL_ID.test(values.nationalId)) {
      return this.render(
        reply,
        page,
        next,
        false,
        new Map([['nationalId', t('nationalIdInvalid')]]),
        values,
        400,
      );
    }
    const provisional: SignedIn = {
      role: 'citizen',
      nationalId: values.nationalId,
      displayName: values.nationalId,
    };
    const token = await this.mint(provisional);
    let person: PersonName;
    try {
      person = (
        await this.api.json<PersonName>('registry', 'GET', `persons/${values.nationalId}`, token)
      ).body;
    } catch (error) {
      // 400: the check digits do not hold (the registry checks them); 404: no such person.
      if (error instanceof ApiProblem && error.status === 400) {
        return this.render(
          reply,
          page,
          next,
          false,
          new Map([['nationalId', t('nationalIdInvalid')]]),
          values,
          400,
        );
      }
      if (error instanceof ApiProblem && error.status === 404) {
        return this.render(
          reply,
          page,
          next,
          false,
          new Map([['nationalId', t('nationalIdUnknown')]]),
          values,
          400,
        );
      }
      throw error;
    }
    const user: SignedIn = {
      role: 'citizen',
      nationalId: values.nationalId,
      displayName: `${person.givenNames} ${person.familyName}`,
    };
    return this.start(reply, user, token, next);
  }

  @Post('sign-out')
  signOut(@Res() reply: FastifyReply): FastifyReply {
    // No anti-forgery check: signing out someone else's browser only costs them a sign-in.
    return clearSession(redirectTo(reply, '/sign-in'));
  }

  @Get('language')
  language(
    @Query('lang') lang: unknown,
    @Query('next') next: unknown,
    @Res() reply: FastifyReply,
  ): FastifyReply {
    const language = languageOf(lang);
    if (language !== undefined) {
      void reply.header(
        'set-cookie',
        `${LANGUAGE_COOKIE}=${language}; Path=/; Max-Age=31536000; SameSite=Lax${this.config.secureCookies ? '; Secure' : ''}`,
      );
    }
    return redirectTo(reply, safeNext(next));
  }

  private async mint(user: SignedIn): Promise<string> {
    const { signingKeyFile, issuer, audience } = this.config.signIn;
    return mintToken(signingKeyFile, {
      role: user.role,
      subject: user.role === 'citizen' ? user.nationalId : user.subject,
      issuer,
      audience,
      expiresIn: `${this.config.sessionMinutes}m`,
    });
  }

  private start(reply: FastifyReply, user: SignedIn, token: string, next: string): FastifyReply {
    const session: Session = {
      user,
      token,
      expiresAt: Date.now() + this.config.sessionMinutes * 60_000,
      id: newSessionId(),
    };
    const cookie =
      `${SESSION_COOKIE}=${this.sealer.seal(session)}; Path=/; HttpOnly; SameSite=Lax; ` +
      `Max-Age=${this.config.sessionMinutes * 60}${this.config.secureCookies ? '; Secure' : ''}`;
    void reply.header('set-cookie', cookie);
    return redirectTo(reply, next);
  }

  private render(
    reply: FastifyReply,
    page: PageContext,
    next: string,
    expired: boolean,
    errors: FieldErrors,
    values: Readonly<Record<string, string>>,
    status = 200,
  ): FastifyReply {
    const t = SIGN_IN.in(page.language);
    const demos = readDemoIdentities(this.config.signIn.demoFile, (message) => {
      this.logger.warn(message);
    });
    const hidden = html`<input type="hidden" name="next" value="${next}" />${csrfField(page)}`;
    const body = html` ${expired ? html`<p class="notice" role="status">${t('expired')}</p>` : ''}
      <p>${t('intro')}</p>
      ${errorSummary(page, errors, { nationalId: t('nationalId'), subject: t('operatorId') })}
      <section aria-labelledby="demo-title">
        <h2 id="demo-title">${t('demoTitle')}</h2>
        ${
          demos.length === 0
            ? html`<p>${t('demoNone')}</p>`
            : html`<ul class="cards">
                ${demos.map(
                  (identity) =>
                    html`<li class="card">
                      <form method="post" action="/sign-in">
                        ${hidden}
                        <input type="hidden" name="role" value="${identity.role}" />
                        ${
                          identity.role === 'citizen'
                            ? html`<input
                                type="hidden"
                                name="nationalId"
                                value="${identity.nationalId}"
                              />`
                            : html`<input
                                type="hidden"
                                name="subject"
                                value="${identity.subject}"
                              />`
                        }
                        <p class="card-title">
                          ${identity.name}
                          <span class="tag"
                            >${identity.role === 'citizen' ? t('roleCitizen') : t('roleOperator')}</span
                          >
                        </p>
                        ${identity.description.length > 0 ? html`<p>${identity.description}</p>` : ''}
                        <button type="submit">${t('signInAs', { name: identity.name })}</button>
                      </form>
                    </li>`,
                )}
              </ul>`
        }
      </section>
      <section aria-labelledby="citizen-title">
        <h2 id="citizen-title">${t('citizenTitle')}</h2>
        <form method="post" action="/sign-in" novalidate>
          ${hidden}
          <input type="hidden" name="role" value="citizen" />
          ${textField(page, errors, {
            name: 'nationalId',
            label: t('nationalId'),
            hint: t('nationalIdHint'),
            value: values['nationalId'],
            required: true,
            autocomplete: 'off',
          })}
          <button type="submit">${t('title')}</button>
        </form>
      </section>
      <section aria-labelledby="operator-title">
        <h2 id="operator-title">${t('operatorTitle')}</h2>
        <form method="post" action="/sign-in" novalidate>
          ${hidden}
          <input type="hidden" name="role" value="operator" />
          ${textField(page, errors, {
            name: 'subject',
            label: t('operatorId'),
            value: values['subject'],
            required: true,
            autocomplete: 'username',
          })}
          <button type="submit">${t('title')}</button>
        </form>
      </section>`;
    return sendPage(reply, page, { title: t('title'), body }, status);
  }
}
