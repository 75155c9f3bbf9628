import { platformConfigSchema } from '@gov/platform-config';
import type { PlatformConfig, PlatformConfigDefaults } from '@gov/platform-config';

/**
 * The registry's own defaults. The database is `postgres`, the one a fresh local server has,
 * for as long as the registry keeps nothing there; once it owns an event store it gets a
 * `registry` database of its own, created by the provisioning step that also runs its
 * migrations, never by the service at start-up.
 */
export const REGISTRY_DEFAULTS: PlatformConfigDefaults = {
  serviceName: 'registry',
  httpPort: 3001,
  database: 'postgres',
};

/** The registry reads only the platform variables so far (see `platformVariables`). */
export const registryConfigSchema = platformConfigSchema(REGISTRY_DEFAULTS);

export type RegistryConfig = PlatformConfig;
