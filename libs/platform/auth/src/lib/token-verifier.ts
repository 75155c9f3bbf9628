import { readFileSync } from 'node:fs';

import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { JSONWebKeySet, JWTVerifyGetKey } from 'jose';

import { InvalidClaimsError, principalFromClaims } from './principal';
import type { PlatformClaims, Principal } from './principal';

/** Where the verification keys come from. */
export type KeySource =
  /** A deployment: the identity provider's JWKS endpoint (fetched, cached, refreshed by kid). */
  | { readonly kind: 'jwks-url'; readonly url: string }
  /** The local platform: the public JWKS file written at first start. */
  | { readonly kind: 'jwks-file'; readonly path: string }
  | { readonly kind: 'jwks'; readonly jwks: JSONWebKeySet };

/** Options of {@link TokenVerifier}. */
export interface TokenVerifierOptions {
  readonly keys: KeySource;
  /** Expected `iss`. */
  readonly issuer: string;
  /** Expected `aud`. */
  readonly audience: string;
  /** Tolerated clock difference, in seconds (default 30). */
  readonly clockToleranceSeconds?: number;
}

/** Why a bearer token was refused. */
export type TokenProblem = 'missing' | 'malformed' | 'expired' | 'bad-signature' | 'invalid-claims';

/** A refused token, with a detail that is safe to show the caller. */
export class TokenRejectedError extends Error {
  constructor(
    readonly problem: TokenProblem,
    detail: string,
  ) {
    super(detail);
    this.name = 'TokenRejectedError';
  }
}

/** Asymmetric algorithms only: a shared secret would let every service mint tokens. */
const ALGORITHMS = ['EdDSA', 'ES256', 'RS256', 'PS256'];

/** Verifies bearer tokens (JWS, compact) and turns them into {@link Principal}s. */
export class TokenVerifier {
  private readonly getKey: JWTVerifyGetKey;

  constructor(private readonly options: TokenVerifierOptions) {
    this.getKey = keyResolver(options.keys);
  }

  /** @throws {@link TokenRejectedError} for any token that is not valid for this platform. */
  async verify(token: string): Promise<Principal> {
    try {
      const { payload } = await jwtVerify<PlatformClaims>(token, this.getKey, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: ALGORITHMS,
        clockTolerance: this.options.clockToleranceSeconds ?? 30,
        requiredClaims: ['sub', 'exp'],
      });
      return principalFromClaims(payload);
    } catch (error) {
      throw translateJoseError(error);
    }
  }
}

function keyResolver(source: KeySource): JWTVerifyGetKey {
  switch (source.kind) {
    case 'jwks-url':
      return createRemoteJWKSet(new URL(source.url), {
        cooldownDuration: 30_000,
        timeoutDuration: 5_000,
      });
    case 'jwks-file':
      return createLocalJWKSet(JSON.parse(readFileSync(source.path, 'utf8')) as JSONWebKeySet);
    case 'jwks':
      return createLocalJWKSet(source.jwks);
    default: {
      const unknown: never = source;
      throw new Error(`unknown key source ${JSON.stringify(unknown)}`);
    }
  }
}

/** The one place that maps jose's errors onto {@link TokenProblem}s. */
function translateJoseError(error: unknown): TokenRejectedError {
  if (error instanceof TokenRejectedError) return error;
  if (error instanceof InvalidClaimsError)
    return new TokenRejectedError('invalid-claims', error.message);
  if (error instanceof errors.JWTExpired)
    return new TokenRejectedError('expired', 'the token has expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    return new TokenRejectedError(
      'invalid-claims',
      `the token's "${error.claim}" claim is not accepted`,
    );
  }
  if (
    error instanceof errors.JWSSignatureVerificationFailed ||
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JOSEAlgNotAllowed
  ) {
    return new TokenRejectedError('bad-signature', 'the token is not signed by a trusted key');
  }
  if (error instanceof errors.JOSEError) {
    return new TokenRejectedError('malformed', 'the token is not a valid signed JWT');
  }
  throw error;
}
