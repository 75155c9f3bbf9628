import { createHash } from 'node:crypto';

import type { EntityManager } from 'typeorm';

import { ContentIntegrityError, contentStore } from './content-store';
import { APPLICATION_SCHEMA, CLEAR_CONTENT_KEY_ID } from './schema';
import type { PgLetterStore } from './pg-letter-store';

/** The documents topic unless `DOCUMENTS_TOPIC` says otherwise. */
export const DOCUMENTS_TOPIC = 'letterbox.documents.v1';

/**
 * Header of a record of the documents topic that removes a document (its value is empty): the
 * messaging library publishes no null values, and under compaction an empty record replaces
 * the bytes under its key just as a tombstone would, leaving a few bytes instead of none.
 */
export const DOCUMENT_REMOVED_HEADER = 'letterbox-document-removed';

/**
 * A record of the documents topic: the bytes of a document, or its removal. A person's document
 * travels sealed under their key, as it is stored: the topic and its mirror hold no document of
 * a person in clear.
 */
export interface DocumentRecord {
  /** The SHA-256 of the document in clear, lower-case hex. */
  readonly sha256: string;
  /** The key its bytes are sealed under; `null`: in clear (a business's letter). */
  readonly keyId: string | null;
  /** `null`: the document was removed (retention ended for every letter carrying it). */
  readonly bytes: Buffer | null;
}

const SHA256 = /^[0-9a-f]{64}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The record key of a document on the documents topic (compacted per key): its SHA-256 for a
 * clear document, `<sha256>/<key id>` for a sealed one (each person's copy is its own).
 */
export function documentKeyOf(record: Pick<DocumentRecord, 'sha256' | 'keyId'>): string {
  return record.keyId === null ? record.sha256 : `${record.sha256}/${record.keyId}`;
}

/** The document a record key of the documents topic names; `null` for a malformed key. */
export function parseDocumentKey(key: string): { sha256: string; keyId: string | null } | null {
  const [sha256, keyId, ...rest] = key.split('/');
  if (sha256 === undefined || !SHA256.test(sha256) || rest.length > 0) return null;
  if (keyId === undefined) return { sha256, keyId: null };
  return UUID.test(keyId) ? { sha256, keyId } : null;
}

/** Where the relay publishes documents (the documents topic); resolves once durably written. */
export interface DocumentSink {
  publish(records: readonly DocumentRecord[]): Promise<void>;
}

/**
 * Publishes the documents the outbox names to the documents topic, at least once, oldest
 * first: the embassy's copy of the bytes, which the log does not carry. A document removed
 * before its turn is published as removed (its bytes are gone). Runs on the primary only (a
 * kit reactor); a promoted embassy publishes what it stored and removed itself.
 */
export class DocumentRelay {
  constructor(
    private readonly store: PgLetterStore,
    private readonly sink: DocumentSink,
    // Ten 10 MiB documents at most in memory at once.
    private readonly batchSize = 10,
  ) {}

  /** Publishes one batch; resolves with how many records it published. */
  async runOnce(): Promise<number> {
    const rows: {
      seq: string;
      sha256: string;
      key_id: string;
      removed: boolean;
      bytes: Buffer | null;
    }[] = await this.store.manager.query(
      `SELECT o.seq, o.sha256, o.key_id, o.removed,
              CASE WHEN o.removed THEN NULL ELSE c.bytes END AS bytes
         FROM ${APPLICATION_SCHEMA}.document_outbox o
         LEFT JOIN ${APPLICATION_SCHEMA}.contents c
                ON c.sha256 = o.sha256 AND c.key_id = o.key_id
        ORDER BY o.seq LIMIT $1`,
      [this.batchSize],
    );
    if (rows.length === 0) return 0;
    await this.sink.publish(
      rows.map((row) => ({
        sha256: row.sha256,
        keyId: row.key_id === CLEAR_CONTENT_KEY_ID ? null : row.key_id,
        bytes: row.bytes,
      })),
    );
    await this.store.manager.query(
      `DELETE FROM ${APPLICATION_SCHEMA}.document_outbox WHERE seq = ANY($1::bigint[])`,
      [rows.map((row) => row.seq)],
    );
    return rows.length;
  }
}

/** What became of a record of the documents topic on the replica. */
export type ReplicatedDocumentOutcome = 'stored' | 'removed' | 'corrupt';

/**
 * Applies a record of the mirrored documents topic on the replica: stores clear bytes if they
 * hash to their key and sealed bytes if they have the sealed form (`corrupt` otherwise: nothing
 * stored, the caller reports it; sealed bytes are authenticated when opened), or removes the
 * document unless a letter whose content is kept still uses it.
 */
export async function applyReplicatedDocument(
  manager: EntityManager,
  record: DocumentRecord,
  at: Date,
): Promise<ReplicatedDocumentOutcome> {
  if (record.bytes === null) {
    await contentStore.release(manager, record.sha256, record.keyId);
    return 'removed';
  }
  try {
    await contentStore.putReplicated(
      manager,
      { sha256: record.sha256, keyId: record.keyId, bytes: record.bytes },
      at,
    );
    return 'stored';
  } catch (error) {
    if (error instanceof ContentIntegrityError) return 'corrupt';
    throw error;
  }
}

/** The documents a site holds, digested for the comparison of both sites. */
export interface DocumentsDigest {
  /** Documents stored. */
  readonly documents: number;
  /** Their bytes in all. */
  readonly bytes: number;
  /**
   * `sha256:` and 64 hex digits over every (SHA-256, length) of a clear document and
   * (SHA-256/key id, length) of a sealed one, in that order.
   */
  readonly digest: string;
  /** Documents that letters whose content is kept name and that are not stored here. */
  readonly missing: number;
  /** The first of them (at most 20). */
  readonly missingSha256: readonly string[];
}

/**
 * The digest of the content store: over each document's SHA-256 (with its key id when sealed)
 * and stored length (clear bytes were hashed when stored and are hashed again on every read,
 * sealed ones are authenticated and hashed when opened, so equal lists mean equal bytes), with
 * the documents the site's letters need and lack.
 */
export async function documentsDigest(manager: EntityManager): Promise<DocumentsDigest> {
  const rows: { sha256: string; key_id: string; size_bytes: string }[] = await manager.query(
    `SELECT sha256, key_id, size_bytes FROM ${APPLICATION_SCHEMA}.contents
      ORDER BY sha256, key_id`,
  );
  const hash = createHash('sha256');
  let bytes = 0;
  for (const row of rows) {
    const key = documentKeyOf({
      sha256: row.sha256,
      keyId: row.key_id === CLEAR_CONTENT_KEY_ID ? null : row.key_id,
    });
    hash.update(`${key}:${row.size_bytes}\n`);
    bytes += Number(row.size_bytes);
  }
  const missing: { sha256: string }[] = await manager.query(
    `SELECT DISTINCT l.sha256 FROM ${APPLICATION_SCHEMA}.letters l
      WHERE l.content_removed_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM ${APPLICATION_SCHEMA}.contents c
                         WHERE c.sha256 = l.sha256
                           AND c.key_id = COALESCE(l.key_id, '${CLEAR_CONTENT_KEY_ID}'))
      ORDER BY l.sha256`,
  );
  return {
    documents: rows.length,
    bytes,
    digest: `sha256:${hash.digest('hex')}`,
    missing: missing.length,
    missingSha256: missing.slice(0, 20).map((row) => row.sha256),
  };
}
