// Int specs that crash a worker on purpose run it as a child process: a fixture script under
// @swc-node/register that prints one JSON object per line. Not exported from the library.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

import { testKafkaEnv } from '@gov/platform-testing';

/** A fixture running as a child process. */
export interface FixtureProcess {
  readonly child: ChildProcess;
  /** Resolves with the exit code, or the signal that ended it. */
  readonly exited: Promise<number | NodeJS.Signals | null>;
  /**
   * Resolves when the fixture printed `{"started": pid}`, which it does once its SIGTERM
   * handler is installed: a SIGTERM sent earlier ends it by the signal, not gracefully.
   */
  readonly started: Promise<void>;
}

/** Stops a fixture with SIGTERM once it has started; resolves with how it ended. */
export async function stopGracefully(
  fixture: FixtureProcess,
): Promise<number | NodeJS.Signals | null> {
  await Promise.race([fixture.started, fixture.exited]);
  fixture.child.kill('SIGTERM');
  return fixture.exited;
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
    // kafkajs 2.2.4 schedules a negative timeout on Node 24 (tulios/kafkajs#1751): harmless, and
    // the same flag the local platform starts services with.
    [
      '--disable-warning=TimeoutNegativeWarning',
      '--require',
      require.resolve('@swc-node/register'),
      file,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...testKafkaEnv(), ...env },
    },
  );
  children.add(child);
  let markStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    const message = JSON.parse(line) as Record<string, unknown>;
    if ('started' in message) markStarted();
    onMessage(message);
  });
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => {
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve(signal ?? code);
    });
  });
  return { child, exited, started };
}
