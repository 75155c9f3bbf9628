import { createHash } from 'node:crypto';

import type { EntityManager } from 'typeorm';

import { APPLICATION_SCHEMA } from './schema';

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

  constructor(
    readonly sha256: string,
    readonly actualSha256: string,
  ) {
    super(`the stored content ${sha256} hashes to ${actualSha256}: refused`);
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
async function lockContent(manager: EntityManager, sha256: string): Promise<void> {
  await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
    `letterbox.content:${sha256}`,
  ]);
}

/**
 * Documents by SHA-256 in `letterbox_app.contents`, deduplicated. Every method takes the
 * entity manager of the caller's transaction, so a delivery's bytes and its events commit
 * together.
 */
export const contentStore = {
  /** Stores `bytes` under their hash unless they are there already; resolves with the hash. */
  async put(manager: EntityManager, bytes: Uint8Array, at: Date): Promise<string> {
    const sha256 = sha256Hex(bytes);
    await lockContent(manager, sha256);
    const inserted: unknown[] = await manager.query(
      `INSERT INTO ${APPLICATION_SCHEMA}.contents (sha256, bytes, size_bytes, stored_at)
       VALUES ($1, $2, $3, $4) ON CONFLICT (sha256) DO NOTHING RETURNING sha256`,
      [sha256, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), bytes.length, at],
    );
    if (inserted.length > 0) await toOutbox(manager, sha256, false);
    return sha256;
  },

  /**
   * The bytes stored under `sha256`, after recomputing their hash.
   *
   * @throws {@link ContentMissingError} when there is no such row.
   * @throws {@link ContentIntegrityError} when the bytes do not hash to `sha256`.
   */
  async get(manager: EntityManager, sha256: string): Promise<Buffer> {
    const rows: { bytes: Buffer }[] = await manager.query(
      `SELECT bytes FROM ${APPLICATION_SCHEMA}.contents WHERE sha256 = $1`,
      [sha256],
    );
    const bytes = rows[0]?.bytes;
    if (bytes === undefined) throw new ContentMissingError(sha256);
    const actual = sha256Hex(bytes);
    if (actual !== sha256) throw new ContentIntegrityError(sha256, actual);
    return bytes;
  },

  /**
   * Removes the bytes under `sha256` unless a letter whose content is not removed still uses
   * them; resolves with whether it removed them. Call it after recording the removal of the
   * letter's content, in the same transaction.
   */
  async release(manager: EntityManager, sha256: string): Promise<boolean> {
    await lockContent(manager, sha256);
    const result: [unknown[], number] = await manager.query(
      `DELETE FROM ${APPLICATION_SCHEMA}.contents c
        WHERE c.sha256 = $1
          AND NOT EXISTS (SELECT 1 FROM ${APPLICATION_SCHEMA}.letters l
                           WHERE l.sha256 = c.sha256 AND l.content_removed_at IS NULL)`,
      [sha256],
    );
    const removed = result[1] > 0;
    if (removed) await toOutbox(manager, sha256, true);
    return removed;
  },

  /**
   * Stores a document that arrived from the other site (the embassy's copy), after checking
   * that its bytes hash to the key they came under; never queued for publication again.
   *
   * @throws {@link ContentIntegrityError} when they do not: nothing is stored.
   */
  async putReplicated(
    manager: EntityManager,
    sha256: string,
    bytes: Buffer,
    at: Date,
  ): Promise<void> {
    const actual = sha256Hex(bytes);
    if (actual !== sha256) throw new ContentIntegrityError(sha256, actual);
    await manager.query(
      `INSERT INTO ${APPLICATION_SCHEMA}.contents (sha256, bytes, size_bytes, stored_at)
       VALUES ($1, $2, $3, $4) ON CONFLICT (sha256) DO NOTHING`,
      [sha256, bytes, bytes.length, at],
    );
  },
};

async function toOutbox(manager: EntityManager, sha256: string, removed: boolean): Promise<void> {
  await manager.query(
    `INSERT INTO ${APPLICATION_SCHEMA}.document_outbox (sha256, removed) VALUES ($1, $2)`,
    [sha256, removed],
  );
}
