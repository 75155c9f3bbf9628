import type { ClientBase, Pool } from 'pg';

import {
  MerkleRangeError,
  completeNodesOf,
  consistencyProofSubtrees,
  inclusionPathSubtrees,
  rootHash,
  rootNodes,
  subtreeHash,
} from '@gov/audit-merkle';
import type { Hash, NodeRef, Subtree } from '@gov/audit-merkle';

import { AUDIT_APP_SCHEMA } from './audit-schema';

type Queryable = Pick<ClientBase | Pool, 'query'>;

/**
 * The hashes of `refs`, in their order, in one statement over the primary key.
 *
 * @throws Error when a node is missing (a size beyond the tree got past the caller's check).
 */
export async function fetchNodes(db: Queryable, refs: readonly NodeRef[]): Promise<Hash[]> {
  if (refs.length === 0) return [];
  const { rows } = await db.query<{ level: number; idx: string; hash: Buffer }>(
    `SELECT n.level, n.idx, n.hash
     FROM unnest($1::smallint[], $2::bigint[]) AS r(level, idx)
     JOIN ${AUDIT_APP_SCHEMA}.tree_nodes n USING (level, idx)`,
    [refs.map((ref) => ref.level), refs.map((ref) => String(ref.index))],
  );
  const byKey = new Map(rows.map((row) => [`${row.level}/${row.idx}`, new Uint8Array(row.hash)]));
  return refs.map((ref) => {
    const hash = byKey.get(`${ref.level}/${ref.index}`);
    if (!hash) throw new MerkleRangeError(`the tree has no node (${ref.level}, ${ref.index}) yet`);
    return hash;
  });
}

/** The number of leaves the projection has put in the tree. */
export async function treeSize(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ idx: string }>(
    `SELECT idx FROM ${AUDIT_APP_SCHEMA}.tree_nodes WHERE level = 0 ORDER BY idx DESC LIMIT 1`,
  );
  return rows[0] ? Number(rows[0].idx) + 1 : 0;
}

/** Hashes of `subtrees` from one fetch of all their complete nodes. */
async function subtreeHashes(db: Queryable, subtrees: readonly Subtree[]): Promise<Hash[]> {
  const refs = subtrees.flatMap((subtree) => completeNodesOf(subtree));
  const hashes = await fetchNodes(db, refs);
  const byKey = new Map(refs.map((ref, i) => [`${ref.level}/${ref.index}`, hashes[i] as Hash]));
  const node = (ref: NodeRef): Hash => byKey.get(`${ref.level}/${ref.index}`) as Hash;
  return subtrees.map((subtree) => subtreeHash(subtree, node));
}

/** MTH of the first `size` leaves. */
export async function rootAt(db: Queryable, size: number): Promise<Hash> {
  const refs = rootNodes(size);
  const hashes = await fetchNodes(db, refs);
  const byKey = new Map(refs.map((ref, i) => [`${ref.level}/${ref.index}`, hashes[i] as Hash]));
  return rootHash(size, (ref) => byKey.get(`${ref.level}/${ref.index}`) as Hash);
}

/** PATH(index, D[size]): one statement. */
export function inclusionProofAt(db: Queryable, index: number, size: number): Promise<Hash[]> {
  return subtreeHashes(db, inclusionPathSubtrees(index, size));
}

/** PROOF(first, D[second]): one statement. */
export function consistencyProofAt(db: Queryable, first: number, second: number): Promise<Hash[]> {
  return subtreeHashes(db, consistencyProofSubtrees(first, second));
}
