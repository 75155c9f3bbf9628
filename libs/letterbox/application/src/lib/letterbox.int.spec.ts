import { Pool } from 'pg';
import type { DataSource } from 'typeorm';

import type { Principal } from '@gov/platform-auth';
import {
  KeyEncryptionKey,
  PostgresSubjectKeyStore,
  SubjectErasedError,
} from '@gov/platform-data-protection';
import { isDomainRejection } from '@gov/platform-decider';
import { PostgresEventStore, ProjectionRunner } from '@gov/platform-event-sourcing';
import { createTestDatabase } from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';

import { ApplicationError } from '@gov/platform-chassis';

import { CachedBusinessManagers } from './business-managers';
import type { BusinessManagers } from './business-managers';
import { LETTER_EVENT_TYPES, letterCodec, recipientErasureStreamId } from './codecs';
import { recordRecipientErasure } from './erasure';
import { DocumentRelay, applyReplicatedDocument, documentsDigest } from './documents';
import type { DocumentRecord } from './documents';
import { ContentIntegrityError, sha256Hex } from './content-store';
import type { Clock, RequestContext } from './context';
import { LetterService, letterStreamId } from './letter.service';
import type { DeliverInput } from './letter.service';
import { PgLetterStore } from './pg-letter-store';
import { lettersProjection } from './projection';
import { RetentionReactor } from './retention.reactor';
import {
  APPLICATION_SCHEMA,
  CLEAR_CONTENT_KEY_ID,
  EVENT_STORE_SCHEMA,
  createLetterboxDataSource,
  migrateLetterboxSchemas,
} from './schema';

const ANNA = '1983081246785';
const LUC = '1990013100012';
const DAY_MS = 24 * 3600 * 1000;
let database: TestDatabase;
let pool: Pool;
let dataSource: DataSource;
let eventStore: PostgresEventStore;
let store: PgLetterStore;
let letters: LetterService;
let keys: PostgresSubjectKeyStore;
let now = new Date('2026-03-01T10:00:00Z');
const clock: Clock = { now: () => now };
let requests = 0;

const as = (principal: Principal, idempotencySeed?: string): RequestContext => {
  requests += 1;
  return {
    principal,
    correlationId: `req-${String(requests)}`,
    ...(idempotencySeed === undefined
      ? {}
      : { idempotency: { seed: idempotencySeed, firstSeenAt: now } }),
  };
};
const citizen = (nationalId: string): Principal => ({ kind: 'citizen', subject: nationalId });
const procedures: Principal = {
  kind: 'agency',
  subject: 'procedures',
  organisationId: 'procedures',
};

/** The registry's managers, as a test sets them; `up = false`: it cannot be reached. */
const registry = {
  up: true,
  lookups: 0,
  managers: new Map<string, string[]>(),
};
const registryPort: BusinessManagers = {
  managersOf: (businessNumber) => {
    registry.lookups += 1;
    return registry.up
      ? Promise.resolve(registry.managers.get(businessNumber) ?? [])
      : Promise.reject(ApplicationError.serviceUnavailable('the registry cannot be reached'));
  },
};
const MANAGERS_TTL_MS = 30_000;
const ccss: Principal = { kind: 'agency', subject: 'svc-ccss', organisationId: 'ccss' };
const acd: Principal = { kind: 'agency', subject: 'svc-acd', organisationId: 'acd' };

let documents = 0;
/** A distinct small PDF each call (so that each test owns its content row). */
function pdf(): Buffer {
  documents += 1;
  return Buffer.from(`%PDF-1.7\n% letter ${String(documents)} ${String(Date.now())}\n%%EOF\n`);
}
const input = (content: Buffer, changed: Partial<DeliverInput> = {}): DeliverInput => ({
  recipient: { kind: 'person', id: ANNA },
  subject: 'Décision: allocation familiale',
  procedureId: 'proc-1',
  contentType: 'application/pdf',
  content,
  retentionDays: 30,
  receiptRequested: true,
  ...changed,
});

async function codeOf(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    if (isDomainRejection(error)) return error.code;
    if (error instanceof Error) return error.name;
    throw error;
  }
  return 'RESOLVED';
}

async function eventCount(): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM ${EVENT_STORE_SCHEMA}.events`,
  );
  return Number(rows[0]?.n);
}

async function contentCount(): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM ${APPLICATION_SCHEMA}.contents`,
  );
  return Number(rows[0]?.n);
}

