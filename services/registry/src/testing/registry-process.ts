// The registry and its tools as child processes, run from source the way `npm start` runs them,
// for the e2e specs. Not part of the service.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';

const WORKSPACE_ROOT = resolve(__dirname, '../../../..');
const SOURCE = 'services/registry/src';

/** A running registry process with what it wrote. */
export class RegistryProcess {
  readonly stdout: string[] = [];
  stderr = '';
  private readonly child: ChildProcess;
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, ['--require', '@swc-node/register', `${SOURCE}/main.ts`], {
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

/** Polls `url` until it answers 200; fails with the last answer after `timeoutMs`. */
export async function waitUntilOk(
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

/** Runs one of the registry's tools (`migrate.ts`, `enrol-registrar.ts`) to completion. */
export function runTool(
  tool: 'migrate' | 'enrol-registrar',
  env: Record<string, string>,
  args: readonly string[] = [],
): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(
    process.execPath,
    ['--require', '@swc-node/register', `${SOURCE}/${tool}.ts`, ...args],
    { cwd: WORKSPACE_ROOT, env: { PATH: process.env['PATH'] ?? '', ...env }, encoding: 'utf8' },
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
