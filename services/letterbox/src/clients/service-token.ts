import { readFile } from 'node:fs/promises';

import { mintToken } from '@gov/platform-auth';

import type { ServiceTokenSource } from '../letterbox.config';

/** Lifetime of a token minted with the local key, and when it is replaced. */
const MINTED_LIFETIME_S = 15 * 60;
const MINTED_RENEW_AFTER_MS = 10 * 60_000;
/** How long a token file's contents are reused before the file is read again. */
const TOKEN_FILE_TTL_MS = 30_000;

/**
 * The letterbox's own agency token (organisation `letterbox`), with which it asks the registry
 * who manages a business: given as is, read from a (rotated) file, or minted for itself with
 * the local platform's key.
 */
export class LetterboxServiceToken {
  private cached: { token: string; until: number } | undefined;

  constructor(
    private readonly source: ServiceTokenSource,
    private readonly claims: { readonly issuer: string; readonly audience: string },
  ) {}

  async get(): Promise<string> {
    if (this.source.kind === 'token') return this.source.token;
    const now = Date.now();
    if (this.cached && now < this.cached.until) return this.cached.token;
    const token =
      this.source.kind === 'token-file'
        ? (await readFile(this.source.path, 'utf8')).trim()
        : await mintToken(this.source.privateKeyFile, {
            role: 'agency',
            subject: 'letterbox',
            organisationId: 'letterbox',
            issuer: this.claims.issuer,
            audience: this.claims.audience,
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
