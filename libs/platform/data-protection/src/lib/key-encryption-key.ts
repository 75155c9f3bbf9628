import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

import { KEY_BYTES, open, seal, sealingContext } from './sealing';
import type { KeyLookup, KeyRecord } from './subject-keys';

/**
 * The key that encrypts the per-subject keys at rest (envelope encryption): subject keys are
 * stored and replicated only wrapped under it, so the key table, its backups and the keys topic
 * are useless without it. Both sites hold the same one (a Secret on each cluster), because the
 * embassy unwraps the keys the home site created. It never leaves the process.
 */
export class KeyEncryptionKey {
  private constructor(private readonly key: Buffer) {}

  /** A new random key (a site's first start, tests). */
  static generate(): KeyEncryptionKey {
    return new KeyEncryptionKey(randomBytes(KEY_BYTES));
  }

  /** The key written as base64 (44 characters); surrounding whitespace is ignored. */
  static fromBase64(text: string): KeyEncryptionKey {
    const trimmed = text.trim();
    const key = Buffer.from(trimmed, 'base64');
    if (key.length !== KEY_BYTES || key.toString('base64') !== trimmed) {
      throw new TypeError(`a key-encryption key is ${KEY_BYTES} bytes written as base64`);
    }
    return new KeyEncryptionKey(key);
  }

  /** The key from a file holding its base64 form (a mounted Secret). */
  static fromFile(path: string): KeyEncryptionKey {
    return KeyEncryptionKey.fromBase64(readFileSync(path, 'utf8'));
  }

  /** The base64 form, for writing the key to a file or a Secret. */
  toBase64(): string {
    return this.key.toString('base64');
  }

  /** `dataKey` encrypted for storage, bound to its key id and subject. */
  wrap(dataKey: Uint8Array, keyId: string, subjectId: string): Uint8Array {
    return seal(this.key, dataKey, wrappingContext(keyId, subjectId));
  }

  /**
   * The data key of {@link wrap}'s output.
   *
   * @throws `SealedDataError` when the wrapped key was altered, belongs to another key id or
   *   subject, or was wrapped under another key-encryption key.
   */
  unwrap(wrapped: Uint8Array, keyId: string, subjectId: string): Uint8Array {
    return open(this.key, wrapped, wrappingContext(keyId, subjectId));
  }
}

/**
 * What a stored key record means to a reader: its unwrapped key while it lives, its destruction
 * once destroyed. Both stores answer lookups with it.
 *
 * @throws `SealedDataError` when the wrapped key does not unwrap under `kek`.
 */
export function lookupOf(record: KeyRecord, kek: KeyEncryptionKey): KeyLookup {
  return record.wrappedKey === null
    ? {
        state: 'destroyed',
        keyId: record.keyId,
        subjectId: record.subjectId,
        destroyedAt: record.destroyedAt ?? record.createdAt,
      }
    : {
        state: 'live',
        key: {
          keyId: record.keyId,
          subjectId: record.subjectId,
          key: kek.unwrap(record.wrappedKey, record.keyId, record.subjectId),
        },
      };
}

function wrappingContext(keyId: string, subjectId: string): string {
  return sealingContext('gov.subject-key.v1', keyId, subjectId);
}

/**
 * The local platform's key-encryption key in `path`, created (mode 0600) on first use, so that
 * both local sites and every restart share one. A deployment mounts its own from a Secret.
 */
export function ensureKeyEncryptionKeyFile(path: string): string {
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(path, `${KeyEncryptionKey.generate().toBase64()}\n`, { mode: 0o600, flag: 'wx' });
  }
  return path;
}
