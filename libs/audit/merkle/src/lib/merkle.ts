import { createHash } from 'node:crypto';

/**
 * The Merkle tree of RFC 9162 §2.1 (Certificate Transparency v2), over SHA-256:
 *
 *     MTH({})      = SHA-256()
 *     MTH({d0})    = SHA-256(0x00 || d0)
 *     MTH(D[n])    = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))   k = largest power of 2 < n
 *
 * Everything here is pure: hashes in, hashes out. Where the hashes of a large tree are kept
 * (memory, a database) is the caller's business: proofs are described as the subtrees they need
 * ({@link inclusionPathSubtrees}, {@link consistencyProofSubtrees}), each of which is a few
 * complete, aligned subtrees ({@link completeNodesOf}) that a store can fetch by (level, index).
 */

/** A SHA-256 digest (32 bytes). */
export type Hash = Uint8Array;

/** The half-open leaf range `[start, end)` of a subtree that the RFC's recursion visits. */
export interface Subtree {
  readonly start: number;
  readonly end: number;
}

/**
 * A complete subtree of `2^level` leaves starting at leaf `index * 2^level`: the unit a store
 * keeps (one row per complete subtree, leaves at level 0).
 */
export interface NodeRef {
  readonly level: number;
  readonly index: number;
}

/** Why a proof cannot be made: the request names something outside the tree. */
export class MerkleRangeError extends Error {
  override readonly name = 'MerkleRangeError';
}

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

function sha256(...parts: readonly Uint8Array[]): Hash {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
}

/** MTH of the empty tree: SHA-256 of the empty string. */
export const EMPTY_TREE_HASH: Hash = sha256();

/** The leaf hash `SHA-256(0x00 || leaf)`. */
export function leafHash(leaf: Uint8Array): Hash {
  return sha256(LEAF_PREFIX, leaf);
}

/** The interior node hash `SHA-256(0x01 || left || right)`. */
export function nodeHash(left: Hash, right: Hash): Hash {
  return sha256(NODE_PREFIX, left, right);
}

/** The largest power of two strictly below `n` (n > 1): where the RFC splits a tree of `n`. */
export function splitPoint(n: number): number {
  if (!Number.isSafeInteger(n) || n < 2) throw new RangeError(`cannot split a tree of ${n}`);
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function assertSize(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new MerkleRangeError(`${name} must be a non-negative integer, got ${value}`);
  }
}

/**
 * The subtrees whose hashes form PATH(m, D[n]) (RFC 9162 §2.1.3.1), in the order the proof
 * lists them (from the leaf's sibling up to the root's other child).
 *
 * @throws {@link MerkleRangeError} unless `0 <= index < size`.
 */
export function inclusionPathSubtrees(index: number, size: number): Subtree[] {
  assertSize('index', index);
  assertSize('size', size);
  if (index >= size) {
    throw new MerkleRangeError(`leaf ${index} is not in a tree of ${size}`);
  }
  const path: Subtree[] = [];
  // Iterative form of the recursion: descend from the root, collecting the other side; the
  // proof lists them bottom-up, so the collected list is reversed at the end.
  let start = 0;
  let end = size;
  let m = index;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (m < k) {
      path.push({ start: start + k, end });
      end = start + k;
    } else {
      path.push({ start, end: start + k });
      start += k;
      m -= k;
    }
  }
  return path.reverse();
}

/**
 * The subtrees whose hashes form PROOF(m, D[n]) (RFC 9162 §2.1.4.1), in proof order. Empty when
 * `first == second`.
 *
 * @throws {@link MerkleRangeError} unless `0 < first <= second`.
 */
export function consistencyProofSubtrees(first: number, second: number): Subtree[] {
  assertSize('first', first);
  assertSize('second', second);
  if (first === 0 || first > second) {
    throw new MerkleRangeError(
      `no consistency proof from a tree of ${first} to a tree of ${second} (needs 0 < first <= second)`,
    );
  }
  const proof: Subtree[] = [];
  // SUBPROOF(m, D[start:end], b), unrolled: each step appends the sibling subtree, so the list
  // is built top-down and reversed at the end.
  let start = 0;
  let end = second;
  let m = first;
  let complete = true;
  while (m !== end - start) {
    const n = end - start;
    const k = splitPoint(n);
    if (m <= k) {
      proof.push({ start: start + k, end });
      end = start + k;
    } else {
      proof.push({ start, end: start + k });
      start += k;
      m -= k;
      complete = false;
    }
  }
  if (!complete) proof.push({ start, end });
  return proof.reverse();
}

