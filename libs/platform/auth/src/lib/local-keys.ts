import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';

import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK } from 'jose';
import type { JWK } from 'jose';

import { ensureKeyEncryptionKeyFile } from '@gov/platform-data-protection';

import type { PrincipalKind } from './principal';

/** Files of the local platform's token signing key. */
export interface LocalSigningKeys {
  /** Private key (JWK), readable by its owner only. */
  readonly privateKeyFile: string;
  /** Public keys (JWKS) the services verify tokens with. */
  readonly jwksFile: string;
  /**
   * The local platform's key-encryption key (base64), which wraps the per-subject keys of the
   * services that seal personal data (`DATA_KEK_FILE`): one for both local sites, as a
   * deployment mounts one Secret on both.
   */
  readonly keyEncryptionKeyFile: string;
}

/**
 * Creates the local platform's Ed25519 signing key pair in `dir` on first use and returns the
 * files. A deployment does not use this: it verifies tokens against its identity provider's
 * JWKS URL.
 */
export async function ensureLocalSigningKeys(dir: string): Promise<LocalSigningKeys> {
  const keys = {
    privateKeyFile: join(dir, 'signing-key.jwk'),
    jwksFile: join(dir, 'jwks.json'),
    keyEncryptionKeyFile: ensureKeyEncryptionKeyFile(join(dir, 'key-encryption-key')),
  };
  if (existsSync(keys.privateKeyFile) && existsSync(keys.jwksFile)) return keys;
  mkdirSync(dir, { recursive: true });
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', {
    crv: 'Ed25519',
    extractable: true,
  });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const common = { kid, alg: 'EdDSA', use: 'sig' };
  writeAtomically(keys.privateKeyFile, { ...(await exportJWK(privateKey)), ...common }, 0o600);
  writeAtomically(keys.jwksFile, { keys: [{ ...publicJwk, ...common }] }, 0o644);
  return keys;
}

function writeAtomically(file: string, content: unknown, mode: number): void {
  const staging = `${file}.${String(process.pid)}.tmp`;
  writeFileSync(staging, `${JSON.stringify(content, null, 2)}\n`, { mode });
  chmodSync(staging, mode);
  renameSync(staging, file);
}

/** What a locally minted token says. */
export interface TokenRequest {
  readonly role: PrincipalKind;
  readonly subject: string;
  readonly registers?: readonly string[];
  readonly organisationId?: string;
  /** A registrar's own national identification number (claim `national_id`). */
  readonly nationalId?: string;
  readonly issuer: string;
  readonly audience: string;
  /** Lifetime, e.g. `1h`, `15m` (jose time span). */
  readonly expiresIn?: string;
}

/** Signs a token with the local private key, for development, tests and drills. */
export async function mintToken(privateKeyFile: string, request: TokenRequest): Promise<string> {
  const jwk = JSON.parse(readFileSync(privateKeyFile, 'utf8')) as JWK;
  const key = await importJWK(jwk, 'EdDSA');
  return new SignJWT({
    role: request.role,
    ...(request.registers ? { registers: [...request.registers] } : {}),
    ...(request.organisationId ? { org: request.organisationId } : {}),
    ...(request.nationalId ? { national_id: request.nationalId } : {}),
  })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', ...(jwk.kid ? { kid: jwk.kid } : {}) })
    .setSubject(request.subject)
    .setIssuer(request.issuer)
    .setAudience(request.audience)
    .setIssuedAt()
    .setJti(randomUUID())
    .setExpirationTime(request.expiresIn ?? '1h')
    .sign(key);
}
