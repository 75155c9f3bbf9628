import { createHash } from 'node:crypto';

import type { EntityManager } from 'typeorm';

import { APPLICATION_SCHEMA, CLEAR_CONTENT_KEY_ID } from './schema';

/**
 * A document as the content store keeps it: in clear (a business's letter), or sealed under
 * its recipient's key (a person's letter) before it is ever stored or relayed.
 */
export interface StoredDocument {
  /** SHA-256 of the document in clear, lower-case hex. */
  readonly sha256: string;
  /** The key the bytes are sealed under; `null`: in clear. */
  readonly keyId: string | null;
  /** The document, or its sealed form. */
  readonly bytes: Uint8Array;
}

const keyIdOf = (keyId: string | null): string => keyId ?? CLEAR_CONTENT_KEY_ID;

/** The SHA-256 of `bytes`, lower-case hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * A stored document whose bytes no longer hash to their key: a fault of the store (a disk, a
 * manual edit, an attack), never a client's error. Served as a 500 and logged; the bytes are
 * never handed out.
 */
export class ContentIntegrityError extends Error {
  override readonly name = 'ContentIntegrityError';

  /**
   * @param actualSha256 - What the bytes hash to; for sealed bytes, which are not hashed until
   *   opened, what is wrong with them instead.
   */
  constructor(
    readonly sha256: string,
    readonly actualSha256: string,
  ) {
    super(
      /^[0-9a-f]{64}$/.test(actualSha256)
        ? `the stored content ${sha256} hashes to ${actualSha256}: refused`
        : `the stored content ${sha256} is refused: ${actualSha256}`,
    );
  }
}

/** A document that should be stored and is not (removed, or not replicated to this site). */
export class ContentMissingError extends Error {
  override readonly name = 'ContentMissingError';

  constructor(readonly sha256: string) {
    super(`the content ${sha256} is not in the content store`);
  }
}

/**
 * Serialises the writers of one content row (a delivery storing it, a removal at the end of
 * a retention) for the rest of their transaction: a removal never deletes bytes that a letter
 * committed at the same moment still needs.
 */
async function lockContent(
  manager: EntityManager,
  sha256: string,
  keyId: string | null,
): Promise<void> {
  await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
    `letterbox.content:${sha256}:${keyIdOf(keyId)}`,
  ]);
}

/** The smallest sealed form (format byte, nonce, tag): anything shorter is not one. */
const MIN_SEALED_BYTES = 1 + 12 + 16;

/**
 * Documents by SHA-256 and the key they are sealed under in `letterbox_app.contents`,
 * deduplicated: a business's document once however many letters carry it, a person's once per
 * person. Every method takes the entity manager of the caller's transaction, so a delivery's
 * bytes and its events commit together.
 */
export const contentStore = {
  /** Stores `document` unless it is there already. */
  async put(manager: EntityManager, document: StoredDocument, at: Date): Promise<void> {
    const { sha256, keyId, bytes } = document;
    await lockContent(manager, sha256, keyId);
    const inserted: unknown[] = await manager.query(
      `INSERT INTO ${APPLICATION_SCHEMA}.contents (sha256, key_id, bytes, size_bytes, stored_at)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256, key_id) DO NOTHING RETURNING sha256`,
      [
        sha256,
        keyIdOf(keyId),
        Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
        bytes.length,
        at,
      ],
    );
    if (inserted.length > 0) await toOutbox(manager, sha256, keyId, false);
  },

  /**
   * The bytes stored under `sha256` and `keyId`: a clear document after recomputing its hash,
   * a sealed one as it is (its hash is checked once opened, see `LetterService.open`).
   *
   * @throws {@link ContentMissingError} when there is no such row.
   * @throws {@link ContentIntegrityError} when clear bytes do not hash to `sha256`.
   */
  async get(manager: EntityManager, sha256: string, keyId: string | null): Promise<Buffer> {
    const rows: { bytes: Buffer }[] = await manager.query(
      `SELECT bytes FROM ${APPLICATION_SCHEMA}.contents WHERE sha256 = $1 AND key_id = $2`,
      [sha256, keyIdOf(keyId)],
    );
    const bytes = rows[0]?.bytes;
    if (bytes === undefined) throw new ContentMissingError(sha256);
    if (keyId === null) checkHash(sha256, bytes);
    return bytes;
  },

  /**
   * Removes the bytes under `sha256` and `keyId` unless a letter whose content is not removed
   * still uses them; resolves with whether it removed them. Call it after recording the removal
   * of the letter's content, in the same transaction.
   */
  async release(manager: EntityManager, sha256: string, keyId: string | null): Promise<boolean> {
    await lockContent(manager, sha256, keyId);
    const result: [unknown[], number] = await manager.query(
      `DELETE FROM ${APPLICATION_SCHEMA}.contents c
        WHERE c.sha256 = $1 AND c.key_id = $2
          AND NOT EXISTS (SELECT 1 FROM ${APPLICATION_SCHEMA}.letters l
                           WHERE l.sha256 = c.sha256 AND l.content_removed_at IS NULL
                             AND COALESCE(l.key_id, '${CLEAR_CONTENT_KEY_ID}') = c.key_id)`,
      [sha256, keyIdOf(keyId)],
    );
    const removed = result[1] > 0;
    if (removed) await toOutbox(manager, sha256, keyId, true);
    return removed;
  },

  /**
   * Stores a document that arrived from the other site (the embassy's copy), after checking
   * that clear bytes hash to the key they came under (sealed bytes are checked when opened:
   * only their form here); never queued for publication again.
   *
   * @throws {@link ContentIntegrityError} when they do not: nothing is stored.
   */
  async putReplicated(manager: EntityManager, document: StoredDocument, at: Date): Promise<void> {
    const { sha256, keyId } = document;
    const bytes = Buffer.from(
      document.bytes.buffer,
      document.bytes.byteOffset,
      document.bytes.byteLength,
    );
    if (keyId === null) checkHash(sha256, bytes);
    else if (bytes.length < MIN_SEALED_BYTES)
      throw new ContentIntegrityError(sha256, 'too short to be sealed');
    await manager.query(
      `INSERT INTO ${APPLICATION_SCHEMA}.contents (sha256, key_id, bytes, size_bytes, stored_at)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256, key_id) DO NOTHING`,
      [sha256, keyIdOf(keyId), bytes, bytes.length, at],
    );
  },
};

/** @throws {@link ContentIntegrityError} when `bytes` do not hash to `sha256`. */
export function checkHash(sha256: string, bytes: Uint8Array): void {
  const actual = sha256Hex(bytes);
  if (actual !== sha256) throw new ContentIntegrityError(sha256, actual);
}

async function toOutbox(
  manager: EntityManager,
  sha256: string,
  keyId: string | null,
  removed: boolean,
): Promise<void> {
  await manager.query(
    `INSERT INTO ${APPLICATION_SCHEMA}.document_outbox (sha256, key_id, removed)
     VALUES ($1, $2, $3)`,
    [sha256, keyIdOf(keyId), removed],
  );
}
