import { Inject, Injectable, SetMetadata, createParamDecorator } from '@nestjs/common';
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';

import { ApplicationError } from '@gov/platform-chassis';
import type { RateLimitPrincipal } from '@gov/platform-chassis';

import type { Principal, PrincipalKind } from './principal';
import { TokenRejectedError, TokenVerifier } from './token-verifier';

/** The request property where the guard leaves the verified principal. */
const PRINCIPAL = Symbol('principal');
/** The request property holding the verification of its bearer token, once started. */
const VERIFICATION = Symbol('verification');

interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  [PRINCIPAL]?: Principal;
  [VERIFICATION]?: Promise<Principal>;
}

const ROLES = 'platform-auth:roles';

/** Restricts a controller or handler to principals of these kinds (403 for others). */
export const Roles = (...kinds: PrincipalKind[]): MethodDecorator & ClassDecorator =>
  SetMetadata(ROLES, kinds);

/**
 * The principal that {@link AuthGuard} verified for this request, for code that runs after the
 * guard (interceptors, pipes); `undefined` on a route without the guard. Never re-verify the
 * token: the guard already did, once.
 */
export function principalOf(request: object): Principal | undefined {
  return (request as AuthenticatedRequest)[PRINCIPAL];
}

/** The verified principal of the request (use on handlers behind {@link AuthGuard}). */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext) => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>()[PRINCIPAL];
  if (!principal) throw new Error('CurrentPrincipal used on a route without AuthGuard');
  return principal;
});

const CHALLENGE = 'Bearer realm="backbone"';

/**
 * Authenticates every request of the routes it guards: a valid bearer token or 401 (with a
 * `WWW-Authenticate` challenge); then, where {@link Roles} is set, the right kind of principal
 * or 403.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const principal = await verifiedPrincipal(request, this.verifier);
    const allowed = this.reflector.getAllAndOverride<PrincipalKind[] | undefined>(ROLES, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (allowed && !allowed.includes(principal.kind)) {
      throw ApplicationError.forbidden(
        `this operation is open to ${allowed.join(' and ')} tokens, not ${principal.kind}`,
      );
    }
    request[PRINCIPAL] = principal;
    return true;
  }
}

/**
 * The principal of the request's bearer token, verified once per request however many callers
 * ask (the rate limit, then the route's guard): rejects with a 401 {@link ApplicationError}.
 */
export function verifiedPrincipal(request: object, verifier: TokenVerifier): Promise<Principal> {
  const authenticated = request as AuthenticatedRequest;
  authenticated[VERIFICATION] ??= authenticate(authenticated.headers['authorization'], verifier);
  return authenticated[VERIFICATION];
}

async function authenticate(
  header: string | string[] | undefined,
  verifier: TokenVerifier,
): Promise<Principal> {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value === undefined ? null : /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(value.trim());
  if (!match?.[1]) {
    throw ApplicationError.unauthorized(
      'a bearer token is required (Authorization: Bearer <token>)',
      {
        challenge: CHALLENGE,
      },
    );
  }
  try {
    return await verifier.verify(match[1]);
  } catch (error) {
    if (error instanceof TokenRejectedError) {
      throw ApplicationError.unauthorized(error.message, {
        challenge: `${CHALLENGE}, error="invalid_token"`,
      });
    }
    throw error;
  }
}

/**
 * The rate limit's view of a request (see the chassis' `RateLimitGuard`): the verified
 * principal as `kind:subject`, or none for a request without a valid token (limited by its
 * address, and refused by the route's guard if the route needs one).
 */
@Injectable()
export class BearerRateLimitPrincipal implements RateLimitPrincipal {
  constructor(@Inject(TokenVerifier) private readonly verifier: TokenVerifier) {}

  async keyOf(request: object): Promise<string | undefined> {
    const { headers } = request as AuthenticatedRequest;
    if (headers['authorization'] === undefined) return undefined;
    try {
      const principal = await verifiedPrincipal(request, this.verifier);
      return `${principal.kind}:${principal.subject}`;
    } catch {
      // A refused token, or keys that cannot be fetched: the route's guard answers that (from
      // the same verification); a public route ignores the token, as it did without a limit.
      return undefined;
    }
  }
}
