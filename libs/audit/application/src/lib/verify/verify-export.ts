import type { JSONWebKeySet } from 'jose';

import { RootAccumulator, leafHash, verifyConsistency, verifyInclusion } from '@gov/audit-merkle';
import type { Hash } from '@gov/audit-merkle';

import {
  NotACanonicalLeafError,
  canonicalLeafText,
  parseCanonicalLeaf,
} from '../entry/access-entry';
import { TreeHeadSignatureError, verifyTreeHead } from '../tree-heads/tree-head-signer';
import type { SignedTreeHead } from '../tree-heads/tree-head-signer';

/** What the verifier can find wrong, one code per kind of tampering or staleness. */
export type FindingCode =
  /** The file is not an export of this format. */
  | 'MALFORMED_EXPORT'
  /** A tree head's signature does not verify with the JWKS (or its fields disagree with it). */
  | 'BAD_SIGNATURE'
  /** Two tree heads are not consistent: the later does not extend the earlier (a fork). */
  | 'FORKED_TREE_HEAD'
  /** A tree head known to the verifier has no consistency proof to the exported one. */
  | 'MISSING_CONSISTENCY_PROOF'
  /** An entry lies beyond the tree head it is verified against: the tree head is stale. */
  | 'STALE_TREE_HEAD'
  /** An entry is not a canonical leaf. */
  | 'MALFORMED_ENTRY'
  /** An entry appears twice, or there are more entries than leaves. */
  | 'ENTRY_INSERTED'
  /** A leaf of the tree is missing from a whole-log export. */
  | 'ENTRY_MISSING'
  /** Entries are out of order (log: ascending leaf index; a person's: descending). */
  | 'ENTRIES_REORDERED'
  /** The whole log does not hash to the signed root: an entry's content was changed. */
  | 'ROOT_MISMATCH'
  /** An entry's inclusion proof does not lead to the signed root: it was changed or added. */
  | 'ENTRY_NOT_IN_TREE'
  /** An entry of a person's export is about someone else. */
  | 'WRONG_SUBJECT';

/** One thing the verifier found wrong. */
export interface Finding {
  readonly code: FindingCode;
  readonly message: string;
}

/** What the verifier is given besides the export. */
export interface VerifyOptions {
  /** The audit service's published keys. */
  readonly jwks: JSONWebKeySet;
  /**
   * Tree heads the verifier kept from earlier (a citizen's client, an auditor's archive): each
   * must be consistent with the exported head, by a proof the export carries.
   */
  readonly knownTreeHeads?: readonly SignedTreeHead[];
}

/** The outcome: `ok` when nothing was found. */
export interface VerifyResult {
  readonly ok: boolean;
  readonly scope: 'log' | 'subject' | null;
  readonly treeSize: number | null;
  readonly entries: number;
  readonly findings: Finding[];
}

const fromB64 = (text: unknown): Hash | null => {
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]*$/.test(text)) return null;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.length === 32 ? new Uint8Array(bytes) : null;
};
const hashes = (list: unknown): Hash[] | null => {
  if (!Array.isArray(list)) return null;
  const out = list.map(fromB64);
  return out.every((h): h is Hash => h !== null) ? out : null;
};
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** An entry as the checks need it: its leaf hashed on arrival, the leaf itself dropped. */
interface CompactEntry {
  readonly index: number;
  readonly leafHash: Hash;
  readonly subject: string;
  readonly entryId: string;
  readonly proof: unknown;
}

/** A signed tree head whose JWS verifies and agrees with its listed fields, with its root. */
interface VerifiedHead {
  readonly size: number;
  readonly root: Hash;
  readonly timestamp: number;
}

async function checkHead(
  head: unknown,
  what: string,
  jwks: JSONWebKeySet,
  findings: Finding[],
): Promise<VerifiedHead | null> {
  if (!isRecord(head) || typeof head['jws'] !== 'string') {
    findings.push({ code: 'MALFORMED_EXPORT', message: `${what} has no jws` });
    return null;
  }
  try {
    const signed = await verifyTreeHead(head['jws'], jwks);
    if (
      signed.tree_size !== head['tree_size'] ||
      signed.root_hash !== head['root_hash'] ||
      signed.timestamp !== head['timestamp']
    ) {
      findings.push({
        code: 'BAD_SIGNATURE',
        message: `${what}: its fields differ from what its signature covers`,
      });
      return null;
    }
    const root = fromB64(signed.root_hash);
    if (!root) {
      findings.push({ code: 'BAD_SIGNATURE', message: `${what}: the signed root is not a hash` });
      return null;
    }
    return { size: signed.tree_size, root, timestamp: signed.timestamp };
  } catch (error) {
    if (!(error instanceof TreeHeadSignatureError)) throw error;
    findings.push({ code: 'BAD_SIGNATURE', message: `${what}: ${error.message}` });
    return null;
  }
}

