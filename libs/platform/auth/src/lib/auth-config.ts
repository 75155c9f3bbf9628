import type { z } from 'zod';

import { envToken, envUrl } from '@gov/platform-config';

import type { KeySource } from './token-verifier';

/** How a service verifies bearer tokens: the `AuthModule`'s options. */
export interface AuthConfig {
  /** Where the token verification keys come from. */
  readonly keys: KeySource;
  readonly issuer: string;
  readonly audience: string;
}

/**
 * The variables of bearer authentication, for a service's zod configuration schema:
 *
 * | variable | |
 * |---|---|
 * | `AUTH_JWKS_URL` | the identity provider's JWKS endpoint (a deployment) |
 * | `AUTH_JWKS_FILE` | or a JWKS file (the local platform); exactly one of the two |
 * | `AUTH_ISSUER` | expected `iss` of bearer tokens; required |
 * | `AUTH_AUDIENCE` | expected `aud`; required |
 *
 * Spread them into the schema's object, call {@link checkAuthVariables} in its `superRefine`
 * and {@link toAuthConfig} in its `transform`.
 */
export function authVariables() {
  return {
    AUTH_JWKS_URL: envUrl({ protocols: ['https', 'http'] }).optional(),
    AUTH_JWKS_FILE: envToken().optional(),
    AUTH_ISSUER: envToken(),
    AUTH_AUDIENCE: envToken(),
  };
}

/** The parsed {@link authVariables}. */
export interface AuthVariables {
  readonly AUTH_JWKS_URL?: string | undefined;
  readonly AUTH_JWKS_FILE?: string | undefined;
  readonly AUTH_ISSUER: string;
  readonly AUTH_AUDIENCE: string;
}

/** Exactly one of `AUTH_JWKS_URL` and `AUTH_JWKS_FILE`: reported on `AUTH_JWKS_URL`. */
export function checkAuthVariables(env: AuthVariables, context: z.RefinementCtx): void {
  if ((env.AUTH_JWKS_URL === undefined) === (env.AUTH_JWKS_FILE === undefined)) {
    context.addIssue({
      code: 'custom',
      path: ['AUTH_JWKS_URL'],
      message: 'set exactly one of AUTH_JWKS_URL and AUTH_JWKS_FILE',
    });
  }
}

/** The {@link AuthConfig} of checked variables. */
export function toAuthConfig(env: AuthVariables): AuthConfig {
  return {
    keys:
      env.AUTH_JWKS_URL === undefined
        ? { kind: 'jwks-file', path: env.AUTH_JWKS_FILE ?? '' }
        : { kind: 'jwks-url', url: env.AUTH_JWKS_URL },
    issuer: env.AUTH_ISSUER,
    audience: env.AUTH_AUDIENCE,
  };
}
