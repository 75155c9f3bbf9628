import { randomUUID } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

import {
  CompactSign,
  calculateJwkThumbprint,
  compactVerify,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
} from 'jose';
import type { CryptoKey, JSONWebKeySet, JWK } from 'jose';

/** The JWS `typ` of a signed tree head. */
export const TREE_HEAD_TYPE = 'gov.audit.sth+jws';

/**
 * A tree head as signed: RFC 9162's TreeHeadDataV2 fields as JSON, `root_hash` in base64url.
 * `timestamp` is milliseconds since the epoch, as in RFC 9162.
 */
export interface TreeHeadPayload {
  readonly tree_size: number;
  readonly timestamp: number;
  readonly root_hash: string;
}

/** A signed tree head: the fields and the compact JWS over them. */
export interface SignedTreeHead extends TreeHeadPayload {
  readonly key_id: string;
  readonly jws: string;
}

/** Signs tree heads with the audit service's Ed25519 key and publishes its public half. */
export class TreeHeadSigner {
  private constructor(
    private readonly privateKey: CryptoKey,
    /** The key's id (its RFC 7638 thumbprint), in every JWS header. */
    readonly keyId: string,
    private readonly publicJwk: JWK,
  ) {}

  /**
   * The signer of the private JWK in `file`. With `create`, a missing file is first generated
   * (local development: both sites of `npm start` point at the same file, and of two processes
   * racing to create it, the first link wins and the other reads it).
   */
  static async fromFile(file: string, create: boolean): Promise<TreeHeadSigner> {
    if (!existsSync(file)) {
      if (!create) throw new Error(`the tree head signing key ${file} does not exist`);
      await createKeyFile(file);
    }
    const jwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
    if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.d !== 'string') {
      throw new Error(`${file} is not an Ed25519 private JWK`);
    }
    const publicJwk: JWK = { kty: jwk.kty, crv: jwk.crv, x: jwk.x };
    const keyId = await calculateJwkThumbprint(publicJwk);
    const key = await importJWK(jwk, 'EdDSA');
    if (key instanceof Uint8Array) throw new Error(`${file} is not an asymmetric key`);
    return new TreeHeadSigner(key, keyId, {
      kty: publicJwk.kty,
      crv: publicJwk.crv,
      x: publicJwk.x,
      kid: keyId,
      alg: 'EdDSA',
      use: 'sig',
    });
  }

  /** The JWKS that verifies this signer's tree heads (`GET /.well-known/jwks.json`). */
  jwks(): JSONWebKeySet {
    return { keys: [{ ...this.publicJwk }] };
  }

  /** Signs a tree head. */
  async sign(payload: TreeHeadPayload): Promise<SignedTreeHead> {
    const body = {
      tree_size: payload.tree_size,
      timestamp: payload.timestamp,
      root_hash: payload.root_hash,
    };
    const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(body)))
      .setProtectedHeader({ alg: 'EdDSA', kid: this.keyId, typ: TREE_HEAD_TYPE })
      .sign(this.privateKey);
    return { ...body, key_id: this.keyId, jws };
  }
}

async function createKeyFile(file: string): Promise<void> {
  mkdirSync(dirname(file), { recursive: true });
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const staging = `${file}.${randomUUID()}.tmp`;
  writeFileSync(staging, `${JSON.stringify(await exportJWK(privateKey), null, 2)}\n`, {
    mode: 0o600,
  });
  try {
    // link() fails when the file exists: exactly one creator wins.
    linkSync(staging, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(staging, { force: true });
  }
}

/** Why a signed tree head does not verify. */
export class TreeHeadSignatureError extends Error {
  override readonly name = 'TreeHeadSignatureError';
}

/**
 * Verifies a signed tree head's JWS against a JWKS, offline, and returns the payload it signs.
 *
 * @throws {@link TreeHeadSignatureError} for a bad signature, an unknown key, another `typ`
 *   or a payload that is not a tree head.
 */
export async function verifyTreeHead(jws: string, jwks: JSONWebKeySet): Promise<TreeHeadPayload> {
  let payload: Uint8Array;
  try {
    const verified = await compactVerify(jws, createLocalJWKSet(jwks), { algorithms: ['EdDSA'] });
    if (verified.protectedHeader.typ !== TREE_HEAD_TYPE) {
      throw new TreeHeadSignatureError(`the JWS is a ${verified.protectedHeader.typ ?? '?'}`);
    }
    payload = verified.payload;
  } catch (error) {
    if (error instanceof TreeHeadSignatureError) throw error;
    throw new TreeHeadSignatureError(
      `the signature does not verify with the published keys (${error instanceof Error ? error.message : String(error)})`,
      { cause: error },
    );
  }
  const body = JSON.parse(new TextDecoder().decode(payload)) as Partial<TreeHeadPayload>;
  if (
    !Number.isSafeInteger(body.tree_size) ||
    (body.tree_size ?? -1) < 0 ||
    !Number.isSafeInteger(body.timestamp) ||
    typeof body.root_hash !== 'string'
  ) {
    throw new TreeHeadSignatureError('the signed payload is not a tree head');
  }
  return body as TreeHeadPayload;
}
