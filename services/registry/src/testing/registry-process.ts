// The registry and its tools as child processes, for the e2e specs: the platform's test
// harness, named for the registry. Not part of the service.
import { ServiceProcess, runServiceTool } from '@gov/platform-testing';

export { freePort } from '@gov/platform-infra';
export { waitUntilOk } from '@gov/platform-testing';

/** A running registry process with what it wrote. */
export class RegistryProcess extends ServiceProcess {
  constructor(env: Record<string, string>) {
    super('registry', env);
  }
}

/** Runs one of the registry's tools (`migrate.ts`, `enrol-registrar.ts`) to completion. */
export function runTool(
  tool: 'migrate' | 'enrol-registrar',
  env: Record<string, string>,
  args: readonly string[] = [],
): { status: number | null; stdout: string; stderr: string } {
  return runServiceTool('registry', tool, env, args);
}
