import fixture from './verify-proofs.fixture.json';

// The verifier is the browser's ES module itself, typed here (it has JSDoc types, but the
// portal's TypeScript project does not check JavaScript). Node 24 has the same WebCrypto as
// Chromium: SHA-256 and Ed25519.
interface SignedTreeHead {
  readonly tree_size: number;
  readonly timestamp: number;
  readonly root_hash: string;
  readonly jws: string;
}
interface TreeHeadPayload {
  readonly tree_size: number;
  readonly timestamp: number;
  readonly root_hash: string;
}
interface Entry {
  readonly leaf: unknown;
  readonly inclusionProof: {
    readonly leafIndex: number;
    readonly treeSize: number;
    readonly auditPath: string[];
  };
}
type Verdict = { ok: true } | { ok: false; reason: string };
interface Verifier {
  canonicalLeafText(leaf: unknown): string;
  fromBase64Url(text: string): Uint8Array;
  leafHash(leaf: Uint8Array): Promise<Uint8Array>;
  nodeHash(left: Uint8Array, right: Uint8Array): Promise<Uint8Array>;
  rootFromInclusionProof(
    leaf: Uint8Array,
    index: number,
    size: number,
    path: readonly Uint8Array[],
  ): Promise<Uint8Array | null>;
  verifyTreeHead(
    head: SignedTreeHead | null,
    jwks: unknown,
  ): Promise<{ ok: true; payload: TreeHeadPayload } | { ok: false; reason: string }>;
  verifyEntry(entry: Entry, head: TreeHeadPayload, subject: string): Promise<Verdict>;
  shownMatchesLeaf(
    leaf: Record<string, unknown>,
    shown: readonly { member: string; value: string }[],
  ): boolean;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a JavaScript module, typed above
const verifier = require('../assets/verify-proofs.js') as Verifier;

const { library, service } = fixture;
const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

async function signedPayload(head: SignedTreeHead, jwks: unknown): Promise<TreeHeadPayload> {
  const verified = await verifier.verifyTreeHead(head, jwks);
  if (!verified.ok) throw new Error(`the fixture's tree head does not verify: ${verified.reason}`);
  return verified.payload;
}

describe('verify-proofs.js against proofs of the audit library', () => {
  it('verifies the signed tree head and every entry of an 11-leaf tree', async () => {
    const head = await signedPayload(library.treeHead, library.jwks);
    expect(head.tree_size).toBe(11);
    for (const entry of library.entries) {
      const subject = entry.leaf.subjectNationalId;
      await expect(verifier.verifyEntry(entry, head, subject)).resolves.toEqual({ ok: true });
    }
  });

  it('recomputes the leaf hash the audit library computed, escapes and all', async () => {
    for (const entry of library.entries) {
      const text = verifier.canonicalLeafText(entry.leaf);
      const hash = await verifier.leafHash(new TextEncoder().encode(text));
      expect(b64(hash)).toBe(entry.inclusionProof.leafHash);
    }
    // Non-ASCII, a line separator and markup in a value are serialised as JSON.stringify does.
    const odd = library.entries[6];
    expect(verifier.canonicalLeafText(odd?.leaf)).toContain('"purpose":"Prüfung « été » \u2028');
  });

  it('verifies an answer of the running audit service with its published key', async () => {
    const answer = service.accessLog;
    const head = await signedPayload(answer.treeHead, service.jwks);
    for (const entry of answer.entries) {
      await expect(verifier.verifyEntry(entry, head, answer.subjectNationalId)).resolves.toEqual({
        ok: true,
      });
    }
  });

  it('finds a changed field, a moved leaf, a shortened proof and another person’s entry', async () => {
    const head = await signedPayload(library.treeHead, library.jwks);
    const entry = library.entries[5];
    if (entry === undefined) throw new Error('fixture too short');
    const subject = entry.leaf.subjectNationalId;
    const changed = { ...entry, leaf: { ...entry.leaf, purpose: 'marketing' } };
    await expect(verifier.verifyEntry(changed, head, subject)).resolves.toEqual({
      ok: false,
      reason: 'not-in-tree',
    });
    const moved = { ...entry, inclusionProof: { ...entry.inclusionProof, leafIndex: 4 } };
    await expect(verifier.verifyEntry(moved, head, subject)).resolves.toEqual({
      ok: false,
      reason: 'not-in-tree',
    });
    const shortened = {
      ...entry,
      inclusionProof: {
        ...entry.inclusionProof,
        auditPath: entry.inclusionProof.auditPath.slice(1),
      },
    };
    await expect(verifier.verifyEntry(shortened, head, subject)).resolves.toEqual({
      ok: false,
      reason: 'not-in-tree',
    });
    await expect(verifier.verifyEntry(entry, head, '1900010100000')).resolves.toEqual({
      ok: false,
      reason: 'wrong-subject',
    });
    const otherSize = { ...entry, inclusionProof: { ...entry.inclusionProof, treeSize: 12 } };
    await expect(verifier.verifyEntry(otherSize, head, subject)).resolves.toEqual({
      ok: false,
      reason: 'wrong-tree-size',
    });
  });

  it('refuses a leaf that is not canonical in shape', async () => {
    const head = await signedPayload(library.treeHead, library.jwks);
    const entry = library.entries[0];
    if (entry === undefined) throw new Error('fixture too short');
    const subject = entry.leaf.subjectNationalId;
    const withoutSalt: Record<string, unknown> = { ...entry.leaf };
    delete withoutSalt['salt'];
    for (const leaf of [
      withoutSalt,
      { ...entry.leaf, extra: 'x' },
      { ...entry.leaf, fields: 'family_name' },
      { ...entry.leaf, purpose: null },
      { ...entry.leaf, format: 'gov.audit.v2.leaf' },
    ]) {
      await expect(verifier.verifyEntry({ ...entry, leaf }, head, subject)).resolves.toEqual({
        ok: false,
        reason: 'malformed-leaf',
      });
    }
  });

  it('refuses a tree head signed by another key, altered, or with fields other than signed', async () => {
    await expect(verifier.verifyTreeHead(library.treeHead, library.otherJwks)).resolves.toEqual({
      ok: false,
      reason: 'unknown-key',
    });
    const otherKeySameKid = {
      keys: library.otherJwks.keys.map((key) => ({ ...key, kid: library.treeHead.key_id })),
    };
    await expect(verifier.verifyTreeHead(library.treeHead, otherKeySameKid)).resolves.toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    const [header, , signature] = library.treeHead.jws.split('.');
    const forged = Buffer.from(
      JSON.stringify({ tree_size: 12, timestamp: 1, root_hash: library.treeHead.root_hash }),
    ).toString('base64url');
    await expect(
      verifier.verifyTreeHead(
        {
          ...library.treeHead,
          tree_size: 12,
          timestamp: 1,
          jws: `${header}.${forged}.${signature}`,
        },
        library.jwks,
      ),
    ).resolves.toEqual({ ok: false, reason: 'bad-signature' });
    await expect(
      verifier.verifyTreeHead({ ...library.treeHead, tree_size: 12 }, library.jwks),
    ).resolves.toEqual({ ok: false, reason: 'head-mismatch' });
    await expect(verifier.verifyTreeHead(null, library.jwks)).resolves.toEqual({
      ok: false,
      reason: 'no-tree-head',
    });
  });

  it('walks RFC 9162 inclusion proofs to the root for every leaf of trees of 1 to 11', async () => {
    // Roots and proofs recomputed here from the recursive definition (RFC 9162 §2.1.1, §2.1.3.1).
    const leaves = await Promise.all(
      Array.from({ length: 11 }, (_, i) => verifier.leafHash(Uint8Array.of(i))),
    );
    const mth = async (from: number, to: number): Promise<Uint8Array> => {
      if (to - from === 1) return leaves[from] as Uint8Array;
      let k = 1;
      while (k * 2 < to - from) k *= 2;
      return verifier.nodeHash(await mth(from, from + k), await mth(from + k, to));
    };
    const path = async (m: number, from: number, to: number): Promise<Uint8Array[]> => {
      if (to - from === 1) return [];
      let k = 1;
      while (k * 2 < to - from) k *= 2;
      return m < k
        ? [...(await path(m, from, from + k)), await mth(from + k, to)]
        : [...(await path(m - k, from + k, to)), await mth(from, from + k)];
    };
    for (let size = 1; size <= 11; size += 1) {
      const root = await mth(0, size);
      for (let index = 0; index < size; index += 1) {
        const proof = await path(index, 0, size);
        const leaf = leaves[index] as Uint8Array;
        const computed = await verifier.rootFromInclusionProof(leaf, index, size, proof);
        expect(computed && b64(computed)).toBe(b64(root));
        // A proof one hash too long cannot be of this size.
        await expect(
          verifier.rootFromInclusionProof(leaf, index, size, [...proof, root]),
        ).resolves.toBeNull();
      }
      await expect(
        verifier.rootFromInclusionProof(leaves[0] as Uint8Array, size, size, []),
      ).resolves.toBeNull();
    }
  });

  it('says whether what the page shows is what was proved', () => {
    const leaf = library.entries[1]?.leaf as Record<string, unknown>;
    const shown = (purpose: unknown) => [
      { member: 'organisationId', value: JSON.stringify(leaf['organisationId']) },
      { member: 'fields', value: JSON.stringify(leaf['fields']) },
      { member: 'purpose', value: JSON.stringify(purpose) },
    ];
    expect(verifier.shownMatchesLeaf(leaf, shown(leaf['purpose']))).toBe(true);
    expect(verifier.shownMatchesLeaf(leaf, shown('something else'))).toBe(false);
  });
});
