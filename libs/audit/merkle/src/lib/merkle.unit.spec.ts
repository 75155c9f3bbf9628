import { createHash } from 'node:crypto';

import {
  EMPTY_TREE_HASH,
  MerkleRangeError,
  MerkleTree,
  RootAccumulator,
  consistencyProofSubtrees,
  inclusionPathSubtrees,
  leafHash,
  rootFromInclusionProof,
  verifyConsistency,
  verifyInclusion,
} from './merkle';
import type { Hash } from './merkle';

// An independent reference: RFC 9162 §2.1's definitions, written as literally as possible
// (recursion over byte arrays, hashing through Buffer), used to check the iterative code.
const sha = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
const k = (n: number): number => 2 ** Math.ceil(Math.log2(n) - 1);
function mth(d: readonly Uint8Array[]): Buffer {
  if (d.length === 0) return sha();
  if (d.length === 1) return sha(Buffer.of(0), d[0]!);
  const split = k(d.length);
  return sha(Buffer.of(1), mth(d.slice(0, split)), mth(d.slice(split)));
}
function path(m: number, d: readonly Uint8Array[]): Buffer[] {
  if (d.length === 1) return [];
  const split = k(d.length);
  return m < split
    ? [...path(m, d.slice(0, split)), mth(d.slice(split))]
    : [...path(m - split, d.slice(split)), mth(d.slice(0, split))];
}
function subproof(m: number, d: readonly Uint8Array[], b: boolean): Buffer[] {
  if (m === d.length) return b ? [] : [mth(d)];
  const split = k(d.length);
  return m <= split
    ? [...subproof(m, d.slice(0, split), b), mth(d.slice(split))]
    : [...subproof(m - split, d.slice(split), false), mth(d.slice(0, split))];
}

const hex = (h: Uint8Array): string => Buffer.from(h).toString('hex');
const leaves = Array.from({ length: 64 }, (_, i) => Buffer.from(`entry-${i}`));
const tree = new MerkleTree();
for (const leaf of leaves) tree.append(leaf);
const flip = (h: Hash): Hash => {
  const copy = Uint8Array.from(h);
  copy[0] = (copy[0] ?? 0) ^ 1;
  return copy;
};

describe('Merkle tree hash (RFC 9162 §2.1.1)', () => {
  it('matches the Certificate Transparency reference roots for 1..8 leaves', () => {
    // The leaves and roots of certificate-transparency's merkle tree tests.
    const ct = [
      '',
      '00',
      '10',
      '2021',
      '3031',
      '40414243',
      '5051525354555657',
      '606162636465666768696a6b6c6d6e6f',
    ].map((h) => Buffer.from(h, 'hex'));
    const roots = [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
      'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
      '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
      '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
      'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
      '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
    ];
    const small = new MerkleTree();
    for (const leaf of ct) small.append(leaf);
    expect(roots.map((_, i) => hex(small.root(i + 1)))).toEqual(roots);
    expect(hex(small.root(0))).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(hex(EMPTY_TREE_HASH)).toBe(hex(mth([])));
  });

  it('equals the recursive definition for every size 1..64', () => {
    for (let n = 1; n <= 64; n += 1) {
      expect(hex(tree.root(n))).toBe(hex(mth(leaves.slice(0, n))));
    }
  });

  it('is the same from a streaming accumulator, for every size 0..64', () => {
    const accumulator = new RootAccumulator();
    expect(hex(accumulator.root())).toBe(hex(mth([])));
    leaves.forEach((leaf, i) => {
      accumulator.appendLeafHash(leafHash(leaf));
      expect(accumulator.size).toBe(i + 1);
      expect(hex(accumulator.root())).toBe(hex(mth(leaves.slice(0, i + 1))));
    });
  });

  it('separates leaves from nodes (0x00 / 0x01 prefixes)', () => {
    const leaf = Buffer.from('x');
    expect(hex(leafHash(leaf))).toBe(hex(sha(Buffer.of(0), leaf)));
  });
});

