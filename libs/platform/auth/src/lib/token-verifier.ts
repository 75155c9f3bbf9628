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
  /**
   * How long a verified token is answered from memory, in milliseconds (default 60 000; 0
   * turns the cache off). Never past the token's own expiry; a key withdrawn from the JWKS stops
   * a cached token within this time.
   */
  readonly verifiedCacheMs?: number;
  /** Tokens the cache holds at most (default 10 000; the oldest go first). */
  readonly verifiedCacheSize?: number;
  /** The clock, in milliseconds since the epoch (tests). */
  readonly now?: () => number;
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

/** A verified token's principal, answered from memory until `until` (ms since the epoch). */
interface Verified {
  readonly principal: Principal;
  readonly until: number;
}

/**
 * Verifies bearer tokens (JWS, compact) and turns them into {@link Principal}s.
 *
 * A client sends the same token with every request until it expires, and an Ed25519 signature
 * check is a tenth of a millisecond of CPU: a token that verified is remembered, keyed by its
 * exact text, for at most `verifiedCacheMs` and never past its `exp` (with the clock
 * tolerance). Only successes are remembered; a refused token is checked again every time.
 */
export class TokenVerifier {
  private readonly getKey: JWTVerifyGetKey;
  private readonly verified = new Map<string, Verified>();
  private readonly cacheMs: number;
  private readonly cacheSize: number;
  private readonly toleranceSeconds: number;
  private readonly now: () => number;

  constructor(private readonly options: TokenVerifierOptions) {
    this.getKey = keyResolver(options.keys);
    this.cacheMs = options.verifiedCacheMs ?? 60_000;
    this.cacheSize = options.verifiedCacheSize ?? 10_000;
    this.toleranceSeconds = options.clockToleranceSeconds ?? 30;
    this.now = options.now ?? Date.now;
  }

  /** @throws {@link TokenRejectedError} for any token that is not valid for this platform. */
  async verify(token: string): Promise<Principal> {
    const now = this.now();
    const known = this.verified.get(token);
    if (known) {
      if (now < known.until) return known.principal;
      this.verified.delete(token);
    }
    try {
      const { payload } = await jwtVerify<PlatformClaims>(token, this.getKey, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: ALGORITHMS,
        clockTolerance: this.toleranceSeconds,
        currentDate: new Date(now),
        requiredClaims: ['sub', 'exp'],
      });
      const principal = principalFromClaims(payload);
      this.remember(token, principal, (payload.exp ?? 0) + this.toleranceSeconds, now);
      return principal;
    } catch (error) {
      throw translateJoseError(error);
    }
  }

  private remember(token: string, principal: Principal, expSeconds: number, now: number): void {
    if (this.cacheMs <= 0 || this.cacheSize <= 0) return;
    if (this.verified.size >= this.cacheSize) {
      // Maps iterate in insertion order: the first key is the oldest.
      const oldest = this.verified.keys().next();
      if (!oldest.done) this.verified.delete(oldest.value);
    }
    this.verified.set(token, { principal, until: Math.min(now + this.cacheMs, expSeconds * 1000) });
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
