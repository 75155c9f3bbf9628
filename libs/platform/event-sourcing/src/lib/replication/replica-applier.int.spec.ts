import type { PositionedEvent } from '../event-store/event-store';
import type { PostgresEventStore } from '../postgres/postgres-event-store';
import { settle, testPostgres } from '../testing/pg-test-support';
import type { TestPostgres } from '../testing/pg-test-support';
import { testEvent, testMetadata } from '../testing/test-events';
import { LogDigester, digestLog } from './log-digest';
import { ReplicaApplier } from './replica-applier';

/** A deterministic pseudo-random sequence, so that a failing interleaving can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/**
 * The events interleaved across streams as Kafka partitions would deliver them: each stream's
 * events in order, streams mixed at random.
 */
function interleave(events: readonly PositionedEvent[], seed: number): PositionedEvent[] {
  const byStream = new Map<string, PositionedEvent[]>();
  for (const event of events) {
    byStream.set(event.streamId, [...(byStream.get(event.streamId) ?? []), event]);
  }
  const queues = [...byStream.values()];
  const next = random(seed);
  const out: PositionedEvent[] = [];
  while (queues.some((q) => q.length > 0)) {
    const open = queues.filter((q) => q.length > 0);
    const queue = open[Math.floor(next() * open.length)];
    const event = queue?.shift();
    if (event) out.push(event);
  }
  return out;
}

function batches<T>(items: readonly T[], seed: number): T[][] {
  const next = random(seed);
  const out: T[][] = [];
  for (let i = 0; i < items.length;) {
    const size = 1 + Math.floor(next() * 40);
    out.push(items.slice(i, i + size));
    i += size;
  }
  return out;
}

/** The fields that must be identical on both sites. */
function identity(event: PositionedEvent): unknown {
  return {
    ...event,
    payload: Buffer.from(event.payload).toString('hex'),
    contentHash: Buffer.from(event.contentHash).toString('hex'),
    previousHash: event.previousHash ? Buffer.from(event.previousHash).toString('hex') : null,
  };
}

describe('PostgresEventStore on a replica (promotion bookkeeping)', () => {
  let pg: TestPostgres;

  beforeAll(async () => {
    pg = await testPostgres('promotion');
  });

  afterAll(async () => {
    await pg.close();
  });

  it('records the site role, reports relays and unpositioned events, and cuts the log to its gapless head', async () => {
    const primary = await pg.newStore('registry');
    await primary.append('a', 0, [testEvent('a1'), testEvent('a2')], testMetadata);
    await primary.append('b', 0, [testEvent('b1')], testMetadata);
    await primary.append('c', 0, [testEvent('c1')], testMetadata);
    expect(await primary.unpositionedCount()).toBe(4);
    await settle(primary);
    expect(await primary.unpositionedCount()).toBe(0);
    const log = await primary.readAllStored(1n, 10);
    const replica = await pg.newStore('registry');
    // Position 3 never arrived: 4 is stored beyond a gap.
    await new ReplicaApplier(replica).apply(log.filter((e) => e.globalPosition !== 3n));
    expect(await replica.headPosition()).toBe(2n);
    expect(await replica.existingStreams(['a', 'b', 'c', 'd'])).toEqual(
      new Set(log.filter((e) => e.globalPosition !== 3n).map((e) => e.streamId)),
    );
    expect(await replica.recordedSiteRole()).toBeUndefined();
    expect(await replica.relayPositions()).toEqual(new Map());

    const client = await pg.pool.connect();
    try {
      await client.query('BEGIN');
      const cut = await replica.cutToGaplessHead(client);
      const role = await replica.recordSiteRole('primary', 'drill', client);
      await client.query('COMMIT');
      expect(cut).toEqual({ position: 2n, discarded: 1 });
      expect(await replica.recordedSiteRole()).toEqual(role);
      expect(role).toMatchObject({ role: 'primary', reason: 'drill' });
    } finally {
      client.release();
    }
    expect((await replica.readAllStored(1n, 10)).map((e) => e.globalPosition)).toEqual([1n, 2n]);
    expect(await replica.recordSiteRole('fenced', 'failback')).toMatchObject({ role: 'fenced' });
    expect((await replica.recordedSiteRole())?.role).toBe('fenced');
  });
});

