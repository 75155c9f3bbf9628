import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { MerkleTree } from '@gov/audit-merkle';
import {
  TreeHeadSigner,
  canonicalLeafOf,
  canonicalLeafText,
  entryIdFor,
} from '@gov/audit-application';

import { runVerify } from './verify-cli';

// The program around the verifier: files in, exit code and named findings out.
describe('npm run audit:verify', () => {
  let dir: string;
  let files: {
    export: string;
    tampered: string;
    ndjson: string;
    ndjsonTampered: string;
    jwks: string;
    known: string;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'audit-cli-'));
    const signer = await TreeHeadSigner.fromFile(join(dir, 'key.jwk'), true);
    const leaves = [0, 1, 2].map((i) =>
      canonicalLeafOf({
        entryId: entryIdFor('registry', `cli-${i}`),
        subjectNationalId: '1983081246785',
        organisationId: 'ccss',
        actorId: null,
        capacity: 'registrar',
        fields: ['address'],
        accessedAt: new Date(Date.UTC(2026, 0, 1, 0, i)),
        purpose: 'keeping the register',
        legalBasis: 'loi du 19 juin 2013',
        legalBasisId: null,
        consentId: null,
        procedureId: null,
        traceId: null,
        source: {
          service: 'registry',
          eventId: `cli-${i}`,
          eventType: 'gov.registry.v1.PersonalDataAccessed',
        },
        sealedUntil: null,
        salt: new Uint8Array(32).fill(i),
      }),
    );
    const tree = new MerkleTree();
    for (const leaf of leaves) tree.append(new TextEncoder().encode(canonicalLeafText(leaf)));
    const b64 = (h: Uint8Array) => Buffer.from(h).toString('base64url');
    const head = await signer.sign({ tree_size: 3, timestamp: 1, root_hash: b64(tree.root()) });
    const head2 = await signer.sign({ tree_size: 2, timestamp: 0, root_hash: b64(tree.root(2)) });
    const document = {
      format: 'gov.audit.v1.export',
      scope: 'log',
      subjectNationalId: null,
      treeHead: head,
      earlierTreeHeads: [{ ...head2, consistencyProof: tree.consistencyProof(2, 3).map(b64) }],
      entries: leaves.map((leaf, leafIndex) => ({ leafIndex, leaf })),
    };
    files = {
      export: join(dir, 'export.json'),
      tampered: join(dir, 'tampered.json'),
      ndjson: join(dir, 'export.ndjson'),
      ndjsonTampered: join(dir, 'tampered.ndjson'),
      jwks: join(dir, 'jwks.json'),
      known: join(dir, 'known.json'),
    };
    writeFileSync(files.export, JSON.stringify(document));
    writeFileSync(
      files.tampered,
      JSON.stringify({ ...document, entries: document.entries.slice(0, 2) }),
    );
    // The NDJSON form of GET /export: the header, then one entry per line.
    const { entries, ...header } = document;
    const ndjson = (list: typeof entries) =>
      [header, ...list].map((line) => JSON.stringify(line)).join('\n') + '\n';
    writeFileSync(files.ndjson, ndjson(entries));
    writeFileSync(
      files.ndjsonTampered,
      ndjson(entries.map((e, i) => (i === 1 ? { ...e, leaf: { ...e.leaf, purpose: 'x' } } : e))),
    );
    writeFileSync(files.jwks, JSON.stringify(signer.jwks()));
    writeFileSync(files.known, JSON.stringify(head2));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const run = async (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runVerify(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out, err };
  };

  it('exits 0 for an honest export (with a tree head the caller kept)', async () => {
    const { code, out } = await run([files.export, '--jwks', files.jwks, '--known', files.known]);
    expect(code).toBe(0);
    expect(JSON.parse(out[0]!)).toMatchObject({ ok: true, entries: 3, treeSize: 3 });
  });

  it('reads the streamed NDJSON export alike', async () => {
    const honest = await run([files.ndjson, '--jwks', files.jwks, '--known', files.known]);
    expect(honest.code).toBe(0);
    expect(JSON.parse(honest.out[0]!)).toMatchObject({ ok: true, scope: 'log', entries: 3 });
    const tampered = await run([files.ndjsonTampered, '--jwks', files.jwks]);
    expect(tampered.code).toBe(1);
    expect(tampered.err[0]).toMatch(/^ROOT_MISMATCH: /);
  });

  it('exits 1 naming what is wrong', async () => {
    const { code, err } = await run([files.tampered, '--jwks', files.jwks]);
    expect(code).toBe(1);
    expect(err[0]).toMatch(/^ENTRY_MISSING: /);
  });

  it('exits 2 for missing arguments or an unreadable file', async () => {
    expect((await run([files.export])).code).toBe(2);
    expect((await run([join(dir, 'absent.json'), '--jwks', files.jwks])).code).toBe(2);
  });
});
