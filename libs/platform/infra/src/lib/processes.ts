import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import { InfraError } from './errors';

/** Options for {@link spawnDaemon}. */
export interface DaemonOptions {
  /** Program to run (absolute path or a name on PATH). */
  readonly command: string;
  readonly args: readonly string[];
  /** File that receives the daemon's stdout and stderr (appended). */
  readonly logFile: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Run the daemon as this (unprivileged) user. Used for PostgreSQL, which refuses to run as
   * root. `setpriv` execs in place, so the returned pid is the daemon's own pid.
   */
  readonly runAs?: string;
  /**
   * When set, a detached watchdog ends the daemon (signal, then SIGKILL after a grace period)
   * as soon as this process is gone, even if it died by SIGKILL and ran no cleanup of its own.
   */
  readonly owner?: { readonly pid: number; readonly stopSignal: NodeJS.Signals };
}

/** A process started by {@link spawnDaemon}. */
export interface Daemon {
  readonly pid: number;
  /** Pid of the watchdog tied to the owner, if any. */
  readonly watchdogPid: number | undefined;
}

/**
 * Starts a long-running process in its own session (so a Ctrl-C in the terminal reaches only
 * our code, which then stops it in order) with its output in a log file.
 */
export function spawnDaemon(options: DaemonOptions): Daemon {
  const out = openSync(options.logFile, 'a');
  try {
    const [command, args] = options.runAs
      ? [
          'setpriv',
          [
            `--reuid=${options.runAs}`,
            `--regid=${options.runAs}`,
            '--init-groups',
            '--',
            options.command,
            ...options.args,
          ],
        ]
      : [options.command, [...options.args]];
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', out, out],
    });
    child.unref();
    if (child.pid === undefined) {
      throw new InfraError('spawn-failed', `could not start ${options.command}`, {
        logFile: options.logFile,
      });
    }
    const watchdogPid = options.owner
      ? startWatchdog(options.owner.pid, child.pid, options.owner.stopSignal)
      : undefined;
    return { pid: child.pid, watchdogPid };
  } finally {
    closeSync(out);
  }
}

/** Grace period between the polite stop signal and SIGKILL. */
const KILL_GRACE_SECONDS = 15;

/**
 * A tiny detached shell that waits for the owner to exit (GNU `tail --pid`), then stops the
 * target. It outlives a SIGKILLed owner because it is in its own session, and it exits by
 * itself if the target is gone first. Returns the watchdog's pid (see {@link stopWatchdog}).
 */
export function startWatchdog(ownerPid: number, targetPid: number, signal: NodeJS.Signals): number {
  const script = [
    `tail --pid=${ownerPid} -f /dev/null &`,
    'waiter=$!',
    // Stop waiting when the target exits on its own, so no watchdog lingers.
    `while kill -0 ${targetPid} 2>/dev/null && kill -0 "$waiter" 2>/dev/null; do sleep 1; done`,
    'kill "$waiter" 2>/dev/null',
    `kill -0 ${targetPid} 2>/dev/null || exit 0`,
    `kill -${signal.replace(/^SIG/, '')} ${targetPid} 2>/dev/null`,
    `for i in $(seq 1 ${KILL_GRACE_SECONDS * 5}); do kill -0 ${targetPid} 2>/dev/null || exit 0; sleep 0.2; done`,
    `kill -KILL ${targetPid} 2>/dev/null`,
  ].join('\n');
  const watchdog = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  watchdog.unref();
  if (watchdog.pid === undefined) {
    throw new InfraError('spawn-failed', 'could not start the owner watchdog', { ownerPid });
  }
  return watchdog.pid;
}

/**
 * Ends a watchdog and the `tail` it waits with. The watchdog leads its own process group
 * (it was spawned detached), so one signal to the group reaches both.
 */
export function stopWatchdog(watchdogPid: number): void {
  try {
    process.kill(-watchdogPid, 'SIGTERM');
  } catch {
    // Already gone: it exits by itself once its target has stopped.
  }
}

