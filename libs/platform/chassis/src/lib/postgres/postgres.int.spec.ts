import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { Client } from 'pg';
import type { Pool } from 'pg';

import type { PlatformConfig } from '@gov/platform-config';
import { createTestDatabase, testInfra, uniqueName } from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';

import { startService } from '../bootstrap/start-service';
import type { RunningService } from '../bootstrap/start-service';
import { READINESS_CHECKS } from '../health/readiness-check';
import { PostgresReadinessCheck } from './postgres-readiness.check';
import { PostgresModule } from './postgres.module';
import { PG_POOL } from './postgres.options';

@Module({})
class DatabaseServiceModule {
  static forRoot(url: string, applicationName: string): DynamicModule {
    return {
      module: DatabaseServiceModule,
      imports: [PostgresModule.forRoot({ url, applicationName, connectionTimeoutMs: 1_000 })],
      providers: [
        {
          provide: READINESS_CHECKS,
          useFactory: (postgres: PostgresReadinessCheck) => [postgres],
          inject: [PostgresReadinessCheck],
        },
      ],
      exports: [READINESS_CHECKS],
    };
  }
}

function start(url: string, applicationName: string): Promise<RunningService> {
  const config: PlatformConfig = {
    serviceName: applicationName,
    http: { host: '127.0.0.1', port: 0 },
    kafka: { brokers: [] },
    database: { url },
    logLevel: 'silent',
    siteRole: 'primary',
    shutdownGraceMs: 1_000,
    rateLimit: { perMinute: 0, burst: 1, service: { perMinute: 1, burst: 1, principals: [] } },
  };
  return startService({
    config,
    module: DatabaseServiceModule.forRoot(url, applicationName),
    openapi: { title: 'Database test', description: 'PostgresModule', version: '0.0.0' },
  });
}

async function ready(service: RunningService): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${service.url}/health/ready`);
  return { status: response.status, body: await response.json() };
}

/** A local port nothing listens on. */
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

describe('PostgresModule', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('chassis');
  });

  afterAll(async () => {
    await database.drop();
  });

  it('provides a pool on the configured database, ready once it answers', async () => {
    const applicationName = uniqueName('chassis');
    const service = await start(database.url, applicationName);
    try {
      const pool = service.app.get<Pool>(PG_POOL);
      const { rows } = await pool.query<{ db: string; app: string }>(
        "SELECT current_database() AS db, current_setting('application_name') AS app",
      );
      expect(rows).toEqual([{ db: database.name, app: applicationName }]);

      const response = await ready(service);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ checks: [{ name: 'postgres', status: 'up' }] });
    } finally {
      await service.close();
    }
  });

  it('closes its connections when the application shuts down', async () => {
    const applicationName = uniqueName('chassis');
    const service = await start(database.url, applicationName);
    await ready(service);
    expect(await connectionsOf(applicationName)).toBeGreaterThan(0);

    await service.close();

    await expect(waitFor(() => connectionsOf(applicationName), 0)).resolves.toBe(0);
  });

  it('is not ready while the database is unreachable, and says why', async () => {
    const url = `postgres://postgres@127.0.0.1:${await closedPort()}/postgres`;
    const service = await start(url, uniqueName('chassis'));
    try {
      const response = await ready(service);
      expect(response.status).toBe(503);
      expect(response.body).toMatchObject({
        detail: expect.stringMatching(/^Not ready: postgres \(.*ECONNREFUSED.*\)$/) as unknown,
        checks: [{ name: 'postgres', status: 'down' }],
      });
    } finally {
      await service.close();
    }
  });
});

async function connectionsOf(applicationName: string): Promise<number> {
  const client = new Client({ connectionString: testInfra().postgresUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ count: string }>(
      'SELECT count(*) FROM pg_stat_activity WHERE application_name = $1',
      [applicationName],
    );
    return Number(rows[0]?.count);
  } finally {
    await client.end();
  }
}

/** Polls until `read` returns `expected` (backends leave pg_stat_activity asynchronously). */
async function waitFor<T>(read: () => Promise<T>, expected: T, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (value !== expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await read();
  }
  return value;
}
