// Platform services as child processes for the e2e specs: embassy-sync itself and the real
// registry it watches (started by path, not imported: embassy-sync depends on no service's
// code), through the platform's test harness. Not part of the service.
import { ServiceProcess, runServiceTool, waitUntilOk } from '@gov/platform-testing';

export { freePort } from '@gov/platform-infra';
export { ServiceProcess };

/** Waits until `GET <baseUrl>/health/ready` answers 200; fails with the process's stderr. */
export function waitUntilReady(
  baseUrl: string,
  process: ServiceProcess,
  timeoutMs = 90_000,
): Promise<void> {
  return waitUntilOk(`${baseUrl}/health/ready`, process, timeoutMs);
}

/** Runs the registry's migrations on `databaseUrl`; throws with its output on failure. */
export function migrateRegistry(databaseUrl: string): void {
  const result = runServiceTool('registry', 'migrate', { DATABASE_URL: databaseUrl });
  if (result.status !== 0) {
    throw new Error(`registry migrations failed:\n${result.stdout}\n${result.stderr}`);
  }
}
