// A request's append held until its answer is ready, then stored with a companion write in one
// statement: both or neither.
import { ConcurrencyError } from '../event-store/event-store-errors';
import { testPostgres } from '../testing/pg-test-support';
import type { TestPostgres } from '../testing/pg-test-support';
import { payloadText, testEvent, testMetadata } from '../testing/test-events';
import { AppendDeferral, CompanionConflictError, deferAppends } from './deferred-append';
import type { CompanionWrite } from './deferred-append';
import type { PostgresEventStore } from './postgres-event-store';

let pg: TestPostgres;
let store: PostgresEventStore;

beforeAll(async () => {
  pg = await testPostgres('deferred_append');
});

afterAll(async () => {
  await pg.close();
});

beforeEach(async () => {
  store = await pg.newStore();
  await pg.pool.query(
    `CREATE TABLE "${store.schema}".answers (key text PRIMARY KEY, answer text NOT NULL,
       first_event uuid NOT NULL)`,
  );
});

/** A row of `answers`, written only if the append is, naming the append's first event. */
function answer(key: string, text: string): CompanionWrite {
  return {
    name: 'test_answer',
    sql: `INSERT INTO "${store.schema}".answers (key, answer, first_event)
          SELECT $1, $2, (SELECT event_id FROM appended ORDER BY event_id LIMIT 1)
          WHERE EXISTS (SELECT 1 FROM appended)`,
    standaloneSql: `INSERT INTO "${store.schema}".answers VALUES ($1, $2, gen_random_uuid())`,
    values: [key, text],
  };
}

async function answers(): Promise<{ key: string; answer: string; first_event: string }[]> {
  const { rows } = await pg.pool.query<{ key: string; answer: string; first_event: string }>(
    `SELECT key, answer, first_event FROM "${store.schema}".answers ORDER BY key`,
  );
  return rows;
}

const texts = async (streamId: string) => (await store.readStream(streamId)).map(payloadText);

describe('a deferred append', () => {
  it('is held, then stored with its companion in one statement', async () => {
    const deferral = new AppendDeferral();
    const result = await deferAppends(deferral, () =>
      store.append('held-1', 0, [testEvent('one'), testEvent('two')], testMetadata),
    );
    // Not stored yet, but answered as it will be.
    expect(deferral.holding).toBe(true);
    expect(result.streamVersion).toBe(2);
    expect(await texts('held-1')).toEqual([]);

    expect(await deferral.commit(answer('k1', 'registered'))).toBe(true);
    const stored = await store.readStream('held-1');
    expect(stored.map((e) => [payloadText(e), e.eventId])).toEqual(
      result.events.map((e) => [payloadText(e), e.eventId]),
    );
    expect(stored.map((e) => e.contentHash)).toEqual(result.events.map((e) => e.contentHash));
    expect(await answers()).toEqual([
      { key: 'k1', answer: 'registered', first_event: [...stored].map((e) => e.eventId).sort()[0] },
    ]);
    expect(deferral.holding).toBe(false);
  });

  it('stores neither when the companion clashes', async () => {
    await pg.pool.query(
      `INSERT INTO "${store.schema}".answers VALUES ('k2', 'earlier', gen_random_uuid())`,
    );
    const deferral = new AppendDeferral();
    await deferAppends(deferral, () => store.append('held-2', 0, [testEvent('x')], testMetadata));
    await expect(deferral.commit(answer('k2', 'again'))).rejects.toBeInstanceOf(
      CompanionConflictError,
    );
    expect(await texts('held-2')).toEqual([]);
    expect(deferral.conflicted).toBe(false);
  });

  it('stores neither on a version conflict, and says so', async () => {
    await store.append('held-3', 0, [testEvent('first')], testMetadata);
    const deferral = new AppendDeferral();
    // Decided on version 1; another writer appends version 2 before the commit.
    await deferAppends(deferral, () =>
      store.append('held-3', 1, [testEvent('mine')], testMetadata),
    );
    await store.append('held-3', 1, [testEvent('theirs')], testMetadata);

    await expect(deferral.commit(answer('k3', 'changed'))).rejects.toBeInstanceOf(ConcurrencyError);
    expect(deferral.conflicted).toBe(true);
    expect(await texts('held-3')).toEqual(['first', 'theirs']);
    expect(await answers()).toEqual([]);
  });

  it('runs before a later read or append of the request, which see it', async () => {
    const deferral = new AppendDeferral();
    const seen = await deferAppends(deferral, async () => {
      await store.append('held-4', 0, [testEvent('a')], testMetadata);
      const read = (await store.readStream('held-4')).map(payloadText);
      await store.append('held-4', 1, [testEvent('b')], testMetadata);
      return read;
    });
    expect(seen).toEqual(['a']);
    expect(deferral.holding).toBe(false);
    // Nothing is held any more: the companion has no append to go with.
    expect(await deferral.commit(answer('k4', 'unused'))).toBe(false);
    expect(await texts('held-4')).toEqual(['a', 'b']);
    expect(await answers()).toEqual([]);
  });

  it('stores only when its guard, run in the same statement, returns a row', async () => {
    await pg.pool.query(
      `CREATE TABLE "${store.schema}".counters (name text PRIMARY KEY, next integer NOT NULL);
       INSERT INTO "${store.schema}".counters VALUES ('c', 5)`,
    );
    const take = (seen: number) => ({
      name: 'take_counter',
      sql: `UPDATE "${store.schema}".counters SET next = next + 1
            WHERE name = 'c' AND next = $1::integer RETURNING next`,
      values: [seen],
    });
    const counter = async () =>
      (await pg.pool.query<{ next: number }>(`SELECT next FROM "${store.schema}".counters`)).rows[0]
        ?.next;

    const taken = new AppendDeferral();
    taken.guard(take(5));
    await deferAppends(taken, () => store.append('guarded-1', 0, [testEvent('5')], testMetadata));
    expect(await taken.commit(answer('g1', 'took 5'))).toBe(true);
    expect(await texts('guarded-1')).toEqual(['5']);
    expect(await counter()).toBe(6);

    // Decided on 5 again, but the counter moved: nothing is stored, and it is a conflict.
    const raced = new AppendDeferral();
    raced.guard(take(5));
    await deferAppends(raced, () => store.append('guarded-2', 0, [testEvent('5')], testMetadata));
    await expect(raced.commit(answer('g2', 'took 5 too'))).rejects.toBeInstanceOf(ConcurrencyError);
    expect(raced.conflicted).toBe(true);
    expect(await texts('guarded-2')).toEqual([]);
    expect(await counter()).toBe(6);
    expect((await answers()).map((a) => a.key)).toEqual(['g1']);
  });

  it('is forgotten when the request fails', async () => {
    const deferral = new AppendDeferral();
    await deferAppends(deferral, () => store.append('held-5', 0, [testEvent('z')], testMetadata));
    deferral.discard();
    expect(await deferral.commit(answer('k5', 'never'))).toBe(false);
    expect(await texts('held-5')).toEqual([]);
  });

  it('is not held outside a deferral, nor for an append after whatever is there', async () => {
    await store.append('direct', 0, [testEvent('now')], testMetadata);
    expect(await texts('direct')).toEqual(['now']);

    const deferral = new AppendDeferral();
    await deferAppends(deferral, () =>
      store.append('direct', 'any', [testEvent('any')], testMetadata),
    );
    expect(deferral.holding).toBe(false);
    expect(await texts('direct')).toEqual(['now', 'any']);
  });
});
