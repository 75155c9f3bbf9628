import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

import { Pool } from 'pg';

import { uniqueName } from '@gov/platform-testing';

import { describeEventStoreContract } from '../testing/event-store.contract';
import {
  ConcurrencyError,
  SchemaNotMigratedError,
  StoreUnavailableError,
} from '../event-store/event-store-errors';
import { payloadText, testEvent, testMetadata } from '../testing/test-events';
import { settle, testPostgres } from '../testing/pg-test-support';
import type { TestPostgres } from '../testing/pg-test-support';
import { migrate } from './migrate';
import { REQUIRED_MIGRATION } from './migrations';
import { ReadOnlyStoreError } from '../event-store/event-store-errors';
import { PostgresEventStore } from './postgres-event-store';

let pg: TestPostgres;
const contractSchema = uniqueName('contract');

beforeAll(async () => {
  pg = await testPostgres('event_store');
  await migrate(pg.pool, { schema: contractSchema });
});

afterAll(async () => {
  await pg.close();
});

describeEventStoreContract('PostgreSQL', ({ upcasters }) => {
  const store = new PostgresEventStore({
    pool: pg.pool,
    schema: contractSchema,
    producer: 'contract-test',
    upcasters,
  });
  return Promise.resolve({ store, producer: 'contract-test', settle: () => settle(store) });
});

