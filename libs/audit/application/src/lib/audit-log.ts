import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';

import { MerkleRangeError, leafHash } from '@gov/audit-merkle';
import type { Hash } from '@gov/audit-merkle';

import { canonicalLeafText, parseCanonicalLeaf } from './entry/access-entry';
import type { CanonicalLeaf } from './entry/access-entry';
import { TreeHeadEntity } from './postgres/audit-schema';
import type { TreeHeadRow } from './postgres/audit-schema';
import { consistencyProofAt, inclusionProofAt, rootAt, treeSize } from './postgres/tree-nodes';
import type { SignedTreeHead, TreeHeadSigner } from './tree-heads/tree-head-signer';

/** Hashes in answers and exports: base64url without padding. */
export const b64 = (hash: Uint8Array): string => Buffer.from(hash).toString('base64url');

/** Why a request about the tree cannot be answered (each is a 4xx at the HTTP edge). */
export type AuditQueryProblem =
  | { readonly kind: 'no-tree-head'; readonly detail: string }
  | { readonly kind: 'unknown-entry'; readonly detail: string }
  | { readonly kind: 'unknown-tree-head'; readonly detail: string }
  | { readonly kind: 'beyond-tree'; readonly detail: string; readonly treeSize: number };

/** A refused request about the tree; `problem` says why. */
export class AuditQueryError extends Error {
  override readonly name = 'AuditQueryError';
  constructor(readonly problem: AuditQueryProblem) {
    super(problem.detail);
  }
}

/** An inclusion proof as answered and exported. */
export interface InclusionProofView {
  readonly leafIndex: number;
  readonly treeSize: number;
  readonly leafHash: string;
  /** PATH(leafIndex, D[treeSize]), base64url, bottom-up. */
  readonly auditPath: string[];
}

/** One entry of an access log answer or an export. */
export interface EntryView {
  readonly leafIndex: number;
  /** The canonical leaf: what the tree hashes (re-serialised canonically by a verifier). */
  readonly leaf: CanonicalLeaf;
  /** Present for a person's entries: the proof against the answer's tree head. */
  readonly inclusionProof?: InclusionProofView;
}

/** Who reads an access log, as far as sealing is concerned. */
export type AccessLogReader = 'subject' | 'supervisor';

/** A page of a person's access log. */
export interface AccessLogPage {
  readonly subjectNationalId: string;
  /** The tree head every proof of the page is against; `null` before the first is published. */
  readonly treeHead: SignedTreeHead | null;
  readonly entries: EntryView[];
  /** Pass as `cursor` for the next (older) page; `null` on the last page. */
  readonly nextCursor: string | null;
}

/** The export format's name (see services/audit/README.md, "Export"). */
export const EXPORT_FORMAT = 'gov.audit.v1.export';

/** An export of the log, or of one person's entries, for the offline verifier. */
export interface AuditExport {
  readonly format: typeof EXPORT_FORMAT;
  readonly scope: 'log' | 'subject';
  readonly subjectNationalId: string | null;
  /** The tree head the entries are verified against. */
  readonly treeHead: SignedTreeHead;
  /** Earlier tree heads, each with a consistency proof to `treeHead`. */
  readonly earlierTreeHeads: (SignedTreeHead & { readonly consistencyProof: string[] })[];
  /** `log`: every leaf 0..tree_size-1 in order; `subject`: newest first, with proofs. */
  readonly entries: EntryView[];
}

const headOf = (row: TreeHeadRow): SignedTreeHead => {
  const payload = JSON.parse(
    Buffer.from(row.jws.split('.')[1] ?? '', 'base64url').toString('utf8'),
  ) as { timestamp: number };
  return {
    tree_size: Number(row.treeSize),
    timestamp: payload.timestamp,
    root_hash: b64(row.rootHash),
    key_id: row.keyId,
    jws: row.jws,
  };
};

/** Entries read per statement while streaming a whole-log export. */
const EXPORT_PAGE = 5_000;

/** Most earlier tree heads an export carries (with their proofs) unless asked for others. */
const EARLIER_HEADS_IN_EXPORT = 20;

/**
 * The audit log's read side and its tree heads: proofs from the tree's tables, signed tree
 * heads published over the projection's tree, a person's entries with sealing decided at read
 * time, and exports for the offline verifier.
 */
