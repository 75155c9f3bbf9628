import { randomBytes } from 'node:crypto';

import { Client } from 'pg';

/** The infrastructure a test run shares (set by the Jest global setup or by `npm test`). */
export interface TestInfra {
  /** Kafka bootstrap addresses of the run's throw-away cluster. */
  readonly kafkaBrokers: string[];
  /** Superuser URL of the run's throw-away PostgreSQL server (database `postgres`). */
  readonly postgresUrl: string;
}

/** Reads the run's infrastructure; fails with a clear message outside the int/e2e levels. */
export function testInfra(): TestInfra {
  const brokers = process.env['TEST_KAFKA_BROKERS'];
  const postgresUrl = process.env['TEST_POSTGRES_URL'];
  if (!brokers || !postgresUrl) {
    throw new Error(
      'TEST_KAFKA_BROKERS / TEST_POSTGRES_URL are not set: run this test through its Nx ' +
        'target (test-int or test-e2e), whose Jest global setup starts real Kafka and PostgreSQL',
    );
  }
  return { kafkaBrokers: brokers.split(','), postgresUrl };
}

/**
 * A name no other test uses: `<prefix>_<12 hex chars>`, lower case, safe as a topic, group or
 * database name. Every test uses its own stream ids, topics and databases.
 */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`.toLowerCase();
}

/** A database created for one test file. */
export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  /** Drops the database (terminating leftover connections). */
  drop(): Promise<void>;
}

/** Creates an empty database of its own on the run's PostgreSQL server. */
export async function createTestDatabase(prefix = 'test'): Promise<TestDatabase> {
  const { postgresUrl } = testInfra();
  const name = uniqueName(prefix).replace(/[^a-z0-9_]/g, '_');
  await withAdmin(postgresUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      await withAdmin(postgresUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
      );
    },
  };
}

async function withAdmin<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Polls `condition` every 20 ms until it holds; fails naming `description` after `timeoutMs`.
 * Tests wait on conditions like this, never on fixed sleeps.
 */
export async function waitFor(
  description: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${String(timeoutMs)} ms waiting for: ${description}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * What `run` throws, for assertions on an error's members (`expect(thrownBy(f)).toMatchObject`);
 * fails the test when it throws nothing.
 */
export function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw, and it returned');
}
