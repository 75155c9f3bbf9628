// Int specs that crash a worker on purpose run it as a child process: a fixture script under
// @swc-node/register that prints one JSON object per line. Not exported from the library.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

import { testInfra } from '@gov/platform-testing';

/** A fixture running as a child process. */
export interface FixtureProcess {
  readonly child: ChildProcess;
  /** Resolves with the exit code, or the signal that ended it. */
  readonly exited: Promise<number | NodeJS.Signals | null>;
}

/**
 * Starts `file` with the run's Kafka brokers (`KAFKA_BROKERS`) and `env`, hands each line it
 * prints to `onMessage` as parsed JSON, and keeps it in `children` until it exits (for the
 * spec's clean-up).
 */
export function spawnFixture(
  file: string,
  env: Record<string, string>,
  onMessage: (message: Record<string, unknown>) => void,
  children: Set<ChildProcess>,
): FixtureProcess {
  const child = spawn(
    process.execPath,
    ['--require', require.resolve('@swc-node/register'), file],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, KAFKA_BROKERS: testInfra().kafkaBrokers.join(','), ...env },
    },
  );
  children.add(child);
  createInterface({ input: child.stdout }).on('line', (line) => {
    onMessage(JSON.parse(line) as Record<string, unknown>);
  });
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => {
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve(signal ?? code);
    });
  });
  return { child, exited };
}