beforeAll(async () => {
  database = await createTestDatabase('letterbox_app');
  pool = new Pool({ connectionString: database.url, max: 10 });
  pool.on('error', () => undefined);
  await migrateLetterboxSchemas(pool);
  dataSource = await createLetterboxDataSource(pool);
  eventStore = new PostgresEventStore({ pool, schema: EVENT_STORE_SCHEMA, producer: 'letterbox' });
  store = new PgLetterStore(eventStore, dataSource);
  keys = new PostgresSubjectKeyStore(pool, APPLICATION_SCHEMA, KeyEncryptionKey.generate());
  letters = new LetterService(store, clock, {
    managers: new CachedBusinessManagers(registryPort, clock, MANAGERS_TTL_MS),
    deliveryAgents: new Set(['procedures']),
    keys,
  });
});

afterAll(async () => {
  await dataSource.destroy();
  await pool.end();
  await database.drop();
});

describe('letters on PostgreSQL', () => {
  it('delivers, lets the recipient read and confirm, and shows the sender each state', async () => {
    const content = pdf();
    const delivered = await letters.deliver(as(ccss), input(content));
    expect(delivered).toEqual({
      letterId: expect.any(String) as string,
      sha256: sha256Hex(content),
      state: 'AVAILABLE',
    });
    const { letterId } = delivered;
    const types = async () =>
      (await eventStore.readStream(letterStreamId(letterId))).map((e) => e.eventType);
    expect(await types()).toEqual([LETTER_EVENT_TYPES.created, LETTER_EVENT_TYPES.available]);

    const box = await letters.box(as(citizen(ANNA)));
    expect(box.businessLetters).toBe('included');
    expect(box.items.find((letter) => letter.letterId === letterId)).toMatchObject({
      state: 'AVAILABLE',
      sender: 'ccss',
      availableAt: now.toISOString(),
      retainUntil: new Date(now.getTime() + 30 * DAY_MS).toISOString(),
    });

    const opened = await letters.open(as(citizen(ANNA)), letterId);
    expect(opened.contentType).toBe('application/pdf');
    expect(opened.bytes.equals(content)).toBe(true);
    await letters.open(as(citizen(ANNA)), letterId);
    expect(await types()).toEqual([
      LETTER_EVENT_TYPES.created,
      LETTER_EVENT_TYPES.available,
      LETTER_EVENT_TYPES.read,
      LETTER_EVENT_TYPES.contentRead,
      LETTER_EVENT_TYPES.contentRead,
    ]);
    expect((await letters.get(as(ccss), letterId)).state).toBe('READ');

    const confirmed = await letters.confirmReceipt(as(citizen(ANNA)), letterId);
    expect(confirmed.state).toBe('RECEIPT_CONFIRMED');
    const sent = await letters.sent(as(ccss));
    expect(sent.find((letter) => letter.letterId === letterId)?.state).toBe('RECEIPT_CONFIRMED');
    expect((await letters.sent(as(acd))).some((letter) => letter.letterId === letterId)).toBe(
      false,
    );
    // A procedure's letters: the timeline's view, for the sender and the recipient.
    const other = await letters.deliver(as(ccss), input(pdf(), { procedureId: 'proc-2' }));
    const ofProcedure = async (procedureId: string) => [
      (await letters.sent(as(ccss), { procedureId })).map((letter) => letter.letterId),
      (await letters.box(as(citizen(ANNA)), { procedureId })).items.map(
        (letter) => letter.letterId,
      ),
    ];
    expect(await ofProcedure('proc-2')).toEqual([[other.letterId], [other.letterId]]);
    expect((await ofProcedure('proc-1'))[0]).toContain(letterId);
    expect((await ofProcedure('proc-1'))[0]).not.toContain(other.letterId);
  });

  it('stores a business’s document once however many letters carry it, a person’s once per person and sealed', async () => {
    const content = pdf();
    const before = await contentCount();
    const business = { kind: 'business', id: 'B777001' } as const;
    const first = await letters.deliver(as(ccss), input(content, { recipient: business }));
    const second = await letters.deliver(as(acd), input(content, { recipient: business }));
    expect(second.sha256).toBe(first.sha256);
    expect(await contentCount()).toBe(before + 1);
    // Each person's copy is sealed under their own key: one row per person, never in clear.
    await letters.deliver(as(ccss), input(content));
    await letters.deliver(as(acd), input(content));
    await letters.deliver(as(acd), input(content, { recipient: { kind: 'person', id: LUC } }));
    expect(await contentCount()).toBe(before + 3);
    const { rows } = await pool.query<{ key_id: string; bytes: Buffer }>(
      `SELECT key_id, bytes FROM ${APPLICATION_SCHEMA}.contents WHERE sha256 = $1`,
      [first.sha256],
    );
    const sealed = rows.filter((row) => row.key_id !== CLEAR_CONTENT_KEY_ID);
    expect(sealed).toHaveLength(2);
    expect(sealed.some((row) => row.bytes.includes(content))).toBe(false);
  });

  it('answers someone else’s letter and an unknown one alike, recording nothing', async () => {
    const { letterId } = await letters.deliver(as(ccss), input(pdf()));
    const events = await eventCount();
    expect(await codeOf(letters.open(as(citizen(LUC)), letterId))).toBe('LETTER_NOT_FOUND');
    expect(await codeOf(letters.get(as(citizen(LUC)), letterId))).toBe('LETTER_NOT_FOUND');
    expect(await codeOf(letters.get(as(acd), letterId))).toBe('LETTER_NOT_FOUND');
    expect(await codeOf(letters.open(as(citizen(ANNA)), crypto.randomUUID()))).toBe(
      'LETTER_NOT_FOUND',
    );
    expect(await codeOf(letters.confirmReceipt(as(citizen(LUC)), letterId))).toBe(
      'LETTER_NOT_FOUND',
    );
    expect(await eventCount()).toBe(events);
  });

  it('shows a business’s letter to its managers only, as the registry names them', async () => {
    const business = 'B700001';
    registry.managers.set(business, [LUC]);
    const { letterId } = await letters.deliver(
      as(ccss),
      input(pdf(), { recipient: { kind: 'business', id: business } }),
    );
    const boxOf = async (nationalId: string) =>
      (await letters.box(as(citizen(nationalId)))).items.map((letter) => letter.letterId);
    expect(await boxOf(LUC)).toContain(letterId);
    expect(await boxOf(ANNA)).not.toContain(letterId);
    expect((await letters.get(as(citizen(LUC)), letterId)).recipient).toEqual({
      kind: 'business',
      id: business,
    });

    const events = await eventCount();
    expect(await codeOf(letters.open(as(citizen(ANNA)), letterId))).toBe('LETTER_NOT_FOUND');
    expect(await codeOf(letters.get(as(citizen(ANNA)), letterId))).toBe('LETTER_NOT_FOUND');
    expect(await codeOf(letters.confirmReceipt(as(citizen(ANNA)), letterId))).toBe(
      'LETTER_NOT_FOUND',
    );
    expect(await eventCount()).toBe(events);

    expect((await letters.open(as(citizen(LUC)), letterId)).contentType).toBe('application/pdf');
    expect((await letters.confirmReceipt(as(citizen(LUC)), letterId)).state).toBe(
      'RECEIPT_CONFIRMED',
    );
    // The read names the letter's recipient, sender and procedure: the audit needs no other event.
    const stream = await eventStore.readStream(letterStreamId(letterId));
    const read = stream.find((e) => e.eventType === LETTER_EVENT_TYPES.contentRead);
    if (read === undefined) throw new Error('no LetterContentRead');
    expect(read.payloadSchemaVersion).toBe(2);
    expect(letterCodec.decode(read)).toEqual({
      type: 'LetterContentRead',
      data: {
        letterId,
        readerId: LUC,
        sha256: expect.any(String) as string,
        readAt: now,
        recipient: { kind: 'business', id: business },
        senderOrganisationId: 'ccss',
        procedureId: 'proc-1',
      },
    });
  });

  it('takes a removed manager’s access away once the cached answer expires', async () => {
    const business = 'B700002';
    registry.managers.set(business, [LUC]);
    const { letterId } = await letters.deliver(
      as(ccss),
      input(pdf(), { recipient: { kind: 'business', id: business } }),
    );
    expect((await letters.get(as(citizen(LUC)), letterId)).letterId).toBe(letterId);
    registry.managers.set(business, [ANNA]);
    const start = now;
    try {
      // Within the bound, the answer the letterbox holds still stands...
      now = new Date(start.getTime() + MANAGERS_TTL_MS - 1);
      expect((await letters.get(as(citizen(LUC)), letterId)).letterId).toBe(letterId);
      // ... and no longer after it.
      now = new Date(start.getTime() + MANAGERS_TTL_MS);
      expect(await codeOf(letters.open(as(citizen(LUC)), letterId))).toBe('LETTER_NOT_FOUND');
      expect((await letters.get(as(citizen(ANNA)), letterId)).letterId).toBe(letterId);
    } finally {
      now = start;
    }
  });

  it('answers 503 for a business’s letter while the registry cannot be reached, never access', async () => {
    const business = 'B700003';
    registry.managers.set(business, [LUC]);
    const start = now;
    const personal = await letters.deliver(as(ccss), input(pdf(), { procedureId: 'proc-down' }));
    const { letterId } = await letters.deliver(
      as(ccss),
      input(pdf(), { recipient: { kind: 'business', id: business }, procedureId: 'proc-down' }),
    );
    registry.up = false;
    try {
      // Past every cached answer: the registry must be asked.
      now = new Date(start.getTime() + 10 * MANAGERS_TTL_MS);
      const events = await eventCount();
      const unavailable = async (work: Promise<unknown>) => {
        const error = await work.then(
          () => undefined,
          (e: unknown) => e,
        );
        return error instanceof ApplicationError ? error.kind : error;
      };
      expect(await unavailable(letters.open(as(citizen(LUC)), letterId))).toBe(
        'service-unavailable',
      );
      expect(await unavailable(letters.get(as(citizen(ANNA)), letterId))).toBe(
        'service-unavailable',
      );
      expect(await eventCount()).toBe(events);
      // The person's own letters are still listed; the business's are not, and the box says so.
      const box = await letters.box(as(citizen(LUC)), { procedureId: 'proc-down' });
      expect(box).toEqual({ items: [], businessLetters: 'unavailable' });
      const annas = await letters.box(as(citizen(ANNA)), { procedureId: 'proc-down' });
      expect(annas.items.map((l) => l.letterId)).toEqual([personal.letterId]);
      expect(annas.businessLetters).toBe('unavailable');
    } finally {
      registry.up = true;
      now = start;
    }
  });

  it('delivers on behalf of a back office for a delivery agent only', async () => {
    const { letterId } = await letters.deliver(
      as(procedures),
      input(pdf(), { onBehalfOf: 'cae', procedureId: 'case-7' }),
    );
    const cae: Principal = { kind: 'agency', subject: 'svc-cae', organisationId: 'cae' };
    expect(await letters.get(as(cae), letterId)).toMatchObject({
      sender: 'cae',
      deliveredBy: 'procedures',
    });
    expect((await letters.sent(as(cae))).map((l) => l.letterId)).toContain(letterId);
    expect((await letters.sent(as(procedures))).map((l) => l.letterId)).not.toContain(letterId);
    expect((await letters.box(as(citizen(ANNA)))).items).toContainEqual(
      expect.objectContaining({ letterId, sender: 'cae', deliveredBy: 'procedures' }),
    );
    const [created] = await eventStore.readStream(letterStreamId(letterId));
    if (created === undefined) throw new Error('no LetterCreated');
    expect(created.payloadSchemaVersion).toBe(3);
    expect(letterCodec.decode(created)).toMatchObject({
      type: 'LetterCreated',
      data: { senderOrganisationId: 'cae', senderActorId: 'procedures', deliveredBy: 'procedures' },
    });

    const [events, contents] = [await eventCount(), await contentCount()];
    expect(await codeOf(letters.deliver(as(acd), input(pdf(), { onBehalfOf: 'cae' })))).toBe(
      'NOT_A_DELIVERY_AGENT',
    );
    expect([await eventCount(), await contentCount()]).toEqual([events, contents]);
    // An agency naming itself delivers as itself.
    const own = await letters.deliver(as(acd), input(pdf(), { onBehalfOf: 'acd' }));
    expect(await letters.get(as(acd), own.letterId)).toMatchObject({
      sender: 'acd',
      deliveredBy: null,
    });
  });

  it('keeps one letter per sender reference, whoever delivers it for the sender', async () => {
    const cae: Principal = { kind: 'agency', subject: 'svc-cae', organisationId: 'cae' };
    const decision = pdf();
    const reference = `decision-letter-${String(Date.now())}`;
    const first = await letters.deliver(
      as(cae),
      input(decision, { procedureId: 'case-8', reference }),
    );
    const [events, contents] = [await eventCount(), await contentCount()];

    // The back office's answer was lost; the procedures service delivers it for cae.
    const again = await letters.deliver(
      as(procedures),
      input(decision, { procedureId: 'case-8', reference, onBehalfOf: 'cae' }),
    );
    expect(again).toEqual(first);
    expect([await eventCount(), await contentCount()]).toEqual([events, contents]);
    expect(await letters.get(as(cae), first.letterId)).toMatchObject({
      sender: 'cae',
      deliveredBy: null,
    });

    // Another document under the same reference is another letter: refused, nothing stored.
    expect(
      await codeOf(letters.deliver(as(cae), input(pdf(), { procedureId: 'case-8', reference }))),
    ).toBe('LETTER_ALREADY_EXISTS');
    // The same reference from another organisation is its own letter.
    const ccssLetter = await letters.deliver(as(ccss), input(pdf(), { reference }));
    expect(ccssLetter.letterId).not.toBe(first.letterId);
  });

  it('refuses a document not of its declared type, storing nothing', async () => {
    const [events, contents] = [await eventCount(), await contentCount()];
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    expect(await codeOf(letters.deliver(as(ccss), input(png)))).toBe('CONTENT_MISMATCH');
    expect(
      await codeOf(letters.deliver(as(ccss), input(pdf(), { contentType: 'text/html' }))),
    ).toBe('UNSUPPORTED_CONTENT_TYPE');
    expect(await codeOf(letters.deliver(as(ccss), input(pdf(), { retentionDays: 0 })))).toBe(
      'INVALID_INPUT',
    );
    expect([await eventCount(), await contentCount()]).toEqual([events, contents]);
  });

  it('never serves bytes that no longer hash to their key, and records no read', async () => {
    const content = pdf();
    const { letterId, sha256 } = await letters.deliver(as(ccss), input(content));
    const [stored] = (
      await pool.query<{ bytes: Buffer }>(
        `SELECT bytes FROM ${APPLICATION_SCHEMA}.contents WHERE sha256 = $1`,
        [sha256],
      )
    ).rows;
    if (stored === undefined) throw new Error('no content stored');
    // Sealed under Anna's key: a changed byte no longer authenticates.
    const tampered = Buffer.from(stored.bytes);
    tampered[tampered.length - 20] = (tampered[tampered.length - 20] ?? 0) ^ 0x01;
    await pool.query(`UPDATE ${APPLICATION_SCHEMA}.contents SET bytes = $2 WHERE sha256 = $1`, [
      sha256,
      tampered,
    ]);
    const events = await eventCount();
    await expect(letters.open(as(citizen(ANNA)), letterId)).rejects.toBeInstanceOf(
      ContentIntegrityError,
    );
    expect(await eventCount()).toBe(events);
    expect((await letters.get(as(citizen(ANNA)), letterId)).state).toBe('AVAILABLE');

    // Put right, the same letter opens again.
    await pool.query(`UPDATE ${APPLICATION_SCHEMA}.contents SET bytes = $2 WHERE sha256 = $1`, [
      sha256,
      stored.bytes,
    ]);
    expect((await letters.open(as(citizen(ANNA)), letterId)).bytes.equals(content)).toBe(true);
  });

  it('names the same letter when a delivery is re-run with the same Idempotency-Key', async () => {
    const seed = crypto.randomUUID();
    const first = await letters.deliver(as(ccss, seed), input(pdf()));
    expect(await codeOf(letters.deliver(as(ccss, seed), input(pdf())))).toBe(
      'LETTER_ALREADY_EXISTS',
    );
    expect((await letters.get(as(ccss), first.letterId)).state).toBe('AVAILABLE');
  });

  it('removes the content when retention ends, keeping the letter and a shared document', async () => {
    const shared = pdf();
    const short = await letters.deliver(as(ccss), input(shared, { retentionDays: 1 }));
    const long = await letters.deliver(as(ccss), input(shared, { retentionDays: 5 }));
    const reactor = new RetentionReactor(store, clock);
    const start = now;
    try {
      now = new Date(start.getTime() + DAY_MS);
      expect(await reactor.runOnce()).toBe(1);
      const removed = await letters.get(as(citizen(ANNA)), short.letterId);
      expect(removed.contentRemovedAt).toBe(now.toISOString());
      expect(await codeOf(letters.open(as(citizen(ANNA)), short.letterId))).toBe('CONTENT_REMOVED');
      // The other letter still uses the bytes: they stay.
      expect((await letters.open(as(citizen(ANNA)), long.letterId)).bytes.equals(shared)).toBe(
        true,
      );
      expect(await reactor.runOnce()).toBe(0);

      now = new Date(start.getTime() + 5 * DAY_MS);
      expect(await reactor.runOnce()).toBe(1);
      const { rows } = await pool.query(
        `SELECT 1 FROM ${APPLICATION_SCHEMA}.contents WHERE sha256 = $1`,
        [short.sha256],
      );
      expect(rows).toEqual([]);
      expect((await letters.get(as(citizen(ANNA)), long.letterId)).sha256).toBe(short.sha256);
    } finally {
      now = start;
    }
  });

  it('rebuilds the same letters read model from the log alone', async () => {
    const snapshot = async () =>
      (
        await pool.query<{ rows: string }>(
          `SELECT json_agg(l ORDER BY letter_id)::text AS rows FROM ${APPLICATION_SCHEMA}.letters l`,
        )
      ).rows[0]?.rows;
    const before = await snapshot();
    const runner = new ProjectionRunner({
      pool,
      schema: EVENT_STORE_SCHEMA,
      store: eventStore,
      projection: lettersProjection(dataSource),
    });
    await runner.rebuild();
    expect(await snapshot()).toBe(before);
  });

  it('publishes each stored and removed document once to the sink, oldest first', async () => {
    const published: DocumentRecord[] = [];
    const relay = new DocumentRelay(store, {
      publish: (records) => {
        published.push(...records);
        return Promise.resolve();
      },
    });
    while ((await relay.runOnce()) > 0);
    published.length = 0;
    const content = pdf();
    const first = await letters.deliver(as(ccss), input(content, { retentionDays: 1 }));
    await letters.deliver(as(ccss), input(content, { retentionDays: 1 }));
    expect(await relay.runOnce()).toBe(1);
    // A person's document travels sealed under their key, as it is stored: never in clear.
    const [record] = published;
    expect(record).toEqual({
      sha256: first.sha256,
      keyId: expect.stringMatching(/^[0-9a-f-]{36}$/) as string,
      bytes: expect.any(Buffer) as Buffer,
    });
    expect(record?.bytes?.includes(content)).toBe(false);
    expect(await relay.runOnce()).toBe(0);

    const start = now;
    try {
      now = new Date(start.getTime() + DAY_MS);
      expect(await new RetentionReactor(store, clock).runOnce()).toBe(2);
    } finally {
      now = start;
    }
    expect(await relay.runOnce()).toBe(1);
    expect(published.at(-1)).toEqual({ sha256: first.sha256, keyId: record?.keyId, bytes: null });
  });
});

