import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

import {
  freePort,
  repoRoot,
  startWatchdog,
  stopProcess,
  stopWatchdog,
  waitUntil,
} from '@gov/platform-infra';

import { serviceDeclaration } from '../../scripts/lib/services';

/** A registry process started from source, as `npm start` runs it. */
export interface RegistryProcess {
  readonly pid: number;
  /** Its base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** SIGTERM, then SIGKILL after a grace period; idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts the registry with `env` (plus its HTTP port), its output appended to `logFile`, and
 * waits until it answers `/health/ready`. It is stopped when this process exits, even if it is
 * killed (a watchdog).
 */
export async function startRegistry(
  env: NodeJS.ProcessEnv,
  logFile: string,
  readyTimeoutMs = 120_000,
): Promise<RegistryProcess> {
  const port = await freePort();
  const out = openSync(logFile, 'a');
  const child = spawn(
    process.execPath,
    ['--require', require.resolve('@swc-node/register'), serviceDeclaration('registry').main],
    {
      cwd: repoRoot(),
      env: { ...env, HTTP_PORT: String(port), HTTP_HOST: '127.0.0.1' },
      stdio: ['ignore', out, out],
    },
  );
  closeSync(out);
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start the registry');
  let watchdog: number | undefined = startWatchdog(process.pid, pid, 'SIGTERM');
  const stop = async (): Promise<void> => {
    if (watchdog === undefined) return;
    await stopProcess(pid, 'SIGTERM');
    stopWatchdog(watchdog);
    watchdog = undefined;
  };
  const url = `http://127.0.0.1:${port}`;
  const ready = await waitUntil(
    async () => {
      if (child.exitCode !== null) return true;
      try {
        return (await fetch(`${url}/health/ready`)).status === 200;
      } catch {
        return false;
      }
    },
    readyTimeoutMs,
    250,
  );
  if (!ready || child.exitCode !== null) {
    await stop();
    throw new Error(`the registry did not become ready (see ${logFile})`);
  }
  return { pid, url, stop };
}
