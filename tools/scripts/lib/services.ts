import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { repoRoot } from '@gov/platform-infra';

import { portFromEnv } from './env';

/** A platform service and the port it listens on locally. */
export interface ServiceSpec {
  readonly name: string;
  readonly port: number;
  readonly entry: string;
}

/**
 * Local HTTP ports of the primary site, each overridable by `<NAME>_PORT` (e.g.
 * `REGISTRY_PORT=4101`). Services that do not exist yet in services/ are skipped.
 */
const PRIMARY_PORTS: Readonly<Record<string, number>> = {
  registry: 3001,
  procedures: 3002,
  consent: 3003,
  letterbox: 3004,
  audit: 3005,
  'embassy-sync': 3006,
};

export function localServices(): ServiceSpec[] {
  return Object.entries(PRIMARY_PORTS)
    .map(([name, port]) => ({
      name,
      port: portFromEnv(`${name.replace(/-/g, '_').toUpperCase()}_PORT`, port),
      entry: join(repoRoot(), 'services', name, 'src', 'main.ts'),
    }))
    .filter((service) => existsSync(service.entry));
}

/** Database name of a service on its site's PostgreSQL server. */
export function databaseName(service: string): string {
  return service.replace(/-/g, '_');
}
