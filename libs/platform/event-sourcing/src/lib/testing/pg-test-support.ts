// PostgreSQL helpers for this library's int specs. Not exported from the library.
import { Pool } from 'pg';

import { createTestDatabase, uniqueName } from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';

import type { PositionedEvent } from '../event-store/event-store';
import { migrate } from '../postgres/migrate';
import { PostgresEventStore } from '../postgres/postgres-event-store';

/** A database of the test file's own, with a pool on it. */
export interface TestPostgres {
  readonly database: TestDatabase;
  readonly pool: Pool;
  /** A migrated schema of its own with a store on it. */
  newStore(producer?: string): Promise<PostgresEventStore>;
  close(): Promise<void>;
}

/** Creates a database for one test file (call in `beforeAll`, `close()` in `afterAll`). */
export async function testPostgres(prefix: string): Promise<TestPostgres> {
  const database = await createTestDatabase(prefix);
  const pool = new Pool({ connectionString: database.url, max: 20 });
  pool.on('error', () => undefined);
  return {
    database,
    pool,
    async newStore(producer = 'test-service') {
      const schema = uniqueName('es');
      await migrate(pool, { schema });
      return new PostgresEventStore({ pool, schema, producer });
    },
    async close() {
      await pool.end();
      await database.drop();
    },
  };
}

/** Runs the sequencer until it has nothing left to position. */
export async function settle(store: PostgresEventStore): Promise<void> {
  while ((await store.sequence()).assigned > 0) {
    // keep going
  }
}

/**
 * A reader of the global log that remembers where it is, as a projection or the embassy would,
 * and checks on every read that positions continue exactly where it left off.
 */
export class LogReader {
  readonly seen: PositionedEvent[] = [];
  private next = 1n;

  constructor(
    private readonly store: PostgresEventStore,
    from = 1n,
  ) {
    this.next = from;
  }

  /** Reads everything positioned after what it read so far. */
  async readNew(page = 100): Promise<PositionedEvent[]> {
    const fresh: PositionedEvent[] = [];
    for (;;) {
      const batch = await this.store.readAll(this.next, page);
      for (const event of batch) {
        if (event.globalPosition !== this.next) {
          throw new Error(
            `log reader expected position ${this.next}, got ${event.globalPosition}: a skip`,
          );
        }
        this.next += 1n;
      }
      fresh.push(...batch);
      if (batch.length < page) {
        this.seen.push(...fresh);
        return fresh;
      }
    }
  }
}
