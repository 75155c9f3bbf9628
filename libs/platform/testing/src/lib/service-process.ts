// Services and their tools as child processes, run from source the way `npm start` runs them,
// for e2e specs: `services/<service>/src/<script>.ts` under @swc-node/register.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';

const WORKSPACE_ROOT = resolve(__dirname, '../../../../..');

/** How a service process ended. */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A running service process with what it wrote. */
export class ServiceProcess {
  /** Complete lines written to standard output, empty ones left out. */
  readonly stdout: string[] = [];
  stderr = '';
  private readonly child: ChildProcess;
  private readonly exited: Promise<ProcessExit>;

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

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Waits for the process to exit; rejects after `timeoutMs`. */
  async exit(timeoutMs: number): Promise<ProcessExit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`${this.service} did not exit within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends `signal` and waits for the exit; SIGKILL after `graceMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<ProcessExit> {
    if (this.running) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Polls `url` until it answers 200; fails with the last answer, or the process's stderr. */
export async function waitUntilOk(
  url: string,
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

/** Runs a service's tool (`services/<service>/src/<tool>.ts`) to completion. */
export function runServiceTool(
  service: string,
  tool: string,
  env: Record<string, string>,
  args: readonly string[] = [],
): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(
    process.execPath,
    ['--require', '@swc-node/register', `services/${service}/src/${tool}.ts`, ...args],
    { cwd: WORKSPACE_ROOT, env: { PATH: process.env['PATH'] ?? '', ...env }, encoding: 'utf8' },
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
