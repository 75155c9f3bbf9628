import { z } from 'zod';

import { checkAuthVariables } from '@gov/platform-auth';
import { envUrl } from '@gov/platform-config';
import type { PlatformConfigDefaults } from '@gov/platform-config';
import {
  defaultEventsTopic,
  eventSourcedServiceVariables,
  toEventSourcedServiceConfig,
} from '@gov/platform-service';
import type { EventSourcedServiceConfig } from '@gov/platform-service';

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

/** The registry's configuration: an event-sourced service's, and where consents are decided. */
export interface RegistryConfig extends EventSourcedServiceConfig {
  /**
   * The consent service's base URL, asked when an agency reads on a person's consent; unset,
   * agencies read on the legal bases of the catalogue only.
   */
  readonly consentUrl: string | undefined;
}

/**
 * The registry's variables: an event-sourced service's (see `eventSourcedServiceVariables`:
 * the platform's, bearer authentication, `EVENTS_TOPIC`, `REPLICATION_SOURCE`,
 * `REPLICATION_GROUP`), and `CONSENT_URL`. The legal-basis catalogue is read from
 * `LEGAL_BASES_FILE` (see `@gov/platform-legal-bases`).
 */
export const registryConfigSchema = z
  .object({
    ...eventSourcedServiceVariables(REGISTRY_DEFAULTS),
    CONSENT_URL: envUrl({ protocols: ['http', 'https'] }).optional(),
  })
  .superRefine(checkAuthVariables)
  .transform((env): RegistryConfig => ({
    ...toEventSourcedServiceConfig(REGISTRY_DEFAULTS.serviceName, env),
    consentUrl: env.CONSENT_URL?.replace(/\/+$/, ''),
  }));
