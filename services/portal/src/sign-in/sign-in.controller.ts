import {
  Body,
  Get,
  Inject,
  Logger,
  NotFoundException,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { mintToken } from '@gov/platform-auth';

import { ApiClient, ApiProblem } from '../api/api-client';
import { html } from '../html/html';
import type { PageContext } from '../http/page-context';
import { PageController } from '../http/page-controller';
import { LANGUAGE_COOKIE, Page, cookiesOf, safeNext } from '../http/page-context';
import { clearSession } from '../http/page-error.filter';
import { redirectTo, sendPage } from '../http/render';
import { languageOf } from '../i18n/i18n';
import { csrfField, errorSummary, formValue, textField, NO_ERRORS } from '../layout/forms';
import type { FieldErrors } from '../layout/forms';
import type { PortalConfig } from '../portal.config';
import { PORTAL_CONFIG } from '../portal.tokens';
import { SESSION_COOKIE, SessionSealer, newSessionId } from '../session/session';
import type { Session, SignedIn } from '../session/session';
import { readDemoIdentities } from './demo-identities';
import { OidcSignIn, SIGN_IN_COOKIE, SIGN_IN_MINUTES, SignInFailed } from './oidc-sign-in';
import type { SignInTransaction, SignedInWithProvider } from './oidc-sign-in';
import { SIGN_IN } from './sign-in.messages';

const NATIONAL_ID = /^\d{13}$/;
const OPERATOR_ID = /^[\w.@-]{1,64}$/;

/** The part of a person's record the portal greets them with. */
interface PersonName {
  readonly givenNames: string;
  readonly familyName: string;
}

/**
 * Signing in and out. Locally, the person picks a demo identity or types a national
 * identification number and the portal mints a token with the platform's signing key, exactly
 * as `npm run token` does. In a deployment, OpenID Connect (see `OidcSignIn`). Either way the
 * token goes into the sealed session cookie. The language switch lives here too.
 */
@PageController()
export class SignInController {
  private readonly logger = new Logger('SignIn');

  constructor(
    @Inject(PORTAL_CONFIG) private readonly config: PortalConfig,
    @Inject(SessionSealer) private readonly sealer: SessionSealer,
    @Inject(ApiClient) private readonly api: ApiClient,
    @Inject(OidcSignIn) private readonly oidc: OidcSignIn,
  ) {}

  @Get('sign-in')
  signInPage(
    @Page() page: PageContext,
    @Query('next') next: unknown,
    @Query('expired') expired: unknown,
    @Res() reply: FastifyReply,
  ): FastifyReply {
    if (this.config.signIn.kind === 'oidc') {
      return this.providerPage(reply, page, safeNext(next), expired === '1', undefined);
    }
    return this.render(reply, page, safeNext(next), expired === '1', NO_ERRORS, {});
  }

  /** OpenID Connect: sends the person to the identity provider. */
  @Get('sign-in/start')
  async startWithProvider(
    @Query('next') next: unknown,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    if (this.config.signIn.kind !== 'oidc') throw new NotFoundException();
    const { url, transaction } = await this.oidc.start(safeNext(next));
    void reply.header(
      'set-cookie',
      `${SIGN_IN_COOKIE}=${this.sealer.sealJson(transaction, 'sign-in')}; Path=/sign-in; HttpOnly; ` +
        `SameSite=Lax; Max-Age=${SIGN_IN_MINUTES * 60}${this.config.secureCookies ? '; Secure' : ''}`,
    );
    return redirectTo(reply, url.href);
  }

  /** OpenID Connect: the identity provider sends the person back here with a code (or an error). */
  @Get('sign-in/callback')
  async providerCallback(
    @Page() page: PageContext,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const config = this.config.signIn;
    if (config.kind !== 'oidc') throw new NotFoundException();
    const transaction = this.sealer.openJson<SignInTransaction>(
      cookiesOf(request.headers.cookie).get(SIGN_IN_COOKIE),
      'sign-in',
    );
    void reply.header(
      'set-cookie',
      `${SIGN_IN_COOKIE}=; Path=/sign-in; HttpOnly; SameSite=Lax; Max-Age=0`,
    );
    const t = SIGN_IN.in(page.language);
    if (transaction === undefined) {
      return this.providerPage(reply, page, '/', false, t('providerNoTransaction'), 400);
    }
    let signedIn: SignedInWithProvider;
    try {
      signedIn = await this.oidc.finish(new URL(request.url, `${config.publicUrl}/`), transaction);
    } catch (error) {
      if (!(error instanceof SignInFailed)) throw error;
      this.logger.warn({ reason: error.message }, 'sign-in with the identity provider failed');
      return this.providerPage(
        reply,
        page,
        transaction.next,
        false,
        t('providerFailed', { reason: error.message }),
        400,
      );
    }
    let user = signedIn.user;
    if (user.role === 'citizen') {
      // The name from the register (the authentic source), read with the provider's access
      // token: this also proves at once that the services accept the provider's tokens.
      let failure: string | undefined;
      try {
        const person = (
          await this.api.json<PersonName>(
            'registry',
            'GET',
            `persons/${user.nationalId}`,
            signedIn.token,
          )
        ).body;
        user = { ...user, displayName: `${person.givenNames} ${person.familyName}` };
      } catch (error) {
        if (!(error instanceof ApiProblem)) throw error;
        failure =
          error.status === 404 || error.status === 400
            ? t('nationalIdUnknown')
            : error.status === 401 || error.status === 403
              ? t('providerTokenRefused')
              : undefined;
        if (failure === undefined) throw error;
        this.logger.warn(
          { status: error.status, detail: error.detail },
          'the register refused the signed-in person',
        );
      }
      if (failure !== undefined) {
        return this.providerPage(reply, page, transaction.next, false, failure, 400);
      }
    }
    return this.start(reply, user, signedIn.token, transaction.next, signedIn.tokenExpiresAt);
  }

  @Post('sign-in')
  async signIn(
    @Page() page: PageContext,
    @Body() body: unknown,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    // With OpenID Connect the provider signs people in: nobody may name themself here.
    if (this.config.signIn.kind !== 'local') throw new NotFoundException();
    const t = SIGN_IN.in(page.language);
    const next = safeNext(formValue(body, 'next'));
    const role = formValue(body, 'role');
    const values = {
      nationalId: formValue(body, 'nationalId').trim(),
      subject: formValue(body, 'subject').trim(),
    };
    // The form again, with what was typed and the reason next to the field.
    const refuse = (field: 'nationalId' | 'subject', message: string): FastifyReply =>
      this.render(reply, page, next, false, new Map([[field, message]]), values, 400);
    if (role === 'operator') {
      if (!OPERATOR_ID.test(values.subject)) {
        return refuse('subject', t('operatorIdInvalid'));
      }
      const user: SignedIn = {
        role: 'operator',
        subject: values.subject,
        displayName: values.subject,
      };
      return this.start(reply, user, await this.mint(user), next);
    }
    if (!NATIONAL_ID.test(values.nationalId)) {
      return refuse('nationalId', t('nationalIdInvalid'));
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
        return refuse('nationalId', t('nationalIdInvalid'));
      }
      if (error instanceof ApiProblem && error.status === 404) {
        return refuse('nationalId', t('nationalIdUnknown'));
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
    return redirectTo(clearSession(reply), '/sign-in');
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
    const config = this.config.signIn;
    if (config.kind !== 'local') throw new Error('tokens are minted only by the local sign-in');
    const { signingKeyFile, issuer, audience } = config;
    return mintToken(signingKeyFile, {
      role: user.role,
      subject: user.role === 'citizen' ? user.nationalId : user.subject,
      issuer,
      audience,
      expiresIn: `${this.config.sessionMinutes}m`,
    });
  }

  private start(
    reply: FastifyReply,
    user: SignedIn,
    token: string,
    next: string,
    tokenExpiresAt = Number.POSITIVE_INFINITY,
  ): FastifyReply {
    // The session ends with the token, or at the portal's limit if that comes first.
    const expiresAt = Math.min(Date.now() + this.config.sessionMinutes * 60_000, tokenExpiresAt);
    const session: Session = { user, token, expiresAt, id: newSessionId() };
    const maxAge = Math.max(0, Math.floor((expiresAt - Date.now()) / 1000));
    const cookie =
      `${SESSION_COOKIE}=${this.sealer.seal(session)}; Path=/; HttpOnly; SameSite=Lax; ` +
      `Max-Age=${maxAge}${this.config.secureCookies ? '; Secure' : ''}`;
    void reply.header('set-cookie', cookie);
    return redirectTo(reply, next);
  }

  /** The sign-in page with OpenID Connect: one way in, through the identity provider. */
  private providerPage(
    reply: FastifyReply,
    page: PageContext,
    next: string,
    expired: boolean,
    failure: string | undefined,
    status = 200,
  ): FastifyReply {
    const t = SIGN_IN.in(page.language);
    const body = html`${expired ? html`<p class="notice" role="status">${t('expired')}</p>` : ''}
      ${failure === undefined ? '' : html`<div class="error-summary" role="alert"><p>${failure}</p></div>`}
      <p>${t('providerIntro')}</p>
      <p><a class="button" href="/sign-in/start?next=${encodeURIComponent(next)}">${t('providerButton')}</a></p>`;
    return sendPage(reply, page, { title: t('title'), body }, status);
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
    const config = this.config.signIn;
    const demoFile = config.kind === 'local' ? config.demoFile : undefined;
    const demos = readDemoIdentities(demoFile, (message) => {
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
