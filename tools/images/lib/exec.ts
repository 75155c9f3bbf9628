// Running the container tools (mmdebstrap, buildah, podman, skopeo) from the image scripts.
import { spawnSync } from 'node:child_process';
import type { SpawnSyncOptions } from 'node:child_process';

/** A tool that exited with a failure; the message carries its command line and stderr. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    readonly command: string,
    readonly status: number | null,
    readonly stderr: string,
  ) {
    super(`${command} failed (exit ${String(status)})${stderr ? `:\n${stderr.trim()}` : ''}`);
  }
}

/**
 * Runs `command` and returns its stdout; throws a {@link CommandError} on failure.
 * `inherit: true` streams its output instead (long builds), and returns ''.
 */
export function run(
  command: string,
  args: readonly string[],
  options: {
    readonly inherit?: boolean;
    readonly cwd?: string;
    readonly env?: NodeJS.ProcessEnv;
  } = {},
): string {
  const spawnOptions: SpawnSyncOptions = {
    cwd: options.cwd,
    env: options.env ?? process.env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: options.inherit ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
  };
  const result = spawnSync(command, args, spawnOptions);
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new CommandError(
      [command, ...args].join(' '),
      result.status,
      typeof result.stderr === 'string' ? result.stderr : '',
    );
  }
  return typeof result.stdout === 'string' ? result.stdout : '';
}

/** Like {@link run}, but a failure returns undefined (for probes such as "does it exist"). */
export function tryRun(command: string, args: readonly string[]): string | undefined {
  try {
    return run(command, args);
  } catch {
    return undefined;
  }
}

/** Whether `command` is on PATH. */
export function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v "$1" >/dev/null`, 'sh', command]).status === 0;
}

/** Seconds since `start` (a `performance.now()` value), one decimal. */
export function secondsSince(start: number): string {
  return ((performance.now() - start) / 1000).toFixed(1);
}
