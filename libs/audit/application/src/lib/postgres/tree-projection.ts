import type { PoolClient } from 'pg';

import { leafHash, nodeHash, nodesCompletedBy, rootNodes } from '@gov/audit-merkle';
import type { Hash } from '@gov/audit-merkle';
import type { PositionedEvent, Projection } from '@gov/platform-event-sourcing';

import { canonicalLeafOf, canonicalLeafText } from '../entry/access-entry';
import { ACCESS_RECORDED, decodeAccessRecorded } from '../entry/access-recorded.codec';
import { AUDIT_APP_SCHEMA } from './audit-schema';
import { fetchNodes } from './tree-nodes';

/** The projection's checkpoint name. */
export const AUDIT_TREE_PROJECTION = 'audit.tree';

/**
 * What the projection knows of the tree between events: its size, the last log position it
 * applied, and the hash of each complete subtree on the right edge (one per set bit of the
 * size), keyed by level. Appending a leaf combines it with those of its left siblings.
 */
interface Frontier {
  position: bigint;
  size: number;
  edge: Map<number, Hash>;
}

/**
 * The Merkle tree as a projection of the audit log: each AccessRecorded, in log order, becomes
 * the next leaf (its entry row and the complete subtrees it completes, one statement), in the
 * projection batch's transaction. Log order is the global position, identical on both sites
 * after replay, so both build the same tree (and the same digest).
 *
 * The right edge is kept in memory between events and trusted only while the events arrive
 * one position after the last one it applied: a rolled-back batch, a rebuild or another runner
 * breaks the sequence, and it is read again from the table (rootNodes of the size: at most 64
 * rows by primary key).
 */
export function auditTreeProjection(): Projection {
  let frontier: Frontier | undefined;
  const entries = `${AUDIT_APP_SCHEMA}.entries`;
  const nodes = `${AUDIT_APP_SCHEMA}.tree_nodes`;

  const load = async (client: PoolClient, position: bigint): Promise<Frontier> => {
    const { rows } = await client.query<{ idx: string }>(
      `SELECT idx FROM ${nodes} WHERE level = 0 ORDER BY idx DESC LIMIT 1`,
    );
    const size = rows[0] ? Number(rows[0].idx) + 1 : 0;
    const refs = rootNodes(size);
    const hashes = await fetchNodes(client, refs);
    return {
      position,
      size,
      edge: new Map(refs.map((ref, i) => [ref.level, hashes[i] as Hash])),
    };
  };

  return {
    name: AUDIT_TREE_PROJECTION,
    tables: [entries, nodes],
    apply: async (client: PoolClient, event: PositionedEvent): Promise<void> => {
      if (frontier?.position !== event.globalPosition - 1n) {
        frontier = undefined;
        frontier = await load(client, event.globalPosition - 1n);
      }
      const current = frontier;
      current.position = event.globalPosition;
      if (event.eventType !== ACCESS_RECORDED) return;
      const entry = decodeAccessRecorded(event);
      const leaf = canonicalLeafText(canonicalLeafOf(entry));
      const index = current.size;
      const levels: number[] = [];
      const indices: string[] = [];
      const hashes: Buffer[] = [];
      let hash = leafHash(new TextEncoder().encode(leaf));
      for (const ref of nodesCompletedBy(index)) {
        if (ref.level > 0) {
          const left = current.edge.get(ref.level - 1);
          if (!left) throw new Error(`the tree's right edge lacks level ${ref.level - 1}`);
          current.edge.delete(ref.level - 1);
          hash = nodeHash(left, hash);
        }
        levels.push(ref.level);
        indices.push(String(ref.index));
        hashes.push(Buffer.from(hash));
      }
      try {
        await client.query(
          `WITH entry AS (
             INSERT INTO ${entries}
               (leaf_index, entry_id, position, subject_national_id, accessed_at, sealed_until, leaf)
             VALUES ($1, $2, $3, $4, $5, $6, $7))
           INSERT INTO ${nodes} (level, idx, hash)
           SELECT * FROM unnest($8::smallint[], $9::bigint[], $10::bytea[])`,
          [
            index,
            entry.entryId,
            event.globalPosition.toString(),
            entry.subjectNationalId,
            entry.accessedAt,
            entry.sealedUntil,
            leaf,
            levels,
            indices,
            hashes,
          ],
        );
      } catch (error) {
        // The batch rolls back: what the edge learnt is not in the table.
        frontier = undefined;
        throw error;
      }
      current.edge.set(levels.at(-1) ?? 0, hash);
      current.size = index + 1;
    },
  };
}