/** True when a process with this pid exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 3 is the state; a zombie has exited and only waits for its parent to reap it.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z';
  } catch {
    return existsSync(`/proc/${pid}`);
  }
}

/**
 * Sends `signal`, waits up to `graceMs` for the process to exit, then SIGKILLs it and waits
 * again. Resolves once the process is gone.
 */
export async function stopProcess(
  pid: number,
  signal: NodeJS.Signals,
  graceMs = KILL_GRACE_SECONDS * 1000,
): Promise<void> {
  if (!isAlive(pid)) return;
  trySignal(pid, signal);
  if (await waitUntil(() => !isAlive(pid), graceMs, 50)) return;
  trySignal(pid, 'SIGKILL');
  if (!(await waitUntil(() => !isAlive(pid), 10_000, 50))) {
    throw new InfraError('stop-failed', `process ${pid} survived SIGKILL`, { pid });
  }
}

function trySignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/** Polls `condition` until it holds or `timeoutMs` passes. Returns whether it held. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}

/** Ports the local platform (`npm run infra`, `npm start`) listens on: never handed out. */
const LOCAL_PLATFORM_PORTS = new Set([15432, 19092, 19093, 25432, 29092, 29093]);
/** Handed out by this process already: two callers starting side by side get different ports. */
const handedOut = new Set<number>();

/**
 * The kernel's range of ephemeral ports (`net.ipv4.ip_local_port_range`), from which it takes
 * the source port of every outgoing connection and the port of a `listen(0)`.
 */
function ephemeralRange(): { readonly low: number; readonly high: number } {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (low !== undefined && high !== undefined && low > 0 && high >= low) return { low, high };
  } catch {
    // Not Linux, or no procfs: assume Linux's default.
  }
  return { low: 32768, high: 60999 };
}

/**
 * A free loopback TCP port for a process this code starts (Kafka, PostgreSQL, a service).
 *
 * Chosen below the kernel's ephemeral range: a port that `listen(0)` found free is itself
 * ephemeral, and between the check and the child's bind an outgoing connection (a Kafka client,
 * a pg pool) may be given it as its source port; under load that made site starts fail with
 * "port already taken" now and then. Ports below the range are never handed out by the kernel,
 * so only a listener could take one, and a listener binds it as we check it.
 */
export async function freePort(): Promise<number> {
  const { low: ephemeralLow } = ephemeralRange();
  const high = Math.min(ephemeralLow - 1, 32_767);
  const low = Math.min(20_000, Math.max(1_024, high - 4_096));
  for (let attempt = 0; attempt < 200 && high > low; attempt += 1) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (LOCAL_PLATFORM_PORTS.has(port) || handedOut.has(port)) continue;
    if (await isPortOpen(port)) continue;
    handedOut.add(port);
    return port;
  }
  return kernelFreePort();
}

/** Asks the kernel for a free loopback TCP port (an ephemeral one: see {@link freePort}). */
function kernelFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new InfraError('spawn-failed', 'no free port', {}));
      });
    });
  });
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export async function isPortOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => {
      resolve(true);
    });
    server.listen(port, '127.0.0.1', () => {
      server.close(() => {
        resolve(false);
      });
    });
  });
}

/** Last `lines` lines of a log file, for error messages. */
export function tailFile(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return `(no log at ${file})`;
  }
}

/** Runs a short command synchronously; throws an InfraError with its output on failure. */
export function runOrThrow(
  command: string,
  args: readonly string[],
  what: string,
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): string {
  const result = spawnSync(command, [...args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    encoding: 'utf8',
  });
  if (result.error || result.status !== 0) {
    const output = `${result.stdout}\n${result.stderr}`.trim();
    throw new InfraError('command-failed', `${what} failed`, {
      command: [command, ...args].join(' '),
      output: output || String(result.error),
    });
  }
  return result.stdout;
}
