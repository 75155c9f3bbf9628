import { join } from 'node:path';

import { ensureLocalSigningKeys } from '@gov/platform-auth';
import type { LocalSigningKeys } from '@gov/platform-auth';
import { cacheDir } from '@gov/platform-infra';

/** Issuer and audience of the local platform's tokens (a deployment uses its IdP's). */
export const LOCAL_ISSUER = 'backbone-local';
export const LOCAL_AUDIENCE = 'backbone';

/** The local signing key pair, created on first use in `.cache/auth/`. */
export function localSigningKeys(): Promise<LocalSigningKeys> {
  return ensureLocalSigningKeys(join(cacheDir(), 'auth'));
}

/** Environment that points a service at the local keys. */
export function localAuthEnv(keys: LocalSigningKeys): Record<string, string> {
  return {
    AUTH_JWKS_FILE: keys.jwksFile,
    DATA_KEK_FILE: keys.keyEncryptionKeyFile,
    AUTH_ISSUER: LOCAL_ISSUER,
    AUTH_AUDIENCE: LOCAL_AUDIENCE,
  };
}
