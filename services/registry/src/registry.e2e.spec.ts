import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ensureLocalSigningKeys } from '@gov/platform-auth';
import { EVENT_STORE_MIGRATIONS, REQUIRED_MIGRATION } from '@gov/platform-event-sourcing';
import { createTestDatabase, testKafkaEnv, uniqueName } from '@gov/platform-testing';
import { REGISTRY_MIGRATIONS, REQUIRED_REGISTRY_MIGRATION } from '@gov/registry-application';
import type { TestDatabase } from '@gov/platform-testing';

import { RegistryProcess, freePort, runTool, waitUntilOk } from './testing/registry-process';

describe('registry service', () => {
  let database: TestDatabase;
  let keysDir: string;
  let env: Record<string, string>;
  let registry: RegistryProcess | undefined;

  beforeAll(async () => {
    database = await createTestDatabase('registry_e2e');
    keysDir = mkdtempSync(join(tmpdir(), 'registry-e2e-'));
    const keys = await ensureLocalSigningKeys(keysDir);
    env = {
      ...testKafkaEnv(),
      DATABASE_URL: database.url,
      AUTH_JWKS_FILE: keys.jwksFile,
      DATA_KEK_FILE: keys.keyEncryptionKeyFile,
      AUTH_ISSUER: 'registry-e2e',
      AUTH_AUDIENCE: 'backbone',
      // A topic of this file's own: the other e2e spec checks the default topic's contents.
      EVENTS_TOPIC: uniqueName('registry.events.v1'),
      LOG_LEVEL: 'info',
    };
  });

  afterEach(() => {
    if (registry?.running) registry.signal('SIGKILL');
    registry = undefined;
  });

  afterAll(async () => {
    await database.drop();
    rmSync(keysDir, { recursive: true, force: true });
  });

  it('refuses to start on a database that was not migrated, naming the step to run', async () => {
    const started = new RegistryProcess({ ...env, HTTP_PORT: String(await freePort()) });
    registry = started;

    const exit = await started.exit(60_000);

    expect(exit.code).toBe(1);
    expect(started.stderr).toMatch(/run the (registry's|event store) migrations/);
  });

  it('migrates as a separate step, idempotently', () => {
    const first = runTool('migrate', { DATABASE_URL: database.url });
    const second = runTool('migrate', { DATABASE_URL: database.url });

    expect(first.status).toBe(0);
    expect(
      first.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown),
    ).toEqual([
      {
        service: 'registry',
        task: 'migrate',
        schema: 'registry',
        applied: EVENT_STORE_MIGRATIONS.map((m) => m.version),
        version: REQUIRED_MIGRATION,
      },
      {
        service: 'registry',
        task: 'migrate',
        schema: 'registry_app',
        applied: REGISTRY_MIGRATIONS.map((m) => m.name),
        version: REQUIRED_REGISTRY_MIGRATION,
      },
      // Keys are re-wrapped only during a rotation, which needs the key-encryption key.
      {
        service: 'registry',
        task: 'migrate',
        schema: 'registry_app',
        keys: 'not re-wrapped: DATA_KEK_FILE is not set',
      },
    ]);
    expect(second.status).toBe(0);
    expect(second.stdout).toContain('"applied":[]');
  });

  it('starts, reports ready over real Kafka and PostgreSQL, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const started = new RegistryProcess({ ...env, HTTP_PORT: String(port) });
    registry = started;

    await waitUntilOk(`${baseUrl}/health/ready`, started, 60_000);

    const ready = await fetch(`${baseUrl}/health/ready`);
    expect(await ready.json()).toMatchObject({
      status: 'ok',
      checks: [
        { name: 'postgres', status: 'up' },
        { name: 'kafka', status: 'up' },
      ],
    });

    const live = await fetch(`${baseUrl}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });

    const openApi = await fetch(`${baseUrl}/openapi.json`);
    expect(openApi.status).toBe(200);
    const document = (await openApi.json()) as {
      openapi: string;
      info: { title: string };
      paths: Record<string, unknown>;
    };
    expect(document.openapi).toMatch(/^3\./);
    expect(document.info.title).toBe('Registry');
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/health/live', '/health/ready', '/persons', '/corrections']),
    );

    started.signal('SIGTERM');
    const exit = await started.exit(10_000);
    expect(exit).toEqual({ code: 0, signal: null });

    const lines = started.stdout.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.every((line) => line['service'] === 'registry')).toBe(true);
    expect(lines.map((line) => line['msg'])).toContain(`registry listening on ${baseUrl}`);
    expect(lines.at(-1)).toMatchObject({ msg: 'Stopped', exitCode: 0 });
  });

  it('refuses to start with an invalid variable, naming it, without a stack trace', async () => {
    const started = new RegistryProcess({ ...env, HTTP_PORT: 'abc' });
    registry = started;

    const exit = await started.exit(30_000);

    expect(exit.code).toBe(1);
    const fatal = JSON.parse(started.stderr.trim()) as Record<string, unknown>;
    expect(fatal).toMatchObject({
      level: 'fatal',
      service: 'registry',
      msg: 'Invalid configuration: HTTP_PORT: expected an integer between 1 and 65535, got "abc"',
    });
    expect(started.stderr).not.toMatch(/\n\s+at /);
    expect(started.stdout).toEqual([]);
  });

  it('refuses to start without a way to verify tokens', async () => {
    const withoutKeys = Object.fromEntries(
      Object.entries(env).filter(([name]) => name !== 'AUTH_JWKS_FILE'),
    );
    const started = new RegistryProcess({ ...withoutKeys, HTTP_PORT: String(await freePort()) });
    registry = started;

    const exit = await started.exit(30_000);

    expect(exit.code).toBe(1);
    expect(started.stderr).toContain(
      'AUTH_JWKS_URL: set exactly one of AUTH_JWKS_URL and AUTH_JWKS_FILE',
    );
  });
});
