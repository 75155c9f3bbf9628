import { readFile } from 'node:fs/promises';

import { mintToken } from './local-keys';
import type { TokenRequest } from './local-keys';

/**
 * Where a service's own bearer token comes from, for the calls it makes to other services (the
 * procedures service to the registry, embassy-sync to every service's replication routes):
 * given as is, a file that a deployment's client-credentials tooling keeps fresh, or the local
 * platform's private JWK, with which the service mints its own short-lived tokens.
 */
export type OwnTokenSource =
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'token-file'; readonly path: string }
  | { readonly kind: 'signing-key'; readonly privateKeyFile: string };

/**
 * The source named by whichever of the three settings is given (`token` first), `undefined`
 * when none is. Checking that at most one is given is the configuration's job, which knows the
 * variables' names.
 */
export function ownTokenSource(given: {
  readonly token?: string | undefined;
  readonly tokenFile?: string | undefined;
  readonly signingKeyFile?: string | undefined;
}): OwnTokenSource | undefined {
  if (given.token !== undefined) return { kind: 'token', token: given.token };
  if (given.tokenFile !== undefined) return { kind: 'token-file', path: given.tokenFile };
  if (given.signingKeyFile !== undefined) {
    return { kind: 'signing-key', privateKeyFile: given.signingKeyFile };
  }
  return undefined;
}

/** Lifetime of a token minted with the local key, and when it is replaced. */
const MINTED_LIFETIME_S = 15 * 60;
const MINTED_RENEW_AFTER_MS = 10 * 60_000;
/** How long a token file's contents are reused before the file is read again. */
const TOKEN_FILE_TTL_MS = 30_000;

/**
 * A service's own bearer token from an {@link OwnTokenSource}: a given token as is; a file's
 * contents, read again after 30 s (rotations reach the service without a restart); or a
 * 15-minute token minted with the local key for `claims`, replaced after 10 minutes. A caller
 * that gets 401 calls {@link invalidate} so that the next {@link get} reads or mints anew.
 */
export class OwnToken {
  private cached: { token: string; until: number } | undefined;

  constructor(
    private readonly source: OwnTokenSource,
    /** What a minted token says: role, subject, organisation, issuer and audience. */
    private readonly claims: Omit<TokenRequest, 'expiresIn'>,
    private readonly now: () => number = Date.now,
  ) {}

  async get(): Promise<string> {
    if (this.source.kind === 'token') return this.source.token;
    const now = this.now();
    if (this.cached && now < this.cached.until) return this.cached.token;
    const token =
      this.source.kind === 'token-file'
        ? (await readFile(this.source.path, 'utf8')).trim()
        : await mintToken(this.source.privateKeyFile, {
            ...this.claims,
            expiresIn: `${String(MINTED_LIFETIME_S)}s`,
          });
    this.cached = {
      token,
      until: now + (this.source.kind === 'token-file' ? TOKEN_FILE_TTL_MS : MINTED_RENEW_AFTER_MS),
    };
    return token;
  }

  /** Forgets the cached token: a 401 means it was rotated or expired. */
  invalidate(): void {
    this.cached = undefined;
  }
}
