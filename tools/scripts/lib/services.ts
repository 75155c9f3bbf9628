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
 * `REGISTRY_PORT=4101`); the embassy's are 1000 higher (4001-4006), overridable by
 * `EMBASSY_<NAME>_PORT`. Services that do not exist yet in services/ are skipped.
 */
const PRIMARY_PORTS: Readonly<Record<string, number>> = {
  registry: 3001,
  procedures: 3002,
  consent: 3003,
  letterbox: 3004,
  audit: 3005,
  'embassy-sync': 3006,
};

/** Offset of the embassy's service ports from the primary's. */
const EMBASSY_PORT_OFFSET = 1_000;

export function localServices(site: 'primary' | 'embassy' = 'primary'): ServiceSpec[] {
  const prefix = site === 'embassy' ? 'EMBASSY_' : '';
  const offset = site === 'embassy' ? EMBASSY_PORT_OFFSET : 0;
  return Object.entries(PRIMARY_PORTS)
    .map(([name, port]) => ({
      name,
      port: portFromEnv(`${prefix}${name.replace(/-/g, '_').toUpperCase()}_PORT`, port + offset),
      entry: join(repoRoot(), 'services', name, 'src', 'main.ts'),
    }))
    .filter((service) => existsSync(service.entry));
}

/** Database name of a service on its site's PostgreSQL server. */
export function databaseName(service: string): string {
  return service.replace(/-/g, '_');
}