describe('ReplicaApplier (PostgreSQL)', () => {
  let pg: TestPostgres;
  let primary: PostgresEventStore;
  let log: PositionedEvent[];

  beforeAll(async () => {
    pg = await testPostgres('replica');
    primary = await pg.newStore('registry');
    // 30 streams, 200 events, appended concurrently in small batches, with actors and causes.
    await Promise.all(
      Array.from({ length: 30 }, async (_, s) => {
        for (let v = 0; v < 200 / 30; v += 1) {
          await primary.append(`stream-${s}`, 'any', [testEvent(`s${s} e${v}`)], {
            ...testMetadata,
            causationId: `cause-${s}-${v}`,
            actor: { kind: 'registrar', id: `r-${s % 3}`, organisationId: 'RNPP' },
          });
        }
      }),
    );
    await settle(primary);
    log = await primary.readAllStored(1n, 10_000);
  });

  afterAll(async () => {
    await pg.close();
  });

  async function replica(): Promise<{ store: PostgresEventStore; applier: ReplicaApplier }> {
    const store = await pg.newStore('registry');
    return { store, applier: new ReplicaApplier(store) };
  }

  it('rebuilds the same log, position for position, from events interleaved across streams', async () => {
    const { store, applier } = await replica();
    let applied = 0;
    for (const batch of batches(interleave(log, 7), 11)) {
      applied += (await applier.apply(batch)).applied;
    }

    expect(applied).toBe(log.length);
    const rebuilt = await store.readAllStored(1n, 10_000);
    expect(rebuilt.map(identity)).toEqual(log.map(identity));
    expect(await store.headPosition()).toBe(BigInt(log.length));
    const head = BigInt(log.length);
    expect(await digestLog(store, head)).toEqual(await digestLog(primary, head));
    expect((await applier.progress()).halted).toEqual([]);
  });

  it('skips a redelivered batch and changes nothing', async () => {
    const { store, applier } = await replica();
    const first = log.slice(0, 60);
    await applier.apply(first);
    const again = await applier.apply(interleave(first, 3));

    expect(again).toMatchObject({ applied: 0, duplicates: 60, heldBack: 0, halted: [] });
    expect(await store.headPosition()).toBe(60n);
    expect(await digestLog(store, 60n)).toEqual(await digestLog(primary, 60n));
  });

  it('serves only the gapless prefix until a missing position arrives', async () => {
    const { store, applier } = await replica();
    const missing = log[9];
    if (!missing) throw new Error('test log too short');
    // Everything of the first 40 positions but position 10 and the rest of its stream.
    const held = log
      .slice(0, 40)
      .filter((e) => e.streamId === missing.streamId && e.streamVersion >= missing.streamVersion);
    const first = log.slice(0, 40).filter((e) => !held.includes(e));
    const result = await applier.apply(first);

    expect(result.head).toBe(9n);
    expect((await store.readAll(1n, 1_000)).map((e) => e.globalPosition)).toEqual(
      Array.from({ length: 9 }, (_, i) => BigInt(i + 1)),
    );
    await expect(digestLog(store, 10n)).rejects.toThrow(RangeError);

    expect((await applier.apply(held)).head).toBe(40n);
    expect((await applier.progress()).highestStored).toBe(40n);
  });

  it('halts a stream whose hash chain breaks, reports it, and goes on with the others', async () => {
    const { store, applier } = await replica();
    const victim = log.find((e) => e.streamVersion === 3);
    if (!victim) throw new Error('no third event');
    const tampered = log.map((e) =>
      e === victim ? { ...e, previousHash: new Uint8Array(32).fill(7) } : e,
    );
    const result = await applier.apply(tampered);

    expect(result.halted).toEqual([
      expect.objectContaining({
        streamId: victim.streamId,
        atVersion: 3,
        eventId: victim.eventId,
        globalPosition: victim.globalPosition,
        reason: 'broken-chain',
      }),
    ]);
    const ofVictim = log.filter((e) => e.streamId === victim.streamId && e.streamVersion >= 3);
    expect(result.heldBack).toBe(ofVictim.length);
    expect(result.applied).toBe(log.length - ofVictim.length);
    // Reads stop before the broken event; the other streams' events are stored all the same.
    expect(result.head).toBe(victim.globalPosition - 1n);
    expect((await applier.progress()).highestStored).toBe(BigInt(log.length));
    expect(await applier.haltedStreams()).toEqual([
      expect.objectContaining({ streamId: victim.streamId, reason: 'broken-chain' }),
    ]);
    // A redelivery of the intact events does not resume a halted stream: an operator must.
    expect((await applier.apply(ofVictim)).applied).toBe(0);
    expect(await store.headPosition()).toBe(victim.globalPosition - 1n);
  });

  it('halts a stream on a tampered payload and on a diverging event', async () => {
    const { applier } = await replica();
    const [a, b] = [
      log.find((e) => e.streamId === 'stream-4'),
      log.find((e) => e.streamId === 'stream-5'),
    ];
    if (!a || !b) throw new Error('missing streams');
    const corrupt = { ...a, payload: new TextEncoder().encode('forged') };
    expect((await applier.apply([corrupt])).halted[0]).toMatchObject({ reason: 'content-hash' });

    await applier.apply([b]);
    const other = { ...b, eventId: '0190a0a0-0000-7000-8000-000000000001' };
    expect((await applier.apply([other])).halted[0]).toMatchObject({
      streamId: 'stream-5',
      reason: 'diverged',
    });
  });

  it('tells a stored first event redelivered among new streams from a break, in one batch', async () => {
    const { store, applier } = await replica();
    const firsts = log.filter((e) => e.streamVersion === 1);
    const [stored, forged] = firsts;
    if (!stored || !forged) throw new Error('missing streams');
    await applier.apply([stored, forged]);
    // A stored first event again, with a forged payload (the same id), beside new streams: a
    // redelivery, skipped, not a halt; and an intact one, whose insert would clash.
    const [fresh, later] = [firsts.slice(2, 6), firsts.slice(6, 9)];
    const forgedAgain = await applier.apply([
      { ...forged, payload: new TextEncoder().encode('forged') },
      ...fresh,
    ]);
    const storedAgain = await applier.apply([...later, stored]);

    expect(forgedAgain).toMatchObject({ applied: 4, duplicates: 1, heldBack: 0, halted: [] });
    expect(storedAgain).toMatchObject({ applied: 3, duplicates: 1, heldBack: 0, halted: [] });
    const { rows } = await store.pool.query<{ event_id: string }>(
      `SELECT event_id FROM "${store.schema}".events ORDER BY event_id`,
    );
    expect(rows.map((row) => row.event_id)).toEqual(
      [stored, forged, ...fresh, ...later].map((e) => e.eventId).sort(),
    );
  });

  it('holds back the events of a halted stream when very many streams are halted', async () => {
    const { store, applier } = await replica();
    const [halted, other] = [
      log.find((e) => e.streamId === 'stream-7' && e.streamVersion === 1),
      log.find((e) => e.streamId === 'stream-8' && e.streamVersion === 1),
    ];
    if (!halted || !other) throw new Error('missing streams');
    await store.pool.query(
      `INSERT INTO "${store.schema}".halted_streams
         (stream_id, at_version, event_id, global_position, reason, detail)
       SELECT 'elsewhere-' || n, 1, $1::uuid, n, 'gap', 'test' FROM generate_series(1, 1500) n
       UNION ALL SELECT 'stream-7', 1, $1::uuid, 1, 'gap', 'test'`,
      [halted.eventId],
    );
    const result = await applier.apply([halted, other]);

    expect(result).toMatchObject({ applied: 1, heldBack: 1 });
    const { rows } = await store.pool.query<{ stream_id: string }>(
      `SELECT stream_id FROM "${store.schema}".events`,
    );
    expect(rows).toEqual([{ stream_id: 'stream-8' }]);
  });

  it('gives digests that differ when any field differs, and continue incrementally', async () => {
    const { store, applier } = await replica();
    const shifted = log.map((e, i) =>
      i === 50 ? { ...e, recordedAt: new Date(e.recordedAt.getTime() + 1) } : e,
    );
    await applier.apply(shifted);
    const head = BigInt(log.length);
    expect((await digestLog(store, 50n)).digest).toBe((await digestLog(primary, 50n)).digest);
    expect((await digestLog(store, head)).digest).not.toBe((await digestLog(primary, head)).digest);

    const digester = new LogDigester(primary);
    await digester.digestAt(100n);
    expect(await digester.digestAt(head)).toEqual(await digestLog(primary, head));
    expect((await digestLog(primary, 0n)).digest).toBe(`sha256:${'0'.repeat(64)}`);
  });
});
