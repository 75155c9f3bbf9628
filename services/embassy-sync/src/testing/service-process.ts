// Platform services and their tools as child processes, run from source the way `npm start`
// runs them, for the e2e specs: embassy-sync itself and the real registry it watches (started
// by path, not imported: embassy-sync depends on no service's code). Not part of the service.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';

const WORKSPACE_ROOT = resolve(__dirname, '../../../..');

/** A running service process with what it wrote. */
export class ServiceProcess {
  stdout = '';
  stderr = '';
  private readonly child: ChildProcess;
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  /**
   * @param service - The folder under services/ (`registry`, `embassy-sync`).
   * @param env - The whole environment (PATH is added).
   */
  constructor(
    readonly service: string,
    env: Record<string, string>,
  ) {
    this.child = spawn(
      process.execPath,
      ['--require', '@swc-node/register', `services/${service}/src/main.ts`],
      {
        cwd: WORKSPACE_ROOT,
        env: { PATH: process.env['PATH'] ?? '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
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

  /** Sends `signal` and waits for the exit; SIGKILL after `graceMs`. */
  async stop(
    signal: NodeJS.Signals = 'SIGTERM',
    graceMs = 15_000,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
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

/** Waits until `GET <baseUrl>/health/ready` answers 200; fails with the process's stderr. */
export async function waitUntilReady(
  baseUrl: string,
  process: ServiceProcess,
  timeoutMs = 90_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (!process.running) {
      throw new Error(`${process.service} exited during start-up:\n${process.stderr}`);
    }
    try {
      const response = await fetch(`${baseUrl}/health/ready`);
      if (response.status === 200) return;
      last = `${response.status} ${await response.text()}`;
    } catch (error) {
      last = String(error);
    }
    await new Promise((done) => setTimeout(done, 200));
  }
  throw new Error(`${baseUrl} not ready within ${timeoutMs} ms; last answer: ${last}`);
}

/** Runs the registry's migrations on `databaseUrl`; throws with its output on failure. */
export function migrateRegistry(databaseUrl: string): void {
  const result = spawnSync(
    process.execPath,
    ['--require', '@swc-node/register', 'services/registry/src/migrate.ts'],
    {
      cwd: WORKSPACE_ROOT,
      env: { PATH: process.env['PATH'] ?? '', DATABASE_URL: databaseUrl },
      encoding: 'utf8',
    },
  );
  if (result.status !== 0) {
    throw new Error(`registry migrations failed:\n${result.stdout}\n${result.stderr}`);
  }
}