/**
 * The complete, aligned subtrees that make up a subtree of the RFC's recursion, left to right:
 * one per set bit of its size, largest first. A subtree the recursion visits starts at a
 * multiple of the power of two at or above its size, which is what makes this exact.
 */
export function completeNodesOf(subtree: Subtree): NodeRef[] {
  const refs: NodeRef[] = [];
  let start = subtree.start;
  let remaining = subtree.end - subtree.start;
  if (remaining <= 0) throw new MerkleRangeError(`empty subtree [${start}, ${subtree.end})`);
  while (remaining > 0) {
    let width = 1;
    let level = 0;
    while (width * 2 <= remaining) {
      width *= 2;
      level += 1;
    }
    if (start % width !== 0) {
      throw new MerkleRangeError(
        `[${subtree.start}, ${subtree.end}) is not a subtree of the RFC's recursion`,
      );
    }
    refs.push({ level, index: start / width });
    start += width;
    remaining -= width;
  }
  return refs;
}

/**
 * MTH of `subtree` from the hashes of its complete subtrees ({@link completeNodesOf}), folded
 * from the right as the recursion nests them.
 */
export function subtreeHash(subtree: Subtree, node: (ref: NodeRef) => Hash): Hash {
  const hashes = completeNodesOf(subtree).map(node);
  let hash = hashes.pop();
  if (!hash) throw new MerkleRangeError('empty subtree');
  for (let i = hashes.length - 1; i >= 0; i -= 1) {
    hash = nodeHash(hashes[i] as Hash, hash);
  }
  return hash;
}

/** The complete nodes that the root of a tree of `size` is folded from (none for 0). */
export function rootNodes(size: number): NodeRef[] {
  assertSize('size', size);
  return size === 0 ? [] : completeNodesOf({ start: 0, end: size });
}

/** MTH of a tree of `size` from its complete nodes. */
export function rootHash(size: number, node: (ref: NodeRef) => Hash): Hash {
  return size === 0 ? EMPTY_TREE_HASH : subtreeHash({ start: 0, end: size }, node);
}

/**
 * The complete nodes that appending leaf `index` completes, bottom-up, leaf first: the leaf
 * itself, then each parent whose right child just became complete. What a store inserts per
 * appended leaf (on average two rows).
 */
export function nodesCompletedBy(index: number): NodeRef[] {
  assertSize('index', index);
  const refs: NodeRef[] = [{ level: 0, index }];
  let level = 0;
  let i = index;
  while (i % 2 === 1) {
    level += 1;
    i = (i - 1) / 2;
    refs.push({ level, index: i });
  }
  return refs;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i += 1) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

/**
 * The root an inclusion proof leads to (RFC 9162 §2.1.3.2 steps 1-4), or `null` when the proof
 * cannot belong to a leaf `index` of a tree of `size` (wrong length, index out of range).
 */
export function rootFromInclusionProof(
  leaf: Hash,
  index: number,
  size: number,
  path: readonly Hash[],
): Hash | null {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0) return null;
  if (index >= size) return null;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

/**
 * Verifies an inclusion proof exactly as RFC 9162 §2.1.3.2: true when `path` proves that the
 * leaf with hash `leaf` is leaf `index` of the tree of `size` whose root is `root`.
 */
export function verifyInclusion(
  leaf: Hash,
  index: number,
  size: number,
  path: readonly Hash[],
  root: Hash,
): boolean {
  const computed = rootFromInclusionProof(leaf, index, size, path);
  return computed !== null && equal(computed, root);
}

/**
 * Verifies a consistency proof exactly as RFC 9162 §2.1.4.2: true when `proof` proves that the
 * tree of `first` leaves with root `firstRoot` is a prefix of the tree of `second` leaves with
 * root `secondRoot`. Equal sizes need an empty proof and equal roots.
 */
