import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

import { KEY_BYTES, SealedDataError, open, seal, sealingContext } from './sealing';
import type { KeyLookup, KeyRecord } from './subject-keys';

/**
 * The key that encrypts the per-subject keys at rest (envelope encryption): subject keys are
 * stored and replicated only wrapped under it, so the key table, its backups and the keys topic
 * are useless without it. Both sites hold the same one (a Secret on each cluster), because the
 * embassy unwraps the keys the home site created. It never leaves the process.
 *
 * Rotation: the file may hold previous keys on the lines after the current one. Keys are
 * wrapped under the current key only; a wrapped key opens under whichever of them wrapped it,
 * until the service's migrate step re-wraps it under the current one (`rewrapSubjectKeys`).
 */
export class KeyEncryptionKey {
  private constructor(
    private readonly key: Buffer,
    private readonly previous: readonly Buffer[] = [],
  ) {}

  /** A new random key (a site's first start, tests). */
  static generate(): KeyEncryptionKey {
    return new KeyEncryptionKey(randomBytes(KEY_BYTES));
  }

  /**
   * The keys written as base64 (44 characters each), one per line, the current one first and
   * previous ones after it (during a rotation); blank lines and surrounding whitespace are
   * ignored.
   */
  static fromBase64(text: string): KeyEncryptionKey {
    const lines = text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '');
    const keys = lines.map((line, i) => {
      const key = Buffer.from(line, 'base64');
      if (key.length !== KEY_BYTES || key.toString('base64') !== line) {
        throw new TypeError(
          `a key-encryption key is ${KEY_BYTES} bytes written as base64 (line ${i + 1} is not)`,
        );
      }
      return key;
    });
    const [current, ...previous] = keys;
    if (current === undefined) {
      throw new TypeError(
        `a key-encryption key is ${KEY_BYTES} bytes written as base64 (none given)`,
      );
    }
    return new KeyEncryptionKey(current, previous);
  }

  /** The keys from a file holding their base64 form, one per line (a mounted Secret). */
  static fromFile(path: string): KeyEncryptionKey {
    return KeyEncryptionKey.fromBase64(readFileSync(path, 'utf8'));
  }

  /** The base64 form of the current key, for writing it to a file or a Secret. */
  toBase64(): string {
    return this.key.toString('base64');
  }

  /** How many previous keys it still opens with (0 outside a rotation). */
  get previousKeys(): number {
    return this.previous.length;
  }

  /** `dataKey` encrypted for storage under the current key, bound to its key id and subject. */
  wrap(dataKey: Uint8Array, keyId: string, subjectId: string): Uint8Array {
    return seal(this.key, dataKey, wrappingContext(keyId, subjectId));
  }

  /**
   * The data key of {@link wrap}'s output, wrapped under the current key or a previous one.
   *
   * @throws `SealedDataError` when the wrapped key was altered, belongs to another key id or
   *   subject, or was wrapped under none of these keys.
   */
  unwrap(wrapped: Uint8Array, keyId: string, subjectId: string): Uint8Array {
    return this.unwrapped(wrapped, keyId, subjectId).dataKey;
  }

  /**
   * {@link unwrap}, saying whether it was wrapped under the current key (else it is due for
   * re-wrapping).
   *
   * @throws as {@link unwrap}.
   */
  unwrapped(
    wrapped: Uint8Array,
    keyId: string,
    subjectId: string,
  ): { readonly dataKey: Uint8Array; readonly current: boolean } {
    const context = wrappingContext(keyId, subjectId);
    try {
      return { dataKey: open(this.key, wrapped, context), current: true };
    } catch (error) {
      if (!(error instanceof SealedDataError)) throw error;
      for (const key of this.previous) {
        try {
          return { dataKey: open(key, wrapped, context), current: false };
        } catch (failure) {
          if (!(failure instanceof SealedDataError)) throw failure;
        }
      }
      throw error;
    }
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