describe('inclusion proofs (RFC 9162 §2.1.3)', () => {
  it('equal PATH(m, D[n]) and verify, for every index of every size 1..64', () => {
    for (let n = 1; n <= 64; n += 1) {
      const d = leaves.slice(0, n);
      const root = mth(d);
      for (let m = 0; m < n; m += 1) {
        const proof = tree.inclusionProof(m, n);
        expect(proof.map(hex)).toEqual(path(m, d).map(hex));
        expect(verifyInclusion(leafHash(d[m]!), m, n, proof, root)).toBe(true);
      }
    }
  });

  it('fail for another leaf, another index, a size below the index, a changed or cut path', () => {
    for (let n = 2; n <= 64; n += 1) {
      const root = tree.root(n);
      for (let m = 0; m < n; m += 1) {
        const proof = tree.inclusionProof(m, n);
        const leaf = leafHash(leaves[m]!);
        const other = (m + 1) % n;
        expect(verifyInclusion(leafHash(leaves[other]!), m, n, proof, root)).toBe(false);
        expect(verifyInclusion(leaf, other, n, proof, root)).toBe(false);
        // (A different size can share the path's shape: the size is bound to the root by the
        // signed tree head, not by the proof.)
        expect(verifyInclusion(leaf, m, m, proof, root)).toBe(false);
        expect(verifyInclusion(leaf, m, n, proof.slice(1), root)).toBe(false);
        expect(verifyInclusion(leaf, m, n, [...proof, proof[0]!], root)).toBe(false);
        proof.forEach((_, i) => {
          const changed = proof.map((h, j) => (j === i ? flip(h) : h));
          expect(verifyInclusion(leaf, m, n, changed, root)).toBe(false);
        });
        expect(verifyInclusion(leaf, m, n, proof, flip(root))).toBe(false);
      }
    }
  });

  it('refuses an index outside the tree', () => {
    expect(() => inclusionPathSubtrees(5, 5)).toThrow(MerkleRangeError);
    expect(() => tree.inclusionProof(0, 65)).toThrow(MerkleRangeError);
    expect(rootFromInclusionProof(leafHash(leaves[0]!), 3, 3, [])).toBeNull();
    expect(verifyInclusion(leafHash(leaves[0]!), 0, 1, [], tree.root(1))).toBe(true);
  });
});

describe('consistency proofs (RFC 9162 §2.1.4)', () => {
  it('equal PROOF(m, D[n]) and verify, for every pair 1 <= m <= n <= 64', () => {
    for (let n = 1; n <= 64; n += 1) {
      const d = leaves.slice(0, n);
      for (let m = 1; m <= n; m += 1) {
        const proof = tree.consistencyProof(m, n);
        expect(proof.map(hex)).toEqual(subproof(m, d, true).map(hex));
        expect(verifyConsistency(m, n, mth(d.slice(0, m)), mth(d), proof)).toBe(true);
      }
    }
  });

  it('fail for a forked history, swapped sizes, a changed or cut proof', () => {
    // A tree that agrees with `tree` up to 20 leaves and then forks.
    const fork = new MerkleTree();
    leaves.forEach((leaf, i) => fork.append(i < 20 ? leaf : Buffer.from(`fork-${i}`)));
    for (let n = 2; n <= 64; n += 1) {
      for (let m = 1; m < n; m += 1) {
        const proof = tree.consistencyProof(m, n);
        const first = tree.root(m);
        const second = tree.root(n);
        if (m > 20) {
          expect(verifyConsistency(m, n, fork.root(m), second, proof)).toBe(false);
        }
        if (n > 20) {
          expect(verifyConsistency(m, n, first, fork.root(n), proof)).toBe(false);
        }
        expect(verifyConsistency(n, m, second, first, proof)).toBe(false);
        expect(verifyConsistency(m, n, first, second, proof.slice(1))).toBe(false);
        proof.forEach((_, i) => {
          const changed = proof.map((h, j) => (j === i ? flip(h) : h));
          expect(verifyConsistency(m, n, first, second, changed)).toBe(false);
        });
      }
    }
  });

  it('needs 0 < first <= second; equal sizes need equal roots and no proof', () => {
    expect(() => consistencyProofSubtrees(0, 4)).toThrow(MerkleRangeError);
    expect(() => consistencyProofSubtrees(5, 4)).toThrow(MerkleRangeError);
    expect(verifyConsistency(4, 4, tree.root(4), tree.root(4), [])).toBe(true);
    expect(verifyConsistency(4, 4, tree.root(4), tree.root(5), [])).toBe(false);
    expect(verifyConsistency(4, 4, tree.root(4), tree.root(4), [tree.root(4)])).toBe(false);
    expect(verifyConsistency(3, 8, tree.root(3), tree.root(8), [])).toBe(false);
  });
});
