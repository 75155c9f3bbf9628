import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Pool } from 'pg';
import type { DataSource } from 'typeorm';

import { MerkleTree, verifyConsistency, verifyInclusion } from '@gov/audit-merkle';
import { PostgresEventStore, ProjectionRunner } from '@gov/platform-event-sourcing';
import { createOwnDataSource, migrateService, ownTablesOf } from '@gov/platform-service';
import { createTestDatabase } from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';

import { AuditLog, AuditQueryError } from './audit-log';
import { canonicalLeafOf, canonicalLeafText, entryIdFor } from './entry/access-entry';
import type { AccessEntry } from './entry/access-entry';
import { encodeAccessRecorded, entryStreamId } from './entry/access-recorded.codec';
import { AUDIT_SCHEMAS } from './postgres/audit-schema';
import { auditTreeProjection } from './postgres/tree-projection';
import { TreeHeadSigner } from './tree-heads/tree-head-signer';
import { verifyExport, verifyExportStream } from './verify/verify-export';

// The tree as a projection over real PostgreSQL, checked against the in-memory tree: roots,
// proofs and consistency at every size, a batch that fails halfway, a rebuild, sealing at read
// time, and an export that the offline verifier accepts.
const ANNA = '1983081246785';
const LUC = '1990013100044';
const fromB64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64url'));

const entryAt = (i: number, sealedUntil: Date | null = null): AccessEntry => ({
  entryId: entryIdFor('registry', `int-event-${i}`),
  subjectNationalId: i % 4 === 0 ? ANNA : LUC,
  organisationId: 'ccss',
  actorId: null,
  capacity: 'agency-official',
  fields: ['address'],
  accessedAt: new Date(Date.UTC(2026, 2, 1, 10, 0, i)),
  purpose: 'family allowance',
  legalBasis: 'CSS art. 269',
  legalBasisId: null,
  consentId: null,
  procedureId: null,
  traceId: null,
  source: {
    service: 'registry',
    eventId: `int-event-${i}`,
    eventType: 'gov.registry.v1.PersonalDataAccessed',
  },
  sealedUntil,
  salt: new Uint8Array(32).fill(i % 256),
});