export class AuditLog {
  constructor(
    private readonly pool: Pool,
    private readonly dataSource: DataSource,
    private readonly signer: TreeHeadSigner,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** The number of leaves in the tree now. */
  size(): Promise<number> {
    return treeSize(this.pool);
  }

  /**
   * Signs and keeps a tree head over the tree as it is, unless one of that size exists (then
   * that one is returned). `onlyIfGrown`: nothing when the tree did not grow since the latest.
   */
  async publish(options: { onlyIfGrown: boolean }): Promise<SignedTreeHead | null> {
    const size = await this.size();
    const latest = await this.latestHead();
    if (latest && latest.tree_size >= size) return options.onlyIfGrown ? null : latest;
    const root = await rootAt(this.pool, size);
    const head = await this.signer.sign({
      tree_size: size,
      timestamp: this.clock().getTime(),
      root_hash: b64(root),
    });
    await this.dataSource
      .createQueryBuilder()
      .insert()
      .into(TreeHeadEntity)
      .values({
        treeSize: String(size),
        rootHash: Buffer.from(root),
        issuedAt: new Date(head.timestamp),
        keyId: head.key_id,
        jws: head.jws,
      })
      .orIgnore()
      .execute();
    return (await this.headOfSize(size)) ?? head;
  }

  /** The latest signed tree head, or `null` before the first. */
  async latestHead(): Promise<SignedTreeHead | null> {
    const row = await this.dataSource
      .getRepository(TreeHeadEntity)
      .createQueryBuilder('h')
      .orderBy('h.tree_size', 'DESC')
      .limit(1)
      .getOne();
    return row ? headOf(row) : null;
  }

  /** The signed tree head of exactly `size` leaves, or `null` when none was published. */
  async headOfSize(size: number): Promise<SignedTreeHead | null> {
    const row = await this.dataSource
      .getRepository(TreeHeadEntity)
      .findOneBy({ treeSize: String(size) });
    return row ? headOf(row) : null;
  }

  /** The latest tree head; {@link AuditQueryError} `no-tree-head` before the first. */
  async requireLatestHead(): Promise<SignedTreeHead> {
    const head = await this.latestHead();
    if (!head) {
      throw new AuditQueryError({
        kind: 'no-tree-head',
        detail: 'no tree head has been published yet; ask again in a few seconds',
      });
    }
    return head;
  }

  /**
   * The inclusion proof of an entry (by id) against a tree of `size` leaves (the latest tree
   * head's by default).
   */
  async inclusionProofOfEntry(
    entryId: string,
    size?: number,
  ): Promise<InclusionProofView & { readonly entryId: string }> {
    const { rows } = await this.pool.query<{ leaf_index: string; leaf: string }>(
      'SELECT leaf_index, leaf FROM audit_app.entries WHERE entry_id = $1',
      [entryId],
    );
    const row = rows[0];
    if (!row) {
      throw new AuditQueryError({ kind: 'unknown-entry', detail: `no entry ${entryId}` });
    }
    const treeSizeAsked = size ?? (await this.requireLatestHead()).tree_size;
    return {
      entryId,
      ...(await this.inclusionProof(Number(row.leaf_index), row.leaf, treeSizeAsked)),
    };
  }

  /**
   * The person an entry is about, as far as `reader` may know: `null` for an unknown entry, and
   * for a `subject` reader also for an entry still sealed (its existence is part of the secret).
   */
  async subjectOfEntry(entryId: string, reader: AccessLogReader): Promise<string | null> {
    const { rows } = await this.pool.query<{ subject_national_id: string }>(
      `SELECT subject_national_id FROM audit_app.entries
       WHERE entry_id = $1 AND ($2 OR sealed_until IS NULL OR sealed_until <= $3)`,
      [entryId, reader === 'supervisor', this.clock()],
    );
    return rows[0]?.subject_national_id ?? null;
  }

  /** The consistency proof from a tree of `first` leaves to one of `second`. */
  async consistencyProof(first: number, second: number): Promise<string[]> {
    await this.assertWithinTree(second);
    try {
      return (await consistencyProofAt(this.pool, first, second)).map(b64);
    } catch (error) {
      throw this.rangeProblem(error, second);
    }
  }

  /**
   * A page of a person's entries, newest first, each with its inclusion proof against the
   * latest tree head (entries the head does not cover yet are left for a later answer). A
   * `subject` reader does not see entries sealed until after now; a `supervisor` sees all.
   */
  async accessLog(
    subjectNationalId: string,
    reader: AccessLogReader,
    page: { readonly cursor?: number | undefined; readonly limit: number },
  ): Promise<AccessLogPage> {
    const head = await this.latestHead();
    if (!head) return { subjectNationalId, treeHead: null, entries: [], nextCursor: null };
    const below = Math.min(page.cursor ?? head.tree_size, head.tree_size);
    const { rows } = await this.pool.query<{ leaf_index: string; leaf: string }>(
      `SELECT leaf_index, leaf FROM audit_app.entries
       WHERE subject_national_id = $1 AND leaf_index < $2
         AND ($3 OR sealed_until IS NULL OR sealed_until <= $4)
       ORDER BY leaf_index DESC
       LIMIT $5`,
      [subjectNationalId, below, reader === 'supervisor', this.clock(), page.limit + 1],
    );
    const shown = rows.slice(0, page.limit);
    const entries = await Promise.all(
      shown.map(async (row) => {
        const leafIndex = Number(row.leaf_index);
        return {
          leafIndex,
          leaf: parseCanonicalLeaf(JSON.parse(row.leaf)),
          inclusionProof: await this.inclusionProof(leafIndex, row.leaf, head.tree_size),
        };
      }),
    );
    const last = shown.at(-1);
    return {
      subjectNationalId,
      treeHead: head,
      entries,
      nextCursor: rows.length > page.limit && last ? last.leaf_index : null,
    };
  }

  /**
   * An export for the offline verifier as one document (see {@link exportLogLines} for a large
   * log): every leaf of the latest tree head (`scope: log`), or
   * one person's entries with their proofs (`subject`, sealing as for {@link accessLog}); with
   * earlier tree heads (the latest few, and those of `consistencyFrom`) and their consistency
   * proofs to the exported head.
   */
  async export(
    scope:
      | { readonly kind: 'log' }
      | {
          readonly kind: 'subject';
          readonly subjectNationalId: string;
          readonly reader: AccessLogReader;
        },
    consistencyFrom: readonly number[] = [],
  ): Promise<AuditExport> {
    const head = await this.requireLatestHead();
    const earlier = await this.earlierHeads(head, consistencyFrom);
    if (scope.kind === 'subject') {
      const entries: EntryView[] = [];
      let cursor: number | undefined;
      for (;;) {
        const page = await this.accessLogAt(head, scope.subjectNationalId, scope.reader, cursor);
        entries.push(...page.entries);
        if (page.nextCursor === null) break;
        cursor = Number(page.nextCursor);
      }
      return {
        format: EXPORT_FORMAT,
        scope: 'subject',
        subjectNationalId: scope.subjectNationalId,
        treeHead: head,
        earlierTreeHeads: earlier,
        entries,
      };
    }
    const { rows } = await this.pool.query<{ leaf_index: string; leaf: string }>(
      'SELECT leaf_index, leaf FROM audit_app.entries WHERE leaf_index < $1 ORDER BY leaf_index',
      [head.tree_size],
    );
    return {
      format: EXPORT_FORMAT,
      scope: 'log',
      subjectNationalId: null,
      treeHead: head,
      earlierTreeHeads: earlier,
      entries: rows.map((row) => ({
        leafIndex: Number(row.leaf_index),
        leaf: parseCanonicalLeaf(JSON.parse(row.leaf)),
      })),
    };
  }

  /**
   * The whole log as NDJSON lines, for logs too large for one document: first the header (the
   * export without `entries`), then one line per entry `{leafIndex, leaf}`, in leaf order, read
   * in pages by leaf index. The header is computed before the first line is yielded, so a
   * missing tree head fails the call, not the stream.
   */
  async exportLogLines(consistencyFrom: readonly number[] = []): Promise<AsyncIterable<string>> {
    const head = await this.requireLatestHead();
    const earlier = await this.earlierHeads(head, consistencyFrom);
    const header: Omit<AuditExport, 'entries'> = {
      format: EXPORT_FORMAT,
      scope: 'log',
      subjectNationalId: null,
      treeHead: head,
      earlierTreeHeads: earlier,
    };
    const pool = this.pool;
    return (async function* lines() {
      yield `${JSON.stringify(header)}\n`;
      let from = 0;
      while (from < head.tree_size) {
        const { rows } = await pool.query<{ leaf_index: string; leaf: string }>(
          `SELECT leaf_index, leaf FROM audit_app.entries
           WHERE leaf_index >= $1 AND leaf_index < $2 ORDER BY leaf_index LIMIT $3`,
          [from, head.tree_size, EXPORT_PAGE],
        );
        if (rows.length === 0) return;
        // The leaf text is canonical JSON already: embedded as it is stored.
        yield rows.map((row) => `{"leafIndex":${row.leaf_index},"leaf":${row.leaf}}\n`).join('');
        from = Number(rows.at(-1)?.leaf_index ?? head.tree_size) + 1;
      }
    })();
  }

  private async accessLogAt(
    head: SignedTreeHead,
    subject: string,
    reader: AccessLogReader,
    cursor: number | undefined,
  ): Promise<AccessLogPage> {
    const page = await this.accessLog(subject, reader, { cursor, limit: 500 });
    // A head published meanwhile would mix proofs of two sizes: keep to the export's.
    if (page.treeHead?.tree_size !== head.tree_size) {
      return {
        ...page,
        entries: await Promise.all(
          page.entries
            .filter((entry) => entry.leafIndex < head.tree_size)
            .map(async (entry) => ({
              ...entry,
              inclusionProof: await this.inclusionProof(
                entry.leafIndex,
                canonicalLeafText(entry.leaf),
                head.tree_size,
              ),
            })),
        ),
      };
    }
    return page;
  }

  private async earlierHeads(
    head: SignedTreeHead,
    consistencyFrom: readonly number[],
  ): Promise<AuditExport['earlierTreeHeads']> {
    const recent = await this.dataSource
      .getRepository(TreeHeadEntity)
      .createQueryBuilder('h')
      .where('h.tree_size < :size', { size: String(head.tree_size) })
      .andWhere('h.tree_size > 0')
      .orderBy('h.tree_size', 'DESC')
      .limit(EARLIER_HEADS_IN_EXPORT)
      .getMany();
    const asked = await Promise.all(consistencyFrom.map((size) => this.headOfSize(size)));
    const heads = new Map<number, SignedTreeHead>();
    for (const row of recent) heads.set(Number(row.treeSize), headOf(row));
    consistencyFrom.forEach((size, i) => {
      const found = asked[i];
      if (!found) {
        throw new AuditQueryError({
          kind: 'unknown-tree-head',
          detail: `no tree head of size ${size} was published on this site`,
        });
      }
      if (size > 0 && size <= head.tree_size) heads.set(size, found);
    });
    return Promise.all(
      [...heads.values()]
        .sort((a, b) => a.tree_size - b.tree_size)
        .map(async (earlier) => ({
          ...earlier,
          consistencyProof: (
            await consistencyProofAt(this.pool, earlier.tree_size, head.tree_size)
          ).map(b64),
        })),
    );
  }

  private async inclusionProof(
    leafIndex: number,
    leaf: string,
    size: number,
  ): Promise<InclusionProofView> {
    await this.assertWithinTree(size);
    if (leafIndex >= size) {
      throw new AuditQueryError({
        kind: 'beyond-tree',
        detail: `the entry is leaf ${leafIndex}, not in a tree of ${size} leaves; ask against a later tree head`,
        treeSize: size,
      });
    }
    let path: Hash[];
    try {
      path = await inclusionProofAt(this.pool, leafIndex, size);
    } catch (error) {
      throw this.rangeProblem(error, size);
    }
    return {
      leafIndex,
      treeSize: size,
      leafHash: b64(leafHash(new TextEncoder().encode(leaf))),
      auditPath: path.map(b64),
    };
  }

  private async assertWithinTree(size: number): Promise<void> {
    const current = await this.size();
    if (size > current) {
      throw new AuditQueryError({
        kind: 'beyond-tree',
        detail: `the tree has ${current} leaves, not ${size}`,
        treeSize: current,
      });
    }
  }

  private rangeProblem(error: unknown, size: number): unknown {
    if (error instanceof MerkleRangeError) {
      return new AuditQueryError({ kind: 'beyond-tree', detail: error.message, treeSize: size });
    }
    return error;
  }
}