describe('the embassy’s copy of the documents', () => {
  it('stores bytes that hash to their key, refuses others, and digests both sites alike', async () => {
    const replica = await createTestDatabase('letterbox_replica');
    const replicaPool = new Pool({ connectionString: replica.url, max: 4 });
    replicaPool.on('error', () => undefined);
    try {
      await migrateLetterboxSchemas(replicaPool);
      const replicaSource = await createLetterboxDataSource(replicaPool);
      // The replica's letters come from the log, its bytes from the documents topic.
      const runner = new ProjectionRunner({
        pool: replicaPool,
        schema: EVENT_STORE_SCHEMA,
        store: { readAll: (from, limit) => eventStore.readAll(from, limit) },
        projection: lettersProjection(replicaSource),
      });
      await runner.catchUp();
      const before = await documentsDigest(replicaSource.manager);
      expect(before.documents).toBe(0);
      expect(before.missing).toBeGreaterThan(0);

      const { rows } = await pool.query<{ sha256: string; key_id: string; bytes: Buffer }>(
        `SELECT sha256, key_id, bytes FROM ${APPLICATION_SCHEMA}.contents`,
      );
      const keyIdOf = (row: { key_id: string }) =>
        row.key_id === CLEAR_CONTENT_KEY_ID ? null : row.key_id;
      // A business's document (in clear): its bytes must hash to its key.
      const clear = rows.find((row) => keyIdOf(row) === null);
      const sealed = rows.find((row) => keyIdOf(row) !== null);
      if (clear === undefined || sealed === undefined) throw new Error('no content to copy');
      const forged = Buffer.from(clear.bytes);
      forged[0] = 0x00;
      expect(
        await applyReplicatedDocument(
          replicaSource.manager,
          { sha256: clear.sha256, keyId: null, bytes: forged },
          now,
        ),
      ).toBe('corrupt');
      // A person's (sealed): authenticated when opened; here only bytes too short to be sealed.
      expect(
        await applyReplicatedDocument(
          replicaSource.manager,
          { sha256: sealed.sha256, keyId: keyIdOf(sealed), bytes: Buffer.from('%PDF') },
          now,
        ),
      ).toBe('corrupt');
      expect((await documentsDigest(replicaSource.manager)).documents).toBe(0);

      for (const row of rows) {
        expect(
          await applyReplicatedDocument(
            replicaSource.manager,
            { sha256: row.sha256, keyId: keyIdOf(row), bytes: row.bytes },
            now,
          ),
        ).toBe('stored');
      }
      const [onPrimary, onReplica] = [
        await documentsDigest(dataSource.manager),
        await documentsDigest(replicaSource.manager),
      ];
      expect(onReplica).toEqual(onPrimary);
      expect(onReplica).toMatchObject({ missing: 0, documents: rows.length });
      await replicaSource.destroy();
    } finally {
      await replicaPool.end();
      await replica.drop();
    }
  });
});