describe('PostgresEventStore', () => {
  it('finds the highest numbered stream and the last stream id of each prefix from its index', async () => {
    const store = await pg.newStore('numbered');
    for (const id of ['B1', 'B9', 'B10', 'B99', 'B100', 'B4711', 'Bx12', 'C5', 'A777777']) {
      await store.append(id, 0, [testEvent('a')], testMetadata);
    }
    await store.append('B4711', 1, [testEvent('b')], testMetadata);
    for (const id of ['2001010100012', '2001010100577', '2001010200003', '19990101', 'x']) {
      await store.append(id, 0, [testEvent('a')], testMetadata);
    }

    expect(await store.highestStreamNumber('B')).toBe(4711n);
    expect(await store.highestStreamNumber('C')).toBe(5n);
    expect(await store.highestStreamNumber('D')).toBeUndefined();
    expect(await store.lastStreamIdPerPrefix({ from: '0', to: ':' }, 8)).toEqual([
      '2001010200003',
      '2001010100577',
      '19990101',
    ]);
    expect(await store.lastStreamIdPerPrefix({ from: 'y', to: 'z' }, 8)).toEqual([]);
  });

  it('stores one row per event, positioned only once the sequencer ran', async () => {
    const store = await pg.newStore('registry');
    await store.append('s-1', 0, [testEvent('a'), testEvent('b')], testMetadata);
    await store.append('s-2', 0, [testEvent('c')], testMetadata);
    const rows = async () =>
      (
        await pg.pool.query<{
          seq: string;
          stream_id: string;
          stream_version: string;
          producer: string;
          global_position: string | null;
          has_tx: boolean;
        }>(
          `SELECT seq, stream_id, stream_version, producer, global_position,
                  transaction_id IS NOT NULL AS has_tx
           FROM "${store.schema}".events ORDER BY seq`,
        )
      ).rows;

    expect(
      (await rows()).map((r) => [r.stream_id, r.global_position, r.producer, r.has_tx]),
    ).toEqual([
      ['s-1', null, 'registry', true],
      ['s-1', null, 'registry', true],
      ['s-2', null, 'registry', true],
    ]);
    expect(await store.readAll(1n, 10)).toEqual([]);
    expect(await store.headPosition()).toBe(0n);

    expect(await store.sequence()).toEqual({ assigned: 3, head: 3n });

    expect((await rows()).map((r) => r.global_position)).toEqual(['1', '2', '3']);
    expect((await store.readAll(1n, 10)).map(payloadText)).toEqual(['a', 'b', 'c']);
    expect(await store.sequence()).toEqual({ assigned: 0, head: 3n });
  });

  it('positions in batches of the given size', async () => {
    const store = await pg.newStore();
    await store.append(
      's',
      0,
      ['1', '2', '3', '4', '5'].map((t) => testEvent(t)),
      testMetadata,
    );

    expect(await store.sequence(2)).toEqual({ assigned: 2, head: 2n });
    expect(await store.sequence(2)).toEqual({ assigned: 2, head: 4n });
    expect(await store.sequence(2)).toEqual({ assigned: 1, head: 5n });
  });

  it('keeps the stores of different schemas apart in one database', async () => {
    const registry = await pg.newStore('registry');
    const consent = await pg.newStore('consent');
    await registry.append('same-id', 0, [testEvent('r')], testMetadata);
    await consent.append('same-id', 0, [testEvent('c1'), testEvent('c2')], testMetadata);
    await settle(registry);
    await settle(consent);

    expect((await registry.readStream('same-id')).map(payloadText)).toEqual(['r']);
    expect((await consent.readAll(1n, 10)).map((e) => [e.globalPosition, e.producer])).toEqual([
      [1n, 'consent'],
      [2n, 'consent'],
    ]);
  });

  it('reports the version that won a race, looked up after the clash', async () => {
    const store = await pg.newStore();
    await store.append('s', 0, [testEvent('a')], testMetadata);
    const outcomes = await Promise.allSettled(
      [1, 2, 3].map((i) =>
        store.append('s', 1, [testEvent(`${i}-a`), testEvent(`${i}-b`)], testMetadata),
      ),
    );
    const conflicts = outcomes.flatMap((o) =>
      o.status === 'rejected' ? [o.reason as unknown] : [],
    );
    expect(conflicts).toHaveLength(2);
    for (const conflict of conflicts) {
      expect(conflict).toBeInstanceOf(ConcurrencyError);
      expect(conflict).toMatchObject({ expectedVersion: 1, actualVersion: 3 });
    }
  });

  it('appends inside a caller transaction: visible on commit, gone on rollback', async () => {
    const store = await pg.newStore();
    const client = await pg.pool.connect();
    try {
      await client.query('BEGIN');
      await store.appendInTransaction(client, 'kept', 0, [testEvent('k1')], testMetadata);
      await store.appendInTransaction(client, 'kept', 1, [testEvent('k2')], testMetadata);
      expect(await store.readStream('kept')).toEqual([]);
      await client.query('COMMIT');

      await client.query('BEGIN');
      await store.appendInTransaction(client, 'dropped', 'any', [testEvent('d')], testMetadata);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    const kept = await store.readStream('kept');
    expect(kept.map(payloadText)).toEqual(['k1', 'k2']);
    expect(kept[1]!.previousHash).toEqual(kept[0]!.contentHash);
    expect(await store.readStream('dropped')).toEqual([]);
  });

  it('starts many streams in one statement inside a caller transaction', async () => {
    const store = await pg.newStore();
    const client = await pg.pool.connect();
    let results: Awaited<ReturnType<PostgresEventStore['startStreams']>>;
    try {
      await client.query('BEGIN');
      results = await store.startStreams(
        client,
        [
          { streamId: 'bulk-a', events: [testEvent('a1'), testEvent('a2')] },
          { streamId: 'bulk-b', events: [testEvent('b1')] },
        ],
        { ...testMetadata, actor: { kind: 'registrar', id: 'clerk-1' } },
      );
      expect(await store.readStream('bulk-a')).toEqual([]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    expect(results.map((r) => r.streamVersion)).toEqual([2, 1]);
    const a = await store.readStream('bulk-a');
    expect(a.map(payloadText)).toEqual(['a1', 'a2']);
    expect(a.map((e) => e.streamVersion)).toEqual([1, 2]);
    expect(a[0]!.previousHash).toBeNull();
    expect(a[1]!.previousHash).toEqual(a[0]!.contentHash);
    expect(a[0]!.actor).toEqual({ kind: 'registrar', id: 'clerk-1', organisationId: undefined });
    expect(results[0]!.events.map((e) => e.eventId)).toEqual(a.map((e) => e.eventId));
    await settle(store);
    expect((await store.readAll(1n, 10)).map((e) => e.streamId)).toEqual([
      'bulk-a',
      'bulk-a',
      'bulk-b',
    ]);
  });

  it('starts no stream of a batch when one of them exists already', async () => {
    const store = await pg.newStore();
    await store.append('taken', 0, [testEvent('t')], testMetadata);
    const client = await pg.pool.connect();
    try {
      await client.query('BEGIN');
      const attempt = store.startStreams(
        client,
        [
          { streamId: 'fresh', events: [testEvent('f')] },
          { streamId: 'taken', events: [testEvent('x')] },
        ],
        testMetadata,
      );
      await expect(attempt).rejects.toMatchObject({ kind: 'concurrency', streamId: 'taken' });
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    expect(await store.readStream('fresh')).toEqual([]);
    expect((await store.readStream('taken')).map(payloadText)).toEqual(['t']);
  });

  it('refuses every write while its write gate is closed (a replica, a fenced site)', async () => {
    const open = await pg.newStore();
    let writable = false;
    const store = new PostgresEventStore({
      pool: pg.pool,
      schema: open.schema,
      producer: 'test',
      writeGate: () => {
        if (!writable) throw new ReadOnlyStoreError('replica', 'this site is a replica');
      },
    });
    const client = await pg.pool.connect();
    try {
      await expect(store.append('s', 0, [testEvent('a')], testMetadata)).rejects.toBeInstanceOf(
        ReadOnlyStoreError,
      );
      await expect(
        store.appendInTransaction(client, 's', 0, [testEvent('a')], testMetadata),
      ).rejects.toMatchObject({ kind: 'read-only', role: 'replica' });
      await expect(
        store.startStreams(client, [{ streamId: 's', events: [testEvent('a')] }], testMetadata),
      ).rejects.toBeInstanceOf(ReadOnlyStoreError);
    } finally {
      client.release();
    }
    expect(await store.readStream('s')).toEqual([]);
    writable = true;
    await store.append('s', 0, [testEvent('a')], testMetadata);
    expect((await store.readStream('s')).map(payloadText)).toEqual(['a']);
  });

  it('refuses to work on a schema that is not migrated, and works once it is', async () => {
    const schema = uniqueName('unmigrated');
    const store = new PostgresEventStore({ pool: pg.pool, schema, producer: 'p' });

    const attempt = store.append('s', 0, [testEvent('a')], testMetadata);

    await expect(attempt).rejects.toBeInstanceOf(SchemaNotMigratedError);
    await expect(attempt).rejects.toMatchObject({
      kind: 'schema-not-migrated',
      schema,
      currentVersion: 0,
      requiredVersion: REQUIRED_MIGRATION,
      message: expect.stringContaining('run the event store migrations') as unknown,
    });
    await expect(store.readAll(1n, 1)).rejects.toBeInstanceOf(SchemaNotMigratedError);

    await migrate(pg.pool, { schema });

    await expect(store.append('s', 0, [testEvent('a')], testMetadata)).resolves.toMatchObject({
      streamVersion: 1,
    });
  });

  it('reports an unreachable database as unavailable', async () => {
    const pool = new Pool({
      connectionString: `postgres://postgres@127.0.0.1:${await closedPort()}/postgres`,
      connectionTimeoutMillis: 1_000,
    });
    try {
      const store = new PostgresEventStore({ pool, schema: 'registry', producer: 'p' });
      const error: unknown = await store.readStream('s').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(error).toMatchObject({ kind: 'unavailable', transient: true });
    } finally {
      await pool.end();
    }
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
  return port;
}
