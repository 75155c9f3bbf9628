import { parseArgs } from 'node:util';

/** A flag of a benchmark script: a string with its default. */
type Flag = { readonly type: 'string'; readonly default: string };

/**
 * The flags every closed-loop benchmark takes (`--concurrency 1,8`, `--seconds 5`,
 * `--warmup 1`, `--log-level warn`), plus the script's own (`extra`), read from the command line.
 */
export function closedLoopOptions(defaultConcurrency: string, extra: Record<string, Flag> = {}) {
  const { values } = parseArgs({
    options: {
      concurrency: { type: 'string', default: defaultConcurrency },
      seconds: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '1' },
      'log-level': { type: 'string', default: 'warn' },
      ...extra,
    },
  });
  const all = values as Record<string, string>;
  return {
    levels: (all['concurrency'] ?? defaultConcurrency).split(',').map(Number),
    seconds: Number(all['seconds']),
    warmup: Number(all['warmup']),
    logLevel: all['log-level'] ?? 'warn',
    /** The script's own flags, by name. */
    flag: (name: keyof typeof extra): string => all[name] ?? extra[name]?.default ?? '',
  };
}

/** Progress on standard error, `[bench:<name>] …`. */
export const benchLog =
  (name: string) =>
  (message: string): void => {
    process.stderr.write(`[bench:${name}] ${message}\n`);
  };
