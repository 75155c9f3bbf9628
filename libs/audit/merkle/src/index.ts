/**
 * The audit log's Merkle tree (RFC 9162 §2.1): leaf and node hashes, the subtrees of inclusion
 * and consistency proofs, their verification, and a whole tree in memory. Pure: no I/O.
 *
 * @packageDocumentation
 */
export {
  EMPTY_TREE_HASH,
  MerkleRangeError,
  MerkleTree,
  RootAccumulator,
  completeNodesOf,
  consistencyProofSubtrees,
  inclusionPathSubtrees,
  leafHash,
  nodeHash,
  nodesCompletedBy,
  rootFromInclusionProof,
  rootHash,
  rootNodes,
  splitPoint,
  subtreeHash,
  verifyConsistency,
  verifyInclusion,
} from './lib/merkle';
export type { Hash, NodeRef, Subtree } from './lib/merkle';