describe('the audit tree over PostgreSQL', () => {
  let database: TestDatabase;
  let pool: Pool;
  let dataSource: DataSource;
  let store: PostgresEventStore;
  let keys: string;
  let log: AuditLog;
  let now = new Date('2026-06-01T00:00:00Z');
  const memory = new MerkleTree();
  const runner = (batchSize: number) =>
    new ProjectionRunner({
      pool,
      schema: 'audit',
      store: {
        readAll: (from, limit) => store.readAll(from, limit),
        sequence: () => store.sequence(),
      },
      projection: auditTreeProjection(),
      batchSize,
    });

  async function append(entries: readonly AccessEntry[]): Promise<void> {
    for (const entry of entries) {
      await store.append(entryStreamId(entry.entryId), 0, [encodeAccessRecorded(entry, now)], {
        correlationId: entry.entryId,
      });
      memory.append(new TextEncoder().encode(canonicalLeafText(canonicalLeafOf(entry))));
    }
  }

  beforeAll(async () => {
    database = await createTestDatabase('audit_tree');
    pool = new Pool({ connectionString: database.url, max: 4 });
    // An idle connection ended by the server (as the other int specs allow): not this test's
    // concern, and unhandled it would fail whichever test runs at that moment.
    pool.on('error', () => undefined);
    await migrateService(pool, AUDIT_SCHEMAS);
    dataSource = await createOwnDataSource(pool, ownTablesOf(AUDIT_SCHEMAS));
    store = new PostgresEventStore({ pool, schema: 'audit', producer: 'audit' });
    keys = mkdtempSync(join(tmpdir(), 'audit-int-'));
    log = new AuditLog(
      pool,
      dataSource,
      await TreeHeadSigner.fromFile(join(keys, 'sth.jwk'), true),
      () => now,
    );
  });

  afterAll(async () => {
    await dataSource.destroy();
    await pool.end();
    await database.drop();
    rmSync(keys, { recursive: true, force: true });
  });

  it('builds the same tree as the definition, batch by batch; every proof verifies', async () => {
    await append(Array.from({ length: 37 }, (_, i) => entryAt(i)));
    // Batches of 5: the right edge carries across batches (and is reloaded by a fresh runner).
    await runner(5).catchUp();
    expect(await log.size()).toBe(37);
    const head = await log.publish({ onlyIfGrown: true });
    expect(head).toMatchObject({ tree_size: 37 });
    expect(head?.root_hash).toBe(Buffer.from(memory.root()).toString('base64url'));

    const { rows } = await pool.query<{ entry_id: string; leaf_index: string }>(
      'SELECT entry_id, leaf_index FROM audit_app.entries ORDER BY leaf_index',
    );
    for (const row of rows) {
      const proof = await log.inclusionProofOfEntry(row.entry_id, 37);
      const index = Number(row.leaf_index);
      expect(proof.auditPath).toEqual(
        memory.inclusionProof(index, 37).map((h) => Buffer.from(h).toString('base64url')),
      );
      expect(
        verifyInclusion(
          fromB64(proof.leafHash),
          index,
          37,
          proof.auditPath.map(fromB64),
          memory.root(),
        ),
      ).toBe(true);
    }
    for (const first of [1, 2, 5, 16, 20, 36, 37]) {
      const proof = await log.consistencyProof(first, 37);
      expect(
        verifyConsistency(first, 37, memory.root(first), memory.root(), proof.map(fromB64)),
      ).toBe(true);
    }
  });

  it('refuses sizes beyond the tree and unknown entries; publishes only when the tree grew', async () => {
    await expect(log.consistencyProof(3, 38)).rejects.toThrow(AuditQueryError);
    await expect(log.inclusionProofOfEntry(entryAt(0).entryId, 38)).rejects.toMatchObject({
      problem: { kind: 'beyond-tree', treeSize: 37 },
    });
    await expect(log.inclusionProofOfEntry(entryIdFor('registry', 'nope'))).rejects.toMatchObject({
      problem: { kind: 'unknown-entry' },
    });
    expect(await log.publish({ onlyIfGrown: true })).toBeNull();
    expect(await log.publish({ onlyIfGrown: false })).toMatchObject({ tree_size: 37 });
  });

  it('recovers from a batch that failed halfway, and rebuilds to the same rows', async () => {
    await append(Array.from({ length: 11 }, (_, i) => entryAt(100 + i)));
    const failing = runner(4);
    // A row the next leaf would need: the batch fails on it and rolls back.
    await pool.query(`INSERT INTO audit_app.tree_nodes VALUES (0, 39, '\\x${'00'.repeat(32)}')`);
    await expect(failing.catchUp()).rejects.toThrow();
    await pool.query('DELETE FROM audit_app.tree_nodes WHERE level = 0 AND idx = 39');
    await failing.catchUp();
    expect(await log.size()).toBe(48);
    const head = await log.publish({ onlyIfGrown: true });
    expect(head?.root_hash).toBe(Buffer.from(memory.root()).toString('base64url'));

    const before = await failing.digest();
    await runner(7).rebuild();
    const after = await failing.digest();
    expect(after.digest).toBe(before.digest);
    expect(after.rows).toBe(
      48 + (await pool.query('SELECT 1 FROM audit_app.tree_nodes')).rowCount!,
    );
  });

  it('shows a sealed entry to its subject only from its reveal instant; a supervisor at once', async () => {
    const reveal = new Date('2026-07-01T00:00:00Z');
    const sealed = entryAt(200, reveal); // 200 % 4 === 0: Anna
    await append([sealed]);
    await runner(50).catchUp();
    await log.publish({ onlyIfGrown: true });
    const ids = (page: Awaited<ReturnType<AuditLog['accessLog']>>) =>
      page.entries.map((e) => e.leaf.entryId);

    const subjectBefore = await log.accessLog(ANNA, 'subject', { limit: 100 });
    const supervisor = await log.accessLog(ANNA, 'supervisor', { limit: 100 });
    expect(ids(subjectBefore)).not.toContain(sealed.entryId);
    expect(await log.subjectOfEntry(sealed.entryId, 'subject')).toBeNull();
    expect(await log.subjectOfEntry(sealed.entryId, 'supervisor')).toBe(ANNA);
    expect(ids(supervisor)[0]).toBe(sealed.entryId);
    now = new Date(reveal.getTime() + 1);
    const subjectAfter = await log.accessLog(ANNA, 'subject', { limit: 100 });
    expect(ids(subjectAfter)).toEqual(ids(supervisor));
    expect(await log.subjectOfEntry(sealed.entryId, 'subject')).toBe(ANNA);
    // Newest first; every proof against the answer's head.
    const indices = subjectAfter.entries.map((e) => e.leafIndex);
    expect(indices).toEqual([...indices].sort((a, b) => b - a));
    for (const entry of subjectAfter.entries) {
      expect(
        verifyInclusion(
          fromB64(entry.inclusionProof!.leafHash),
          entry.leafIndex,
          subjectAfter.treeHead!.tree_size,
          entry.inclusionProof!.auditPath.map(fromB64),
          fromB64(subjectAfter.treeHead!.root_hash),
        ),
      ).toBe(true);
    }
  });

  it('pages with a cursor, and exports what the offline verifier accepts', async () => {
    const all = await log.accessLog(LUC, 'supervisor', { limit: 100 });
    const first = await log.accessLog(LUC, 'supervisor', { limit: 10 });
    const second = await log.accessLog(LUC, 'supervisor', {
      limit: 100,
      cursor: Number(first.nextCursor),
    });
    expect([...first.entries, ...second.entries].map((e) => e.leafIndex)).toEqual(
      all.entries.map((e) => e.leafIndex),
    );
    expect(second.nextCursor).toBeNull();

    const signer = await TreeHeadSigner.fromFile(join(keys, 'sth.jwk'), false);
    const whole = await log.export({ kind: 'log' }, [37]);
    const anna = await log.export({ kind: 'subject', subjectNationalId: ANNA, reader: 'subject' });
    expect(whole.entries).toHaveLength(49);
    expect(whole.earlierTreeHeads.map((h) => h.tree_size)).toEqual([37, 48]);
    const jwks = signer.jwks();
    expect((await verifyExport(JSON.parse(JSON.stringify(whole)), { jwks })).findings).toEqual([]);
    expect((await verifyExport(JSON.parse(JSON.stringify(anna)), { jwks })).findings).toEqual([]);

    // The streamed form: the same header and entries, line by line.
    let text = '';
    for await (const chunk of await log.exportLogLines([37])) text += chunk;
    const [header, ...lines] = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown);
    const { entries, ...wholeHeader } = whole;
    expect(header).toEqual(JSON.parse(JSON.stringify(wholeHeader)));
    expect(lines).toEqual(JSON.parse(JSON.stringify(entries)));
    expect((await verifyExportStream(header, lines, { jwks })).findings).toEqual([]);
  });
});
