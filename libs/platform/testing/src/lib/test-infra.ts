import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { Client } from 'pg';

/** SASL credentials of the run's Kafka cluster. */
export interface TestKafkaSasl {
  readonly mechanism: 'scram-sha-512';
  readonly username: string;
  readonly password: string;
}

/** The infrastructure a test run shares (set by the Jest global setup or by `npm test`). */
export interface TestInfra {
  /** Kafka bootstrap addresses of the run's throw-away cluster (SASL/SCRAM-SHA-512). */
  readonly kafkaBrokers: string[];
  /**
   * The cluster's super user: the tests' own clients use it (their topics and groups are
   * named per test, outside every service's ACLs). The services' own users are in
   * {@link testKafkaUser}.
   */
  readonly kafkaSasl: TestKafkaSasl;
  /** Superuser URL of the run's throw-away PostgreSQL server (database `postgres`). */
  readonly postgresUrl: string;
}

/** Reads the run's infrastructure; fails with a clear message outside the int/e2e levels. */
export function testInfra(): TestInfra {
  const brokers = process.env['TEST_KAFKA_BROKERS'];
  const username = process.env['TEST_KAFKA_SASL_USERNAME'];
  const password = process.env['TEST_KAFKA_SASL_PASSWORD'];
  const postgresUrl = process.env['TEST_POSTGRES_URL'];
  if (!brokers || !postgresUrl || !username || !password) {
    throw new Error(
      'TEST_KAFKA_BROKERS / TEST_KAFKA_SASL_USERNAME / TEST_KAFKA_SASL_PASSWORD / ' +
        'TEST_POSTGRES_URL are not set: run this test through its Nx target (test-int or ' +
        'test-e2e), whose Jest global setup starts real Kafka and PostgreSQL',
    );
  }
  return {
    kafkaBrokers: brokers.split(','),
    kafkaSasl: { mechanism: 'scram-sha-512', username, password },
    postgresUrl,
  };
}

/**
 * The run's Kafka settings as a service's environment (`KAFKA_BROKERS`, `KAFKA_SASL_*`), as the
 * super user by default or as one of the KafkaUsers of k8s/ (`testKafkaUser('consent')`).
 */
export function testKafkaEnv(sasl: TestKafkaSasl = testInfra().kafkaSasl): Record<string, string> {
  return {
    KAFKA_BROKERS: testInfra().kafkaBrokers.join(','),
    KAFKA_SASL_MECHANISM: sasl.mechanism,
    KAFKA_SASL_USERNAME: sasl.username,
    KAFKA_SASL_PASSWORD: sasl.password,
  };
}

/**
 * The credentials of a KafkaUser of k8s/ on the run's cluster (every local cluster has them
 * all), read from the cluster's credentials file (`TEST_KAFKA_CREDENTIALS_FILE`).
 */
export function testKafkaUser(name: string): TestKafkaSasl {
  const file = process.env['TEST_KAFKA_CREDENTIALS_FILE'];
  if (!file) throw new Error('TEST_KAFKA_CREDENTIALS_FILE is not set (see testInfra)');
  const { users } = JSON.parse(readFileSync(file, 'utf8')) as { users?: Record<string, string> };
  const password = users?.[name];
  if (password === undefined) throw new Error(`Kafka user ${name} is not in ${file}`);
  return { mechanism: 'scram-sha-512', username: name, password };
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
