// The global log under concurrent commits: a reader that has read up to position P never finds
// an event at or below P later, positions stay dense, and each stream stays in version order.
import type { PoolClient } from 'pg';

import { ConcurrencyError } from '../event-store/event-store-errors';
import type { PositionedEvent } from '../event-store/event-store';
import { LogReader, settle, testPostgres } from '../testing/pg-test-support';
import type { TestPostgres } from '../testing/pg-test-support';
import { payloadText, testEvent, testMetadata } from '../testing/test-events';
import type { PostgresEventStore } from './postgres-event-store';

let pg: TestPostgres;

beforeAll(async () => {
  pg = await testPostgres('global_order');
});

afterAll(async () => {
  await pg.close();
});

/** Runs `work` on a client of its own, returning the client to the pool afterwards. */
async function withClient<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pg.pool.connect();
  try {
    return await work(client);
  } finally {
    client.release();
  }
}

const positions = (events: readonly PositionedEvent[]) =>
  events.map((e) => [payloadText(e), Number(e.globalPosition)]);

describe('global order under overlapping transactions', () => {
  let store: PostgresEventStore;

  beforeEach(async () => {
    store = await pg.newStore();
  });

  it('never positions an event ahead of one still being committed', async () => {
    const reader = new LogReader(store);
    await store.append('stream-c', 0, [testEvent('c1')], testMetadata);
    await settle(store);
    expect(positions(await reader.readNew())).toEqual([['c1', 1]]);

    await withClient(async (t1) => {
      // T1 appends to stream A and stays open.
      await t1.query('BEGIN');
      await store.appendInTransaction(t1, 'stream-a', 0, [testEvent('a1')], testMetadata);

      // T2 appends to stream B and commits while T1 is still open.
      await store.append('stream-b', 0, [testEvent('b1')], testMetadata);
      expect(await store.sequence()).toMatchObject({ assigned: 0 });

      // B is committed, but T1 is older: B waits rather than take a position ahead of A.
      expect(positions(await reader.readNew())).toEqual([]);
      expect((await store.readStream('stream-b'))[0]?.globalPosition).toBeNull();

      await t1.query('COMMIT');
    });
    await settle(store);

    // The reader continues from its last position and misses nothing.
    expect(positions(await reader.readNew())).toEqual([
      ['a1', 2],
      ['b1', 3],
    ]);
    expect(await store.headPosition()).toBe(3n);
  });

  it('orders by transaction, not by commit: an older transaction that commits later goes first', async () => {
    const reader = new LogReader(store);
    await withClient(async (older) => {
      await older.query('BEGIN');
      // Takes its transaction id now, before the other append even starts.
      await older.query('SELECT pg_current_xact_id()');

      await store.append('stream-b', 0, [testEvent('b1')], testMetadata);
      expect(await store.sequence()).toMatchObject({ assigned: 0 });
      expect(await reader.readNew()).toEqual([]);

      await store.appendInTransaction(older, 'stream-a', 0, [testEvent('a1')], testMetadata);
      await older.query('COMMIT');
    });
    await settle(store);

    expect(positions(await reader.readNew())).toEqual([
      ['a1', 1],
      ['b1', 2],
    ]);
  });

  it("refuses to append after a younger transaction's event in the same stream, so the stream keeps its order in the log", async () => {
    await withClient(async (older) => {
      await older.query('BEGIN');
      await older.query('SELECT pg_current_xact_id()');
      // A younger transaction appends version 1 and commits first.
      await store.append('stream', 0, [testEvent('v1')], testMetadata);

      // Version 2 from the older transaction would be positioned before version 1.
      const error: unknown = await store
        .appendInTransaction(older, 'stream', 1, [testEvent('v2')], testMetadata)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConcurrencyError);
      expect(error).toMatchObject({ conflict: 'stale-transaction', actualVersion: 1 });
      await older.query('ROLLBACK');

      // Retried in a new transaction, it goes through.
      await older.query('BEGIN');
      await store.appendInTransaction(older, 'stream', 1, [testEvent('v2')], testMetadata);
      await older.query('COMMIT');
    });
    await settle(store);

    expect((await store.readAll(1n, 10)).map((e) => [payloadText(e), e.streamVersion])).toEqual([
      ['v1', 1],
      ['v2', 2],
    ]);
  });

  it('stays dense, complete and ordered per stream under many concurrent writers and sequencers', async () => {
    const streams = Array.from({ length: 12 }, (_, i) => `stream-${i}`);
    const appended = new Set<string>();
    let writing = true;
    const reader = new LogReader(store);

    const writer = async (w: number): Promise<void> => {
      for (let i = 0; i < 40; i += 1) {
        const streamId = streams[(w * 7 + i * 5) % streams.length]!;
        const events = [testEvent(`${w}-${i}-a`), testEvent(`${w}-${i}-b`)].slice(0, 1 + (i % 2));
        if (i % 3 === 0) {
          // In a transaction that took its id early and stays open a little: overlapping
          // commits, and sometimes a stale transaction that must retry.
          for (;;) {
            const done = await withClient(async (client) => {
              await client.query('BEGIN');
              await client.query('SELECT pg_current_xact_id()');
              await new Promise((resolve) => setTimeout(resolve, i % 4));
              try {
                const result = await store.appendInTransaction(
                  client,
                  streamId,
                  'any',
                  events,
                  testMetadata,
                );
                await client.query('COMMIT');
                return result;
              } catch (error) {
                await client.query('ROLLBACK');
                if (error instanceof ConcurrencyError) return undefined;
                throw error;
              }
            });
            if (done) {
              done.events.forEach((e) => appended.add(e.eventId));
              break;
            }
          }
        } else {
          const result = await store.append(streamId, 'any', events, testMetadata);
          result.events.forEach((e) => appended.add(e.eventId));
        }
      }
    };
    const sequencer = async (): Promise<void> => {
      while (writing) {
        await store.sequence(7);
      }
    };
    const readLoop = async (): Promise<void> => {
      while (writing) {
        await reader.readNew(13);
      }
    };

    const background = Promise.all([sequencer(), sequencer(), readLoop()]);
    await Promise.all(Array.from({ length: 6 }, (_, w) => writer(w)));
    writing = false;
    await background;
    await settle(store);
    await reader.readNew();

    const log = reader.seen;
    expect(log.length).toBe(appended.size);
    expect(new Set(log.map((e) => e.eventId))).toEqual(appended);
    expect(log.map((e) => e.globalPosition)).toEqual(log.map((_, i) => BigInt(i + 1)));
    const lastVersion = new Map<string, number>();
    for (const event of log) {
      expect(event.streamVersion).toBe((lastVersion.get(event.streamId) ?? 0) + 1);
      lastVersion.set(event.streamId, event.streamVersion);
    }
  });
});
