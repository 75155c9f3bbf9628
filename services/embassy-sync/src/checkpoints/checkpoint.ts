// Signed checkpoints: the primary's word, at a log position, on the digest of a service's
// state. Ed25519 over a canonical JSON text, so that any implementation can check them.
import { createHash, createPublicKey, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

import { z } from 'zod';

/** What the primary signs. */
export interface CheckpointPayload {
  /** The service whose log it is (`registry`). */
  readonly service: string;
  /** The gapless log position the digest covers, decimal. */
  readonly position: string;
  /** The service's state digest at `position`: `sha256:` and 64 hex digits. */
  readonly digest: string;
  /** When the primary signed it (ISO 8601, UTC). */
  readonly signedAt: string;
}

/** A checkpoint as it travels on `platform.checkpoints.v1` (JSON, key = service). */
export interface SignedCheckpoint {
  readonly payload: CheckpointPayload;
  /** Ed25519 signature of {@link canonicalPayload}, base64. */
  readonly signature: string;
  /** Which key signed it: see {@link keyIdOf}. */
  readonly keyId: string;
}

/** A key pair that signs checkpoints, with its id. */
export interface CheckpointSigner {
  readonly privateKey: KeyObject;
  readonly keyId: string;
}

/** A public key that verifies checkpoints, with its id. */
export interface CheckpointVerifierKey {
  readonly publicKey: KeyObject;
  readonly keyId: string;
}

/** Why a well-formed checkpoint was not accepted. */
export type SignatureProblem = 'unknown-key' | 'bad-signature';

/** A checkpoint record that is not a checkpoint at all. */
export class CheckpointDecodeError extends Error {
  override readonly name = 'CheckpointDecodeError';
}

const POSITION = /^(0|[1-9]\d{0,18})$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const SERVICE = /^[a-z][a-z0-9-]*$/;
/** 64 signature bytes in base64. */
const SIGNATURE = /^[A-Za-z0-9+/]{86}==$/;

const signedCheckpointSchema = z.strictObject({
  payload: z.strictObject({
    service: z.string().regex(SERVICE),
    position: z.string().regex(POSITION),
    digest: z.string().regex(DIGEST),
    signedAt: z.iso.datetime(),
  }),
  signature: z.string().regex(SIGNATURE),
  keyId: z.string().min(1).max(200),
});

/**
 * The exact text that is signed: the payload's four members in this order, as JSON without
 * whitespace. Rebuilt from the parsed members on verification, so that neither member order
 * nor extra members in the record can change what a signature covers.
 */
export function canonicalPayload(payload: CheckpointPayload): string {
  return JSON.stringify({
    service: payload.service,
    position: payload.position,
    digest: payload.digest,
    signedAt: payload.signedAt,
  });
}

/** `ed25519:` and the first 16 hex digits of the SHA-256 of the public key (SPKI DER). */
export function keyIdOf(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return `ed25519:${createHash('sha256').update(der).digest('hex').slice(0, 16)}`;
}

export function signCheckpoint(
  payload: CheckpointPayload,
  signer: CheckpointSigner,
): SignedCheckpoint {
  const signature = sign(null, Buffer.from(canonicalPayload(payload), 'utf8'), signer.privateKey);
  return { payload, signature: signature.toString('base64'), keyId: signer.keyId };
}

/** Checks a checkpoint's key id and signature; `undefined` when it is genuine. */
export function signatureProblem(
  checkpoint: SignedCheckpoint,
  key: CheckpointVerifierKey,
): SignatureProblem | undefined {
  if (checkpoint.keyId !== key.keyId) return 'unknown-key';
  const genuine = verify(
    null,
    Buffer.from(canonicalPayload(checkpoint.payload), 'utf8'),
    key.publicKey,
    Buffer.from(checkpoint.signature, 'base64'),
  );
  return genuine ? undefined : 'bad-signature';
}

export function encodeCheckpoint(checkpoint: SignedCheckpoint): Buffer {
  return Buffer.from(JSON.stringify(checkpoint), 'utf8');
}

/** @throws {@link CheckpointDecodeError} for anything but a well-formed checkpoint record. */
export function decodeCheckpoint(bytes: Buffer): SignedCheckpoint {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new CheckpointDecodeError('the record is not JSON');
  }
  const parsed = signedCheckpointSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CheckpointDecodeError(
      `the record is not a signed checkpoint: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`,
    );
  }
  return parsed.data;
}