/**
 * Verifies an export of the audit log (`GET /export`, `GET /access-log/me/export`) offline:
 * the tree heads' signatures against the JWKS, their consistency, and the entries against the
 * exported tree head: a whole log must hash to its root leaf by leaf; a person's entries must
 * each prove their inclusion. Returns every finding, not only the first.
 *
 * What it cannot see: an entry left out of a person's export (the proofs show that what is
 * there is in the log, not that nothing is missing); a whole-log export or the DPO's view of
 * the person shows that.
 */
export async function verifyExport(
  document: unknown,
  options: VerifyOptions,
): Promise<VerifyResult> {
  const entries = isRecord(document) ? document['entries'] : undefined;
  if (!Array.isArray(entries)) {
    return verifyExportStream(document, [], options, 'entries is not a list');
  }
  return verifyExportStream(document, entries, options);
}

/**
 * {@link verifyExport} over the NDJSON form (`GET /export`): the header (the export without
 * `entries`) and the entries one by one, each hashed as it arrives, so that a log of millions
 * of entries is verified in the memory of its leaf hashes, not of its leaves.
 */
export async function verifyExportStream(
  header: unknown,
  entryStream: Iterable<unknown> | AsyncIterable<unknown>,
  options: VerifyOptions,
  malformed?: string,
): Promise<VerifyResult> {
  const document = header;
  const findings: Finding[] = [];
  const fail = (scope: VerifyResult['scope'] = null): VerifyResult => ({
    ok: false,
    scope,
    treeSize: null,
    entries: 0,
    findings,
  });
  if (!isRecord(document) || document['format'] !== 'gov.audit.v1.export') {
    findings.push({ code: 'MALFORMED_EXPORT', message: 'not a gov.audit.v1.export document' });
    return fail();
  }
  const scope = document['scope'];
  if (scope !== 'log' && scope !== 'subject') {
    findings.push({ code: 'MALFORMED_EXPORT', message: 'scope is neither "log" nor "subject"' });
    return fail();
  }
  const head = await checkHead(
    document['treeHead'],
    'the exported tree head',
    options.jwks,
    findings,
  );
  if (!head) return fail(scope);

  // Earlier tree heads: each must be extended by the exported one.
  const earlier = Array.isArray(document['earlierTreeHeads']) ? document['earlierTreeHeads'] : [];
  const proofs = new Map<number, Hash[]>();
  for (const [i, item] of earlier.entries()) {
    const verified = await checkHead(item, `earlier tree head #${i}`, options.jwks, findings);
    if (!verified) continue;
    const proof = isRecord(item) ? hashes(item['consistencyProof']) : null;
    if (!proof) {
      findings.push({ code: 'MALFORMED_EXPORT', message: `earlier tree head #${i} has no proof` });
      continue;
    }
    proofs.set(verified.size, proof);
    checkConsistency(verified, head, proof, `tree head of size ${verified.size}`, findings);
  }
  for (const [i, known] of (options.knownTreeHeads ?? []).entries()) {
    const verified = await checkHead(known, `known tree head #${i}`, options.jwks, findings);
    if (!verified) continue;
    if (verified.size === head.size || verified.size === 0) {
      checkConsistency(verified, head, [], `known tree head of size ${verified.size}`, findings);
      continue;
    }
    if (verified.size > head.size) {
      findings.push({
        code: 'STALE_TREE_HEAD',
        message: `the export's tree head (${head.size} leaves) is older than a tree head already known (${verified.size})`,
      });
      continue;
    }
    const proof = proofs.get(verified.size);
    if (!proof) {
      findings.push({
        code: 'MISSING_CONSISTENCY_PROOF',
        message: `the export proves nothing about the known tree head of size ${verified.size}: export again with consistencyFrom=${verified.size}`,
      });
      continue;
    }
    checkConsistency(verified, head, proof, `known tree head of size ${verified.size}`, findings);
  }

  if (malformed !== undefined) {
    findings.push({ code: 'MALFORMED_EXPORT', message: malformed });
    return fail(scope);
  }
  const entries: CompactEntry[] = [];
  let i = -1;
  for await (const item of entryStream) {
    i += 1;
    try {
      if (
        !isRecord(item) ||
        !Number.isSafeInteger(item['leafIndex']) ||
        (item['leafIndex'] as number) < 0
      ) {
        throw new NotACanonicalLeafError('leafIndex is not a leaf index');
      }
      const leaf = parseCanonicalLeaf(item['leaf']);
      entries.push({
        index: item['leafIndex'] as number,
        leafHash: leafHash(new TextEncoder().encode(canonicalLeafText(leaf))),
        subject: leaf.subjectNationalId,
        entryId: leaf.entryId,
        proof: scope === 'subject' ? item['inclusionProof'] : undefined,
      });
    } catch (error) {
      if (!(error instanceof NotACanonicalLeafError)) throw error;
      findings.push({ code: 'MALFORMED_ENTRY', message: `entry #${i}: ${error.message}` });
    }
  }

  checkDuplicates(entries, findings);
  checkOrder(entries, scope, findings);
  if (scope === 'log') {
    checkWholeLog(entries, head, findings);
  } else {
    checkSubjectEntries(entries, head, document['subjectNationalId'], findings);
  }
  return {
    ok: findings.length === 0,
    scope,
    treeSize: head.size,
    entries: entries.length,
    findings,
  };
}

