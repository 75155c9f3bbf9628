import { Pool } from 'pg';
import type { PoolClient } from 'pg';

import type { PositionedEvent } from '../event-store/event-store';
import type { PostgresEventStore } from '../postgres/postgres-event-store';
import { testPostgres } from '../testing/pg-test-support';
import type { TestPostgres } from '../testing/pg-test-support';
import { payloadText, testEvent, testMetadata } from '../testing/test-events';
import { ProjectionRunner } from './projection-runner';
import type { Projection } from './projection-runner';

/** A read model of the latest text per stream, and how many events each stream had. */
function latestTextProjection(schema: string, failOn?: string): Projection {
  return {
    name: 'test.latest-text',
    tables: [`${schema}.latest_text`],
    async apply(client: PoolClient, event: PositionedEvent) {
      const text = payloadText(event);
      if (text === failOn) throw new Error(`cannot apply ${text}`);
      await client.query(
        `INSERT INTO ${schema}.latest_text (stream_id, text, events, last_position)
         VALUES ($1, $2, 1, $3)
         ON CONFLICT (stream_id) DO UPDATE
           SET text = EXCLUDED.text, events = latest_text.events + 1, last_position = EXCLUDED.last_position`,
        [event.streamId, text, event.globalPosition.toString()],
      );
    },
  };
}

describe('projection runner (real PostgreSQL)', () => {
  let pg: TestPostgres;
  let store: PostgresEventStore;

  const rows = async (): Promise<unknown[]> =>
    (
      await pg.pool.query<Record<string, unknown>>(
        `SELECT stream_id, text, events, last_position FROM ${store.schema}.latest_text ORDER BY stream_id`,
      )
    ).rows;

  beforeAll(async () => {
    pg = await testPostgres('projections');
    store = await pg.newStore();
    await pg.pool.query(
      `CREATE TABLE ${store.schema}.latest_text (stream_id text PRIMARY KEY, text text NOT NULL, events int NOT NULL, last_position bigint NOT NULL)`,
    );
    for (let i = 0; i < 30; i += 1) {
      await store.append(
        `s-${String(i % 7)}`,
        'any',
        [testEvent(`text ${String(i)}`)],
        testMetadata,
      );
    }
  });

  afterAll(async () => {
    await pg.close();
  });

  it('catches up with the log and rebuilds to exactly the same rows', async () => {
    const runner = new ProjectionRunner({
      pool: pg.pool,
      schema: store.schema,
      store,
      projection: latestTextProjection(store.schema),
      batchSize: 8,
    });
    expect(await runner.catchUp()).toBe(30);
    const built = await rows();
    expect(built).toHaveLength(7);
    expect(built[0]).toEqual({ stream_id: 's-0', text: 'text 28', events: 5, last_position: '29' });
    expect(await runner.position()).toBe(await store.headPosition());

    // Nothing new: nothing applied twice.
    expect(await runner.catchUp()).toBe(0);
    expect(await rows()).toEqual(built);

    expect(await runner.rebuild()).toBe(30);
    expect(await rows()).toEqual(built);
  });

  it('digests its rows at its checkpoint: equal for equal rows, whatever the session settings', async () => {
    const schema = store.schema;
    await pg.pool.query(
      `CREATE TABLE ${schema}.stamped (id int, part text, at timestamptz NOT NULL, PRIMARY KEY (part, id))`,
    );
    const projection: Projection = {
      name: 'test.digest',
      tables: [`${schema}.latest_text`, `${schema}.stamped`],
      apply: async (client, event) => {
        await latestTextProjection(schema).apply(client, event);
        await client.query(`INSERT INTO ${schema}.stamped VALUES ($1, $2, $3)`, [
          Number(event.globalPosition),
          event.streamId,
          event.recordedAt,
        ]);
      },
    };
    const runner = new ProjectionRunner({ pool: pg.pool, schema, store, projection });
    await pg.pool.query(`TRUNCATE ${schema}.latest_text`);
    await runner.catchUp();
    const first = await runner.digest();
    expect(first).toMatchObject({ name: 'test.digest', position: 30n, rows: 7 + 30 });
    expect(first.digest).toMatch(/^sha256:[0-9a-f]{64}$/);

    // Rebuilt from the log in other batches, with the session in another time zone: the same.
    await pg.pool.query(`TRUNCATE ${schema}.stamped`);
    const kolkata = new Pool({
      connectionString: pg.database.url,
      options: '-c TimeZone=Asia/Kolkata',
    });
    const other = new ProjectionRunner({
      pool: kolkata,
      schema,
      store,
      projection,
      batchSize: 7,
    });
    await other.rebuild();
    try {
      expect(await other.digest()).toEqual(first);
    } finally {
      await kolkata.end();
    }

    // One value changed behind the runner's back: another digest at the same checkpoint.
    await pg.pool.query(
      `UPDATE ${schema}.stamped SET at = at + interval '1 millisecond' WHERE id = 5`,
    );
    const tampered = await runner.digest();
    expect(tampered.position).toBe(30n);
    expect(tampered.digest).not.toBe(first.digest);

    // A table without a primary key has no order to digest in.
    await pg.pool.query(`CREATE TABLE ${schema}.unordered (x int)`);
    const unordered = new ProjectionRunner({
      pool: pg.pool,
      schema,
      store,
      projection: { ...projection, tables: [`${schema}.unordered`] },
    });
    await expect(unordered.digest()).rejects.toThrow('has no primary key');
  });

  it('rolls back a failed batch whole, checkpoint included, and resumes without gaps or repeats', async () => {
    const schema = store.schema;
    await pg.pool.query(`TRUNCATE ${schema}.latest_text`);
    const failing = new ProjectionRunner({
      pool: pg.pool,
      schema,
      store,
      projection: { ...latestTextProjection(schema, 'text 12'), name: 'test.failing' },
      batchSize: 5,
    });
    await expect(failing.catchUp()).rejects.toThrow('cannot apply text 12');
    // Batches 1-5 and 6-10 committed; the batch holding position 13 (text 12) did not.
    expect(await failing.position()).toBe(10n);
    const partial = await rows();
    expect(partial.reduce<number>((sum, row) => sum + (row as { events: number }).events, 0)).toBe(
      10,
    );

    const fixed = new ProjectionRunner({
      pool: pg.pool,
      schema,
      store,
      projection: { ...latestTextProjection(schema), name: 'test.failing' },
      batchSize: 5,
    });
    expect(await fixed.catchUp()).toBe(20);
    const resumed = await rows();
    expect(resumed.reduce<number>((sum, row) => sum + (row as { events: number }).events, 0)).toBe(
      30,
    );
    expect(await fixed.rebuild()).toBe(30);
    expect(await rows()).toEqual(resumed);
  });
});
