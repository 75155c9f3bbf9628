import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

/** What a running component leaves in its directory so a later start can reuse it. */
export interface ComponentState {
  readonly pid: number;
  readonly watchdogPid?: number | undefined;
  readonly ports: readonly number[];
}

export function readState(file: string): ComponentState | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<ComponentState>;
    if (typeof parsed.pid !== 'number' || !Array.isArray(parsed.ports)) return undefined;
    return { pid: parsed.pid, watchdogPid: parsed.watchdogPid, ports: parsed.ports };
  } catch {
    return undefined;
  }
}

export function writeState(file: string, state: ComponentState): void {
  writeFileSync(file, `${JSON.stringify(state)}\n`);
}

export function clearState(file: string): void {
  rmSync(file, { force: true });
}
