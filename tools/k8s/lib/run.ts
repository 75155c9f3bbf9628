import { spawnSync } from 'node:child_process';
import type { SpawnSyncOptions } from 'node:child_process';

/** A command that failed; its message carries the command line and the tail of its output. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
}

/**
 * Runs a command to completion and returns its stdout. Output is captured, not streamed: the
 * steps print one line each, and a failure shows the last lines, which is where the cause is.
 *
 * @throws {@link CommandError} on a non-zero exit or a command that cannot start.
 */
export function run(
  command: string,
  args: readonly string[],
  options: Omit<SpawnSyncOptions, 'encoding'> & { readonly nice?: boolean } = {},
): string {
  const { nice, ...spawnOptions } = options;
  // Heavy builds share two cores with other work: lowest priority.
  const [file, argv] = nice ? ['nice', ['-n', '19', command, ...args]] : [command, [...args]];
  const result = spawnSync(file, argv, {
    maxBuffer: 256 * 1024 * 1024,
    ...spawnOptions,
    encoding: 'utf8',
  });
  if (result.error) {
    throw new CommandError(`${command}: ${result.error.message}`);
  }
  if (result.status !== 0) {
    const output = `${result.stdout}\n${result.stderr}`.trim();
    const tail = output.split('\n').slice(-25).join('\n');
    throw new CommandError(
      `${command} ${args.join(' ')} exited with ${String(result.status ?? result.signal)}\n${tail}`,
    );
  }
  return result.stdout;
}

/** Seconds since `start` (a `performance.now()` value), one decimal. */
export function secondsSince(start: number): string {
  return `${((performance.now() - start) / 1000).toFixed(1)} s`;
}
