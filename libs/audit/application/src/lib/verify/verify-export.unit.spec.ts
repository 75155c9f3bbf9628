import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { MerkleTree } from '@gov/audit-merkle';

import { canonicalLeafOf, canonicalLeafText, entryIdFor } from '../entry/access-entry';
import type { AccessEntry, CanonicalLeaf } from '../entry/access-entry';
import { TreeHeadSigner } from '../tree-heads/tree-head-signer';
import type { SignedTreeHead } from '../tree-heads/tree-head-signer';
import { verifyExport } from './verify-export';
import type { FindingCode } from './verify-export';

// Fixtures built here: a log of 10 entries (two people), tree heads signed at 6 and 10 with a
// key of the test's own, and exports in the format the service answers.
const ANNA = '1983081246785';
const LUC = '1990013100044';
const b64 = (hash: Uint8Array): string => Buffer.from(hash).toString('base64url');

const entryAt = (i: number): AccessEntry => ({
  entryId: entryIdFor('registry', `event-${i}`),
  subjectNationalId: i % 3 === 0 ? ANNA : LUC,
  organisationId: i % 2 === 0 ? 'ccss' : 'rnpp',
  actorId: null,
  capacity: i % 2 === 0 ? 'agency-official' : 'registrar',
  fields: ['family_name'],
  accessedAt: new Date(Date.UTC(2026, 2, 1, 10, i)),
  purpose: 'family allowance',
  legalBasis: 'CSS art. 269',
  legalBasisId: null,
  consentId: null,
  procedureId: null,
  traceId: null,
  source: {
    service: 'registry',
    eventId: `event-${i}`,
    eventType: 'gov.registry.v1.PersonalDataAccessed',
  },
  sealedUntil: null,
  salt: new Uint8Array(32).fill(i),
});

const leaves: CanonicalLeaf[] = Array.from({ length: 10 }, (_, i) => canonicalLeafOf(entryAt(i)));
const tree = new MerkleTree();
for (const leaf of leaves) tree.append(new TextEncoder().encode(canonicalLeafText(leaf)));

let dir: string;
let signer: TreeHeadSigner;
let otherSigner: TreeHeadSigner;
let head6: SignedTreeHead;
let head10: SignedTreeHead;
const sign = (s: TreeHeadSigner, size: number, root = tree.root(size)) =>
  s.sign({ tree_size: size, timestamp: Date.UTC(2026, 2, 1, 11, size), root_hash: b64(root) });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'audit-verify-'));
  signer = await TreeHeadSigner.fromFile(join(dir, 'sth.jwk'), true);
  otherSigner = await TreeHeadSigner.fromFile(join(dir, 'other.jwk'), true);
  head6 = await sign(signer, 6);
  head10 = await sign(signer, 10);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const logExport = (
  entries = leaves.map((leaf, leafIndex) => ({ leafIndex, leaf })),
  head = head10,
) => ({
  format: 'gov.audit.v1.export',
  scope: 'log',
  subjectNationalId: null,
  treeHead: head,
  earlierTreeHeads: [{ ...head6, consistencyProof: tree.consistencyProof(6, 10).map(b64) }],
  entries,
});

const annaExport = (size = 10, head = head10) => ({
  format: 'gov.audit.v1.export',
  scope: 'subject',
  subjectNationalId: ANNA,
  treeHead: head,
  earlierTreeHeads: [],
  entries: leaves
    .map((leaf, leafIndex) => ({ leaf, leafIndex }))
    .filter(({ leaf, leafIndex }) => leaf.subjectNationalId === ANNA && leafIndex < size)
    .reverse()
    .map(({ leaf, leafIndex }) => ({
      leafIndex,
      leaf,
      inclusionProof: {
        leafIndex,
        treeSize: size,
        auditPath: tree.inclusionProof(leafIndex, size).map(b64),
      },
    })),
});

async function codes(document: unknown, known: SignedTreeHead[] = []): Promise<FindingCode[]> {
  const result = await verifyExport(JSON.parse(JSON.stringify(document)) as unknown, {
    jwks: signer.jwks(),
    knownTreeHeads: known,
  });
  return result.findings.map((finding) => finding.code);
}

