import { join } from 'node:path';

import { repoRoot } from '@gov/platform-infra';

import { portFromEnv } from './env';
import { loadServiceDeclarations } from './service-declarations';
import type { ServiceDeclaration } from './service-declarations';

/** A declared service and the port it listens on locally on one site. */
export interface ServiceSpec extends ServiceDeclaration {
  readonly port: number;
}

let declarations: ServiceDeclaration[] | undefined;

/** Every service declared under services/ (see service-declarations.ts), read once. */
export function serviceDeclarations(): ServiceDeclaration[] {
  declarations ??= loadServiceDeclarations(join(repoRoot(), 'services'));
  return declarations;
}

/** The declared service `name`; throws when services/ declares none by that name. */
export function serviceDeclaration(name: string): ServiceDeclaration {
  const found = serviceDeclarations().find((service) => service.name === name);
  if (!found) throw new Error(`no service "${name}" is declared in services/*/service.json`);
  return found;
}

/**
 * The declared services with their local HTTP ports on `site`, each overridable by
 * `<NAME>_PORT` on the primary (e.g. `REGISTRY_PORT=4101`) and `EMBASSY_<NAME>_PORT` on the
 * embassy.
 */
export function localServices(site: 'primary' | 'embassy' = 'primary'): ServiceSpec[] {
  const prefix = site === 'embassy' ? 'EMBASSY_' : '';
  return serviceDeclarations().map((service) => ({
    ...service,
    port: portFromEnv(
      `${prefix}${service.name.replace(/-/g, '_').toUpperCase()}_PORT`,
      service.ports[site],
    ),
  }));
}