describe('a person’s letters, sealed and erased', () => {
  const MARIE = '1975061500013';
  const PAUL = '1968022900021';
  const SUBJECT = 'Décision: pension de vieillesse de Marie';

  /** The registry's erasure as the letterbox's consumer obeys it, in one transaction. */
  async function erase(nationalId: string, registryEventId: string): Promise<boolean> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const recorded = await recordRecipientErasure(
        eventStore,
        client,
        { nationalId, erasedAt: now, registryEventId },
        {
          correlationId: `erasure-${registryEventId}`,
          actor: { kind: 'service', id: 'letterbox' },
        },
      );
      await client.query('COMMIT');
      // Positioned in the global log, as the relay does after an inbox's commit.
      await eventStore.sequence();
      return recorded;
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  }

  const project = (on: DataSource, onPool: Pool) =>
    new ProjectionRunner({
      pool: onPool,
      schema: EVENT_STORE_SCHEMA,
      store: { readAll: (from, limit) => eventStore.readAll(from, limit) },
      projection: lettersProjection(on),
    }).catchUp();

  async function keyOf(onPool: Pool, nationalId: string) {
    const { rows } = await onPool.query<{ wrapped_key: Buffer | null; destroyed_at: Date | null }>(
      `SELECT wrapped_key, destroyed_at FROM ${APPLICATION_SCHEMA}.subject_keys WHERE subject_id = $1`,
      [nationalId],
    );
    return rows[0];
  }

  it('keeps a person’s subject line and document only sealed in the log, the read model and the content store', async () => {
    const content = pdf();
    const { letterId, sha256 } = await letters.deliver(
      as(ccss),
      input(content, { recipient: { kind: 'person', id: MARIE }, subject: SUBJECT }),
    );
    const [created] = await eventStore.readStream(letterStreamId(letterId));
    if (created === undefined) throw new Error('no LetterCreated');
    expect(created.dataSubjectKeyId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Buffer.from(created.payload).includes(Buffer.from('pension'))).toBe(false);
    // The digest of the clear document stays: the recipient's proof of what was delivered.
    expect(Buffer.from(created.payload).includes(Buffer.from(sha256))).toBe(true);
    const { rows } = await pool.query<{ row: string; bytes: Buffer }>(
      `SELECT row_to_json(l)::text AS row, c.bytes FROM ${APPLICATION_SCHEMA}.letters l
         JOIN ${APPLICATION_SCHEMA}.contents c ON c.sha256 = l.sha256 AND c.key_id = l.key_id
        WHERE l.letter_id = $1`,
      [letterId],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.row).not.toContain('pension');
    expect(rows[0]?.bytes.includes(content)).toBe(false);
    // Opened on read, for the recipient and the sender.
    expect((await letters.get(as(citizen(MARIE)), letterId)).subject).toBe(SUBJECT);
    expect((await letters.sent(as(ccss))).find((l) => l.letterId === letterId)?.subject).toBe(
      SUBJECT,
    );
    expect((await letters.open(as(citizen(MARIE)), letterId)).bytes.equals(content)).toBe(true);
    // A business's letter is the business's data: in clear.
    const business = await letters.deliver(
      as(ccss),
      input(pdf(), { recipient: { kind: 'business', id: 'B777002' }, subject: 'Avis B' }),
    );
    const [businessCreated] = await eventStore.readStream(letterStreamId(business.letterId));
    expect(businessCreated?.dataSubjectKeyId).toBeNull();
    expect(Buffer.from(businessCreated?.payload ?? []).includes(Buffer.from('Avis B'))).toBe(true);
  });

  it('obeys the registry’s erasure: the key destroyed, the box emptied, the sender keeps the delivery facts, reads and deliveries 410', async () => {
    const content = pdf();
    const { letterId, sha256 } = await letters.deliver(
      as(ccss),
      input(content, {
        recipient: { kind: 'person', id: MARIE },
        subject: SUBJECT,
        retentionDays: 1,
      }),
    );
    await letters.open(as(citizen(MARIE)), letterId);
    const registryEventId = crypto.randomUUID();
    expect(await erase(MARIE, registryEventId)).toBe(true);
    // The key is gone at once, with the event recorded; the read model follows the log.
    expect(await keyOf(pool, MARIE)).toMatchObject({ wrapped_key: null, destroyed_at: now });
    const events = await eventCount();
    expect(
      await codeOf(
        letters.deliver(as(ccss), input(pdf(), { recipient: { kind: 'person', id: MARIE } })),
      ),
    ).toBe('SubjectErasedError');
    expect(await eventCount()).toBe(events);
    await project(dataSource, pool);

    expect((await letters.box(as(citizen(MARIE)))).items).toEqual([]);
    const sent = (await letters.sent(as(ccss))).find((l) => l.letterId === letterId);
    expect(sent).toMatchObject({
      letterId,
      recipient: { kind: 'person', id: MARIE },
      subject: null,
      sha256,
      state: 'READ',
      availableAt: expect.any(String) as string,
      recipientErasedAt: now.toISOString(),
    });
    for (const read of [
      letters.get(as(citizen(MARIE)), letterId),
      letters.get(as(ccss), letterId),
      letters.open(as(citizen(MARIE)), letterId),
      letters.confirmReceipt(as(citizen(MARIE)), letterId),
    ]) {
      await expect(read).rejects.toBeInstanceOf(SubjectErasedError);
    }
    expect(await eventCount()).toBe(events);
    // Someone else still learns nothing of the letter.
    expect(await codeOf(letters.get(as(acd), letterId))).toBe('LETTER_NOT_FOUND');

    // Redelivered: nothing more is recorded.
    expect(await erase(MARIE, registryEventId)).toBe(false);
    expect(await eventCount()).toBe(events);
    const stream = await eventStore.readStream(recipientErasureStreamId(MARIE));
    expect(stream.map((event) => event.eventType)).toEqual([LETTER_EVENT_TYPES.recipientErased]);

    // Retention still ends: the sealed bytes go as any others.
    const start = now;
    try {
      now = new Date(start.getTime() + DAY_MS);
      await new RetentionReactor(store, clock).runOnce();
    } finally {
      now = start;
    }
    const { rows } = await pool.query(
      `SELECT 1 FROM ${APPLICATION_SCHEMA}.contents WHERE sha256 = $1`,
      [sha256],
    );
    expect(rows).toHaveLength(0);
  });

  it('refuses letters to a person erased before anything was sealed for them', async () => {
    expect(await keyOf(pool, PAUL)).toBeUndefined();
    await erase(PAUL, crypto.randomUUID());
    const [events, contents] = [await eventCount(), await contentCount()];
    await expect(
      letters.deliver(as(ccss), input(pdf(), { recipient: { kind: 'person', id: PAUL } })),
    ).rejects.toBeInstanceOf(SubjectErasedError);
    expect([await eventCount(), await contentCount()]).toEqual([events, contents]);
  });

  it('refuses a delivery whose recipient is erased while it is being delivered, storing nothing', async () => {
    const ERIC = '1979071100034';
    await letters.deliver(as(ccss), input(pdf(), { recipient: { kind: 'person', id: ERIC } }));
    const [events, contents] = [await eventCount(), await contentCount()];
    // The erasure holds Eric's key row once the delivery has looked his key up...
    const erasure = await pool.connect();
    try {
      await erasure.query('BEGIN');
      await erasure.query(
        `SELECT 1 FROM ${APPLICATION_SCHEMA}.subject_keys WHERE subject_id = $1 FOR UPDATE`,
        [ERIC],
      );
      const delivery = letters.deliver(
        as(ccss),
        input(pdf(), { recipient: { kind: 'person', id: ERIC } }),
      );
      const outcome = delivery.then(
        () => 'delivered',
        (error: unknown) => (error instanceof SubjectErasedError ? 'erased' : String(error)),
      );
      // ...the delivery waits for it in its transaction (it would be done in milliseconds)...
      const waiting = async () =>
        (
          await pool.query<{ n: string }>(
            `SELECT count(*) AS n FROM pg_stat_activity
              WHERE wait_event_type = 'Lock' AND query LIKE '%FOR SHARE%'`,
          )
        ).rows[0]?.n === '1';
      for (let i = 0; i < 100 && !(await waiting()); i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // ...and finds him erased once the erasure commits.
      await erasure.query(
        `UPDATE ${APPLICATION_SCHEMA}.subject_keys SET wrapped_key = NULL, destroyed_at = now()
          WHERE subject_id = $1`,
        [ERIC],
      );
      await erasure.query('COMMIT');
      expect(await outcome).toBe('erased');
    } finally {
      erasure.release();
    }
    expect([await eventCount(), await contentCount()]).toEqual([events, contents]);
  });

  it('destroys the key on a replica as it replays the erasure, and derives the same letters', async () => {
    const replica = await createTestDatabase('letterbox_erasure_replica');
    const replicaPool = new Pool({ connectionString: replica.url, max: 4 });
    replicaPool.on('error', () => undefined);
    try {
      await migrateLetterboxSchemas(replicaPool);
      const replicaSource = await createLetterboxDataSource(replicaPool);
      // Every delivery so far positioned in the log, as the primary's relay does.
      await eventStore.sequence();
      // The replica holds Marie's key as the keys topic delivered it, before the log's erasure.
      await replicaPool.query(
        `INSERT INTO ${APPLICATION_SCHEMA}.subject_keys (key_id, subject_id, wrapped_key, created_at)
         SELECT gen_random_uuid(), $1, '\\x00'::bytea, now()`,
        [MARIE],
      );
      await project(replicaSource, replicaPool);
      expect(await keyOf(replicaPool, MARIE)).toMatchObject({ wrapped_key: null });
      expect((await keyOf(replicaPool, PAUL))?.destroyed_at).toBeInstanceOf(Date);
      const letterRows = async (onPool: Pool) =>
        (
          await onPool.query<{ rows: string }>(
            `SELECT json_agg(l ORDER BY letter_id)::text AS rows FROM ${APPLICATION_SCHEMA}.letters l`,
          )
        ).rows[0]?.rows;
      await project(dataSource, pool);
      expect(await letterRows(replicaPool)).toBe(await letterRows(pool));
      await replicaSource.destroy();
    } finally {
      await replicaPool.end();
      await replica.drop();
    }
  });
});
