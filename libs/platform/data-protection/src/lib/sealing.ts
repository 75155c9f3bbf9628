import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * The sealed form, version 1: `0x01 ‖ nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes)`, AES-256-GCM
 * with the caller's associated data. The leading version byte lets a later format (another
 * cipher, a longer nonce) sit beside this one in a log that is kept forever.
 */
const FORMAT_V1 = 0x01;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Bytes of an AES-256 key. */
export const KEY_BYTES = 32;

/** Sealed bytes that do not open: altered, truncated, under another key or other context. */
export class SealedDataError extends Error {
  override readonly name = 'SealedDataError';
}

/**
 * Encrypts `plaintext` under `key` (AES-256-GCM, a random 96-bit nonce per call). `context` is
 * bound as associated data: the bytes open only with the same context, so sealed data cannot be
 * moved to another event, stream or key id without detection.
 */
export function seal(key: Uint8Array, plaintext: Uint8Array, context: string): Uint8Array {
  checkKey(key);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.of(FORMAT_V1), nonce, body, cipher.getAuthTag()]);
}

/**
 * Decrypts what {@link seal} produced with the same key and context.
 *
 * @throws {@link SealedDataError} when the bytes are not a sealed form this code knows, or do not
 *   authenticate (altered bytes, another key, another context).
 */
export function open(key: Uint8Array, sealed: Uint8Array, context: string): Uint8Array {
  checkKey(key);
  if (sealed.length < 1 + NONCE_BYTES + TAG_BYTES) {
    throw new SealedDataError(`sealed data of ${sealed.length} bytes is too short`);
  }
  if (sealed[0] !== FORMAT_V1) {
    throw new SealedDataError(`unknown sealed format ${sealed[0] ?? 'none'}`);
  }
  const nonce = sealed.subarray(1, 1 + NONCE_BYTES);
  const body = sealed.subarray(1 + NONCE_BYTES, sealed.length - TAG_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch (error) {
    throw new SealedDataError('sealed data does not authenticate under this key and context', {
      cause: error,
    });
  }
}

/**
 * The associated data of a sealed field: its parts joined by NUL, which none of them contains
 * (ids and type names), so different parts never give the same context.
 */
export function sealingContext(...parts: readonly string[]): string {
  for (const part of parts) {
    if (part.includes('\0')) throw new TypeError('a sealing context part contains NUL');
  }
  return parts.join('\0');
}

function checkKey(key: Uint8Array): void {
  if (key.length !== KEY_BYTES) {
    throw new TypeError(`an AES-256 key has ${KEY_BYTES} bytes, not ${key.length}`);
  }
}
