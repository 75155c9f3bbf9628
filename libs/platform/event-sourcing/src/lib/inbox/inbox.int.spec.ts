import { randomUUID } from 'node:crypto';

import type { PostgresEventStore } from '../postgres/postgres-event-store';
import { testPostgres } from '../testing/pg-test-support';
import type { TestPostgres } from '../testing/pg-test-support';
import { Inbox } from './inbox';

describe('inbox (real PostgreSQL)', () => {
  let pg: TestPostgres;
  let store: PostgresEventStore;
  let inbox: Inbox;

  const effects = async (): Promise<string[]> =>
    (
      await pg.pool.query<{ note: string }>(`SELECT note FROM ${store.schema}.effects ORDER BY id`)
    ).rows.map((row) => row.note);

  beforeAll(async () => {
    pg = await testPostgres('inbox');
    store = await pg.newStore();
    await pg.pool.query(
      `CREATE TABLE ${store.schema}.effects (id serial PRIMARY KEY, note text NOT NULL)`,
    );
    inbox = new Inbox({ pool: pg.pool, schema: store.schema, consumer: 'test.effects' });
  });

  afterAll(async () => {
    await pg.close();
  });

  beforeEach(async () => {
    await pg.pool.query(`TRUNCATE ${store.schema}.effects, ${store.schema}.inbox`);
  });

  const note = (text: string) => async (client: import('pg').PoolClient) => {
    await client.query(`INSERT INTO ${store.schema}.effects (note) VALUES ($1)`, [text]);
  };

  it('applies an event once however often it is delivered', async () => {
    const id = randomUUID();
    expect(await inbox.processOnce(id, note('first'))).toBe('applied');
    expect(await inbox.processOnce(id, note('again'))).toBe('duplicate');
    expect(await effects()).toEqual(['first']);
  });

  it('applies an event once when two deliveries race', async () => {
    const id = randomUUID();
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, (_, i) => inbox.processOnce(id, note(`delivery ${String(i)}`))),
    );
    expect(outcomes.filter((o) => o === 'applied')).toHaveLength(1);
    expect(await effects()).toHaveLength(1);
  });

  it('records nothing when the effect fails, so a redelivery applies it', async () => {
    const id = randomUUID();
    await expect(
      inbox.processOnce(id, async (client) => {
        await note('half')(client);
        throw new Error('constraint broken');
      }),
    ).rejects.toThrow('constraint broken');
    expect(await effects()).toEqual([]);
    expect(await inbox.processOnce(id, note('retried'))).toBe('applied');
    expect(await effects()).toEqual(['retried']);
  });

  it('keeps consumers apart: each applies the same event once', async () => {
    const id = randomUUID();
    const other = new Inbox({ pool: pg.pool, schema: store.schema, consumer: 'test.other' });
    expect(await inbox.processOnce(id, note('a'))).toBe('applied');
    expect(await other.processOnce(id, note('b'))).toBe('applied');
    expect(await other.processOnce(id, note('b again'))).toBe('duplicate');
    expect(await effects()).toEqual(['a', 'b']);
  });
});