describe('the offline verifier', () => {
  it('accepts an honest whole-log export and an honest personal export', async () => {
    expect(await codes(logExport(), [head6])).toEqual([]);
    expect(await codes(annaExport(), [head10])).toEqual([]);
    const result = await verifyExport(annaExport(), { jwks: signer.jwks() });
    expect(result).toMatchObject({ ok: true, scope: 'subject', treeSize: 10, entries: 4 });
  });

  it('finds a modified entry', async () => {
    const changed = logExport();
    changed.entries[4] = { leafIndex: 4, leaf: { ...leaves[4]!, organisationId: 'someone-else' } };
    expect(await codes(changed)).toEqual(['ROOT_MISMATCH']);
    const anna = annaExport();
    anna.entries[1]!.leaf = { ...anna.entries[1]!.leaf, purpose: 'curiosity' };
    expect(await codes(anna)).toEqual(['ENTRY_NOT_IN_TREE']);
  });

  it('finds a deleted entry', async () => {
    const deleted = logExport();
    deleted.entries.splice(3, 1);
    expect(await codes(deleted)).toEqual(['ENTRY_MISSING']);
  });

  it('finds a reordered pair', async () => {
    const swapped = logExport();
    [swapped.entries[2], swapped.entries[5]] = [swapped.entries[5]!, swapped.entries[2]!];
    expect(await codes(swapped)).toContain('ENTRIES_REORDERED');
    // The same swap with the indices kept in place: the leaves no longer hash to the root.
    const relabelled = logExport();
    [relabelled.entries[2]!.leaf, relabelled.entries[5]!.leaf] = [leaves[5]!, leaves[2]!];
    expect(await codes(relabelled)).toEqual(['ROOT_MISMATCH']);
    const anna = annaExport();
    [anna.entries[0], anna.entries[1]] = [anna.entries[1]!, anna.entries[0]!];
    expect(await codes(anna)).toEqual(['ENTRIES_REORDERED']);
  });

  it('finds an inserted entry', async () => {
    const forged = {
      ...leaves[3]!,
      entryId: entryIdFor('registry', 'forged'),
      purpose: 'cover-up',
    };
    const inserted = logExport();
    inserted.entries.splice(4, 0, { leafIndex: 4, leaf: forged });
    expect(await codes(inserted)).toContain('ENTRY_INSERTED');
    const anna = annaExport();
    anna.entries.splice(1, 0, {
      ...anna.entries[1]!,
      leaf: { ...forged, subjectNationalId: ANNA },
    });
    expect(await codes(anna)).toContain('ENTRY_NOT_IN_TREE');
  });

  it('finds a forked tree head: a later head that does not extend an earlier one', async () => {
    // A rewritten history: the first leaf changed, then the rest re-signed.
    const rewritten = new MerkleTree();
    leaves.forEach((leaf, i) =>
      rewritten.append(new TextEncoder().encode(i === 0 ? 'rewritten' : canonicalLeafText(leaf))),
    );
    const forkedHead = await sign(signer, 10, rewritten.root(10));
    const forked = {
      ...logExport(undefined, forkedHead),
      earlierTreeHeads: [
        { ...head6, consistencyProof: rewritten.consistencyProof(6, 10).map(b64) },
      ],
    };
    expect(await codes(forked)).toContain('FORKED_TREE_HEAD');
    // A known earlier head the export does not prove anything about.
    const withoutProof = { ...logExport(), earlierTreeHeads: [] };
    expect(await codes(withoutProof, [head6])).toEqual(['MISSING_CONSISTENCY_PROOF']);
  });

  it('finds a bad signature: another key, or fields that differ from the signed ones', async () => {
    const foreign = await sign(otherSigner, 10);
    expect(await codes(logExport(undefined, foreign))).toEqual(['BAD_SIGNATURE']);
    expect(await codes(logExport(undefined, { ...head10, tree_size: 9 }))).toEqual([
      'BAD_SIGNATURE',
    ]);
    const [header, payload] = head10.jws.split('.');
    const tampered = { ...head10, jws: `${header}.${payload}.${'A'.repeat(86)}` };
    expect(await codes(logExport(undefined, tampered))).toEqual(['BAD_SIGNATURE']);
  });

  it('finds a stale tree head: older than the entries given, or than one already known', async () => {
    const stale = logExport(undefined, head6);
    stale.earlierTreeHeads = [];
    expect(await codes(stale)).toEqual(['STALE_TREE_HEAD']);
    expect(await codes(annaExport(10, head6))).toContain('STALE_TREE_HEAD');
    const olderThanKnown = {
      ...logExport(
        leaves.slice(0, 6).map((leaf, leafIndex) => ({ leafIndex, leaf })),
        head6,
      ),
      earlierTreeHeads: [],
    };
    expect(await codes(olderThanKnown, [head10])).toEqual(['STALE_TREE_HEAD']);
  });

  it('refuses what is not an export, and a personal export holding another person', async () => {
    expect(await codes({ format: 'something' })).toEqual(['MALFORMED_EXPORT']);
    const mixed = annaExport();
    mixed.subjectNationalId = LUC;
    expect(await codes(mixed)).toContain('WRONG_SUBJECT');
  });
});
