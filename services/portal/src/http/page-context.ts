// What every page handler gets about its request: the person's language, their session (if
// signed in), the anti-forgery token for its forms, and where it is. Built once per request
// by the `Page` decorator; the guard has already refused what must not reach the handler.
import { Inject, Injectable, createParamDecorator } from '@nestjs/common';
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { SetMetadata } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import type { SiteRole } from '@gov/platform-config';

import { formatsFor, languageOf, negotiateLanguage } from '../i18n/i18n';
import type { Formats, Language } from '../i18n/i18n';
import type { PortalConfig } from '../portal.config';
import { PORTAL_CONFIG } from '../portal.tokens';
import { SESSION_COOKIE, SessionSealer } from '../session/session';
import type { Session, SignedIn } from '../session/session';

/** The cookie that remembers the person's choice of language (a year). */
export const LANGUAGE_COOKIE = 'portal_lang';

/** The page's request as a handler sees it. */
export interface PageContext {
  readonly language: Language;
  readonly formats: Formats;
  /** Present on pages behind {@link SignedInOnly}. */
  readonly session: Session | undefined;
  /** The anti-forgery token for this session's forms (`_csrf`); empty when signed out. */
  readonly csrf: string;
  /** The path and query of this page, for links that come back to it. */
  readonly here: string;
  /** The site this portal runs on: the embassy's pages say that writes wait for promotion. */
  readonly site: SiteRole;
}

/** A page only a signed-in person may see; `roles` narrows it. */
export const SignedInOnly = (...roles: SignedIn['role'][]): MethodDecorator & ClassDecorator =>
  SetMetadata(SIGNED_IN_ROLES, roles.length === 0 ? ['citizen', 'operator'] : roles);
const SIGNED_IN_ROLES = 'portal:signed-in-roles';

/** Thrown when a page needs a session and the request has none (or an ended one). */
export class SignInRequired extends Error {
  override readonly name = 'SignInRequired';
  constructor(
    /** Where to come back after signing in. */
    readonly next: string,
    /** Whether a session existed and ended (the page then says so). */
    readonly expired: boolean,
  ) {
    super('sign-in required');
  }
}

/** Thrown when the signed-in person's role may not see the page, or a form's token is wrong. */
export class PageForbidden extends Error {
  override readonly name = 'PageForbidden';
}

/** The cookies of a request (RFC 6265 `cookie` header), by name. */
export function cookiesOf(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index <= 0) continue;
    const name = part.slice(0, index).trim();
    const raw = part.slice(index + 1).trim();
    try {
      if (!cookies.has(name)) cookies.set(name, decodeURIComponent(raw));
    } catch {
      // A cookie that is not percent-encoded properly is ignored, like one never sent.
    }
  }
  return cookies;
}

/** A path inside the portal to go back to after signing in; anything else is the home page. */
export function safeNext(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])[^\s]*$/.test(value) ? value : '/';
}

interface PageRequest extends FastifyRequest {
  portalContext?: PageContext;
}

@Injectable()
export class PageGuard implements CanActivate {
  constructor(
    @Inject(SessionSealer) private readonly sealer: SessionSealer,
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(PORTAL_CONFIG) private readonly config: PortalConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<PageRequest>();
    const cookies = cookiesOf(request.headers.cookie);
    const sealed = cookies.get(SESSION_COOKIE);
    const session = this.sealer.open(sealed);
    const language =
      languageOf(cookies.get(LANGUAGE_COOKIE)) ??
      negotiateLanguage(request.headers['accept-language']);
    const here = request.url;
    request.portalContext = {
      language,
      formats: formatsFor(language),
      session,
      csrf: session === undefined ? '' : this.sealer.csrfToken(session),
      here,
      site: this.config.siteRole,
    };
    const roles = this.reflector.getAllAndOverride<SignedIn['role'][] | undefined>(
      SIGNED_IN_ROLES,
      [context.getHandler(), context.getClass()],
    );
    if (roles === undefined) return true;
    if (session === undefined) {
      throw new SignInRequired(request.method === 'GET' ? here : '/', sealed !== undefined);
    }
    if (!roles.includes(session.user.role)) throw new PageForbidden('not for this role');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      const body = request.body as Record<string, unknown> | undefined;
      if (!this.sealer.checkCsrf(session, body?.['_csrf'])) {
        throw new PageForbidden('the form is not from this session');
      }
    }
    return true;
  }
}

/** The {@link PageContext} of the request (on handlers behind {@link PageGuard}). */
export const Page = createParamDecorator((_: unknown, context: ExecutionContext): PageContext => {
  const page = context.switchToHttp().getRequest<PageRequest>().portalContext;
  if (page === undefined) throw new Error('Page used on a route without PageGuard');
  return page;
});

/** The session of a page behind {@link SignedInOnly}. */
export function sessionOf(page: PageContext): Session {
  if (page.session === undefined) throw new SignInRequired(page.here, false);
  return page.session;
}

/**
 * Headers of every page: no caching of personal data, a strict content security policy (scripts
 * and styles only from the portal itself, no inline script, no framing), no referrer leaving.
 */
export function pageHeaders(reply: FastifyReply): FastifyReply {
  return reply.headers({
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy':
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
      "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
  });
}
