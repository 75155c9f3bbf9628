import { InfraError } from './errors';
import {
  isAlive,
  isPortOpen,
  spawnDaemon,
  stopProcess,
  stopWatchdog,
  tailFile,
  waitUntil,
} from './processes';
import type { DaemonOptions } from './processes';
import { clearState, readState, writeState } from './state';

/** A local infrastructure process (a Kafka node, a PostgreSQL server). */
export interface RunningComponent {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** False when an already running instance was found and reused. */
  readonly startedHere: boolean;
  /** Stops the process (polite signal, then SIGKILL) and its watchdog. Idempotent. */
  stop(): Promise<void>;
}

/** How {@link launch} starts and checks one component. */
export interface LaunchSpec {
  readonly name: string;
  readonly stateFile: string;
  readonly logFile: string;
  readonly ports: readonly number[];
  /** Environment variable that moves the main port, for the "port in use" message. */
  readonly portVariable: string;
  readonly stopSignal: NodeJS.Signals;
  readonly readyTimeoutMs: number;
  readonly ownerPid?: number | undefined;
  /** One-time preparation before a fresh start (config files, storage format, initdb). */
  prepare(): Promise<void> | void;
  daemon(): Omit<DaemonOptions, 'logFile' | 'owner'>;
  /** Resolves true once the component serves real requests. Must not throw. */
  ready(): Promise<boolean>;
}

/**
 * Starts a component, or reuses the one already running from the same directory with the
 * same ports. Waits for real readiness; on failure stops what it started and throws with the
 * tail of the component's log.
 */
export async function launch(spec: LaunchSpec): Promise<RunningComponent> {
  const previous = readState(spec.stateFile);
  if (previous && isAlive(previous.pid)) {
    const samePorts = previous.ports.join(',') === spec.ports.join(',');
    if (!samePorts) {
      throw new InfraError(
        'port-in-use',
        `${spec.name} already runs from this directory on other ports`,
        { running: previous.ports.join(','), requested: spec.ports.join(','), pid: previous.pid },
      );
    }
    await awaitReady(spec, previous.pid);
    return handle(spec, previous.pid, previous.watchdogPid, false);
  }
  clearState(spec.stateFile);

  for (const port of spec.ports) {
    if (await isPortOpen(port)) {
      throw new InfraError('port-in-use', `port ${port} for ${spec.name} is already taken`, {
        hint: `stop whatever listens there, or choose another port with ${spec.portVariable}`,
      });
    }
  }

  await spec.prepare();
  const daemon = spawnDaemon({
    ...spec.daemon(),
    logFile: spec.logFile,
    owner:
      spec.ownerPid === undefined ? undefined : { pid: spec.ownerPid, stopSignal: spec.stopSignal },
  });
  writeState(spec.stateFile, {
    pid: daemon.pid,
    watchdogPid: daemon.watchdogPid,
    ports: spec.ports,
  });
  const running = handle(spec, daemon.pid, daemon.watchdogPid, true);
  try {
    await awaitReady(spec, daemon.pid);
  } catch (error) {
    await running.stop();
    throw error;
  }
  return running;
}

async function awaitReady(spec: LaunchSpec, pid: number): Promise<void> {
  // Stop waiting early when the process dies: its log then says why.
  const ready = await waitUntil(
    async () => !isAlive(pid) || (await spec.ready()),
    spec.readyTimeoutMs,
    200,
  );
  const exited = !isAlive(pid);
  if (exited || !ready) {
    throw new InfraError(
      'not-ready',
      exited
        ? `${spec.name} exited during start-up`
        : `${spec.name} was not ready after ${spec.readyTimeoutMs} ms`,
      { logFile: spec.logFile, log: tailFile(spec.logFile) },
    );
  }
}

function handle(
  spec: LaunchSpec,
  pid: number,
  watchdogPid: number | undefined,
  startedHere: boolean,
): RunningComponent {
  return {
    name: spec.name,
    pid,
    logFile: spec.logFile,
    startedHere,
    async stop() {
      await stopProcess(pid, spec.stopSignal);
      if (watchdogPid !== undefined) stopWatchdog(watchdogPid);
      clearState(spec.stateFile);
    },
  };
}