function checkConsistency(
  earlier: VerifiedHead,
  later: VerifiedHead,
  proof: readonly Hash[],
  what: string,
  findings: Finding[],
): void {
  if (earlier.size > later.size) {
    findings.push({
      code: 'FORKED_TREE_HEAD',
      message: `${what} is larger than the exported tree head (${later.size})`,
    });
    return;
  }
  if (!verifyConsistency(earlier.size, later.size, earlier.root, later.root, proof)) {
    findings.push({
      code: 'FORKED_TREE_HEAD',
      message: `${what} is not a prefix of the exported tree head (${later.size} leaves): the log was rewritten`,
    });
  }
}

function checkDuplicates(
  entries: readonly { index: number; entryId: string }[],
  findings: Finding[],
): void {
  const indices = new Set<number>();
  const ids = new Set<string>();
  for (const entry of entries) {
    if (indices.has(entry.index) || ids.has(entry.entryId)) {
      findings.push({
        code: 'ENTRY_INSERTED',
        message: `leaf ${entry.index} (entry ${entry.entryId}) appears more than once`,
      });
    }
    indices.add(entry.index);
    ids.add(entry.entryId);
  }
}

function checkOrder(
  entries: readonly { index: number }[],
  scope: 'log' | 'subject',
  findings: Finding[],
): void {
  for (let i = 1; i < entries.length; i += 1) {
    const before = (entries[i - 1] as { index: number }).index;
    const after = (entries[i] as { index: number }).index;
    const inOrder = scope === 'log' ? after > before : after < before;
    if (!inOrder && after !== before) {
      findings.push({
        code: 'ENTRIES_REORDERED',
        message: `leaf ${after} comes after leaf ${before} (${scope === 'log' ? 'ascending' : 'newest first'} expected)`,
      });
    }
  }
}

function checkWholeLog(
  entries: readonly CompactEntry[],
  head: VerifiedHead,
  findings: Finding[],
): void {
  const beyond = entries.filter((entry) => entry.index >= head.size);
  if (beyond.length > 0) {
    findings.push({
      code: 'STALE_TREE_HEAD',
      message: `${beyond.length} entries (from leaf ${Math.min(...beyond.map((e) => e.index))}) are beyond the tree head's ${head.size} leaves`,
    });
  }
  const byIndex = new Map<number, Hash>();
  for (const entry of entries) {
    if (entry.index < head.size) byIndex.set(entry.index, entry.leafHash);
  }
  const missing: number[] = [];
  for (let i = 0; i < head.size; i += 1) if (!byIndex.has(i)) missing.push(i);
  if (missing.length > 0) {
    findings.push({
      code: 'ENTRY_MISSING',
      message: `${missing.length} leaves of ${head.size} are missing (first: leaf ${missing[0] ?? '?'})`,
    });
    return;
  }
  if (entries.length > head.size + beyond.length) {
    return; // duplicates were reported
  }
  const tree = new RootAccumulator();
  for (let i = 0; i < head.size; i += 1) tree.appendLeafHash(byIndex.get(i) as Hash);
  if (!Buffer.from(tree.root()).equals(Buffer.from(head.root))) {
    findings.push({
      code: 'ROOT_MISMATCH',
      message: `the ${head.size} leaves do not hash to the signed root: an entry was changed (or two swapped with their indices)`,
    });
  }
}

function checkSubjectEntries(
  entries: readonly CompactEntry[],
  head: VerifiedHead,
  subject: unknown,
  findings: Finding[],
): void {
  for (const entry of entries) {
    if (entry.subject !== subject) {
      findings.push({
        code: 'WRONG_SUBJECT',
        message: `entry ${entry.entryId} is about another person than ${String(subject)}`,
      });
    }
    if (entry.index >= head.size) {
      findings.push({
        code: 'STALE_TREE_HEAD',
        message: `entry ${entry.entryId} is leaf ${entry.index}, beyond the tree head's ${head.size} leaves`,
      });
      continue;
    }
    const proof = isRecord(entry.proof) ? entry.proof : undefined;
    const path = proof ? hashes(proof['auditPath']) : null;
    if (!proof || !path || proof['treeSize'] !== head.size || proof['leafIndex'] !== entry.index) {
      findings.push({
        code: 'ENTRY_NOT_IN_TREE',
        message: `entry ${entry.entryId} has no inclusion proof against the tree head of ${head.size} leaves`,
      });
      continue;
    }
    if (!verifyInclusion(entry.leafHash, entry.index, head.size, path, head.root)) {
      findings.push({
        code: 'ENTRY_NOT_IN_TREE',
        message: `entry ${entry.entryId} (leaf ${entry.index}) does not prove its inclusion: it was changed or added`,
      });
    }
  }
}