export function verifyConsistency(
  first: number,
  second: number,
  firstRoot: Hash,
  secondRoot: Hash,
  proof: readonly Hash[],
): boolean {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second)) return false;
  if (first < 1 || first > second) return false;
  if (first === second) return proof.length === 0 && equal(firstRoot, secondRoot);
  if (proof.length === 0) return false;
  let path = [...proof];
  // A power-of-two first tree is a complete subtree of the second: its root is the proof's
  // implicit first element.
  if (isPowerOfTwo(first)) path = [firstRoot, ...path];
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  const [seed, ...rest] = path;
  if (!seed) return false;
  let fr = seed;
  let sr = seed;
  for (const c of rest) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equal(fr, firstRoot) && equal(sr, secondRoot);
}

function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}

/**
 * A whole tree in memory, kept as its complete nodes (level by level): appends in O(log n)
 * amortised, any root, inclusion proof or consistency proof of any earlier size from the
 * stored nodes. For the verifier (which rebuilds the tree of an export) and for tests; a
 * service keeps the same nodes in a table.
 */
export class MerkleTree {
  private readonly levels: Hash[][] = [[]];

  /** The number of leaves. */
  get size(): number {
    return this.levels[0]?.length ?? 0;
  }

  /** Appends a leaf by its hash ({@link leafHash}); returns its index. */
  appendLeafHash(hash: Hash): number {
    const index = this.size;
    for (const ref of nodesCompletedBy(index)) {
      const level = (this.levels[ref.level] ??= []);
      level[ref.index] =
        ref.level === 0
          ? hash
          : nodeHash(
              this.node({ level: ref.level - 1, index: 2 * ref.index }),
              this.node({
                level: ref.level - 1,
                index: 2 * ref.index + 1,
              }),
            );
    }
    return index;
  }

  /** Appends a leaf by its bytes; returns its index. */
  append(leaf: Uint8Array): number {
    return this.appendLeafHash(leafHash(leaf));
  }

  /** The hash of a complete node. */
  node(ref: NodeRef): Hash {
    const hash = this.levels[ref.level]?.[ref.index];
    if (!hash) throw new MerkleRangeError(`no complete node (${ref.level}, ${ref.index})`);
    return hash;
  }

  /** MTH of the first `size` leaves (the whole tree by default). */
  root(size = this.size): Hash {
    this.assertWithin(size);
    return rootHash(size, (ref) => this.node(ref));
  }

  /** PATH(index, D[size]). */
  inclusionProof(index: number, size = this.size): Hash[] {
    this.assertWithin(size);
    return inclusionPathSubtrees(index, size).map((subtree) =>
      subtreeHash(subtree, (ref) => this.node(ref)),
    );
  }

  /** PROOF(first, D[second]). */
  consistencyProof(first: number, second = this.size): Hash[] {
    this.assertWithin(second);
    return consistencyProofSubtrees(first, second).map((subtree) =>
      subtreeHash(subtree, (ref) => this.node(ref)),
    );
  }

  private assertWithin(size: number): void {
    assertSize('size', size);
    if (size > this.size) {
      throw new MerkleRangeError(`the tree has ${this.size} leaves, not ${size}`);
    }
  }
}

/**
 * MTH of a stream of leaves in O(log n) memory: keeps only the right edge of the tree (one
 * complete subtree per set bit of the size). For a verifier that hashes a whole log without
 * holding it.
 */
export class RootAccumulator {
  /** Complete subtrees of the right edge, largest (leftmost) first, with their levels. */
  private readonly edge: { level: number; hash: Hash }[] = [];
  private count = 0;

  /** The number of leaves appended. */
  get size(): number {
    return this.count;
  }

  /** Appends a leaf by its hash ({@link leafHash}). */
  appendLeafHash(hash: Hash): void {
    let node = { level: 0, hash };
    for (let last = this.edge.at(-1); last?.level === node.level; last = this.edge.at(-1)) {
      this.edge.pop();
      node = { level: node.level + 1, hash: nodeHash(last.hash, node.hash) };
    }
    this.edge.push(node);
    this.count += 1;
  }

  /** MTH of the leaves appended so far. */
  root(): Hash {
    let hash: Hash | undefined;
    for (let i = this.edge.length - 1; i >= 0; i -= 1) {
      const node = (this.edge[i] as { hash: Hash }).hash;
      hash = hash === undefined ? node : nodeHash(node, hash);
    }
    return hash ?? EMPTY_TREE_HASH;
  }
}
