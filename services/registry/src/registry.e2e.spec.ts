import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';

import { createTestDatabase, testInfra } from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';

const WORKSPACE_ROOT = resolve(__dirname, '../../..');
const MAIN = 'services/registry/src/main.ts';

/** The registry as a child process, run from source the way `npm start` runs it. */
class RegistryProcess {
  readonly stdout: string[] = [];
  stderr = '';
  private readonly child: ChildProcess;
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, ['--require', '@swc-node/register', MAIN], {
      cwd: WORKSPACE_ROOT,
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let partial = '';
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      this.stdout.push(...lines.filter((line) => line !== ''));
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = once(this.child, 'exit').then(([code, signal]) => ({
      code: code as number | null,
      signal: signal as NodeJS.Signals | null,
    }));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits for the process to exit; rejects after `timeoutMs`. */
  async exit(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`registry did not exit within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => {
    server.close(() => {
      done();
    });
  });
  return port;
}

/** Polls `url` until it answers 200; fails with the last answer after `timeoutMs`. */
async function waitUntilOk(
  url: string,
  registry: RegistryProcess,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (!registry.running) throw new Error(`registry exited during start-up:\n${registry.stderr}`);
    try {
      const response = await fetch(url);
      if (response.status === 200) return;
      last = `${response.status} ${await response.text()}`;
    } catch (error) {
      last = String(error);
    }
    await new Promise((done) => setTimeout(done, 200));
  }
  throw new Error(`${url} not ready within ${timeoutMs} ms; last answer: ${last}`);
}

describe('registry service', () => {
  let database: TestDatabase;
  let registry: RegistryProcess | undefined;

  beforeAll(async () => {
    database = await createTestDatabase('registry_e2e');
  });

  afterEach(() => {
    if (registry?.running) registry.signal('SIGKILL');
    registry = undefined;
  });

  afterAll(async () => {
    await database.drop();
  });

  it('starts, reports ready over real Kafka and PostgreSQL, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const started = new RegistryProcess({
      HTTP_PORT: String(port),
      KAFKA_BROKERS: testInfra().kafkaBrokers.join(','),
      DATABASE_URL: database.url,
      LOG_LEVEL: 'info',
    });
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
    expect(Object.keys(document.paths)).toEqual(['/health/live', '/health/ready']);

    started.signal('SIGTERM');
    const exit = await started.exit(5_000);
    expect(exit).toEqual({ code: 0, signal: null });

    const lines = started.stdout.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.every((line) => line['service'] === 'registry')).toBe(true);
    expect(lines.map((line) => line['msg'])).toContain(`registry listening on ${baseUrl}`);
    expect(lines.at(-1)).toMatchObject({ msg: 'Stopped', exitCode: 0 });
  });

  it('refuses to start with an invalid variable, naming it, without a stack trace', async () => {
    const started = new RegistryProcess({ HTTP_PORT: 'abc' });
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
});
