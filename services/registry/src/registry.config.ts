import { defaultEventsTopic, eventSourcedServiceConfigSchema } from '@gov/platform-service';
import type { EventSourcedServiceConfig } from '@gov/platform-service';
import type { PlatformConfigDefaults } from '@gov/platform-config';

/**
 * The registry's own defaults. Its database is `registry`, created by provisioning (`npm start`
 * locally, the platform's database operator in a deployment), never by the service.
 */
export const REGISTRY_DEFAULTS: PlatformConfigDefaults = {
  serviceName: 'registry',
  httpPort: 3001,
  database: 'registry',
};

/** The registry's internal event topic: every event of its log, kept forever. */
export const REGISTRY_EVENTS_TOPIC = defaultEventsTopic(REGISTRY_DEFAULTS.serviceName);

/** The registry's configuration: an event-sourced service's, with nothing of its own yet. */
export type RegistryConfig = EventSourcedServiceConfig;

/**
 * The registry's variables: an event-sourced service's (see `eventSourcedServiceVariables`:
 * the platform's, bearer authentication, `EVENTS_TOPIC`, `REPLICATION_SOURCE`,
 * `REPLICATION_GROUP`).
 */
export const registryConfigSchema = eventSourcedServiceConfigSchema(REGISTRY_DEFAULTS);
