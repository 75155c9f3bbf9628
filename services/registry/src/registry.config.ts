import { z } from 'zod';

import { authVariables, checkAuthVariables, toAuthConfig } from '@gov/platform-auth';
import type { AuthConfig } from '@gov/platform-auth';
import { envToken, platformVariables, toPlatformConfig } from '@gov/platform-config';
import type { PlatformConfig, PlatformConfigDefaults } from '@gov/platform-config';

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
export const REGISTRY_EVENTS_TOPIC = 'registry.events.v1';

/** The registry's configuration: the platform's, plus authentication and its topic. */
export interface RegistryConfig extends PlatformConfig {
  readonly auth: AuthConfig;
  /** The topic the outbox relay publishes the event log to. */
  readonly eventsTopic: string;
  /**
   * The replicated site's alias, as MirrorMaker 2 prefixes the mirrored topics: a replica
   * rebuilds from `<source>.<eventsTopic>` on its own cluster.
   */
  readonly replicationSource: string;
  /** The replica's consumer group on its own cluster (`registry.replica`). */
  readonly replicationGroup: string;
}

/**
 * The registry's variables: the platform's (see `platformVariables`), and
 *
 * | variable | |
 * |---|---|
 * | `AUTH_JWKS_URL` | the identity provider's JWKS endpoint (a deployment) |
 * | `AUTH_JWKS_FILE` | or a JWKS file (the local platform); exactly one of the two |
 * | `AUTH_ISSUER` | expected `iss` of bearer tokens; required |
 * | `AUTH_AUDIENCE` | expected `aud`; required |
 * | `REGISTRY_EVENTS_TOPIC` | `registry.events.v1` unless set |
 * | `REPLICATION_GROUP` | the replica's consumer group, `registry.replica` unless set (a second replica on the same cluster, a rebuild, needs its own) |
 * | `REPLICATION_SOURCE` | the site replicated from, as MirrorMaker 2 names it: `primary` on the embassy, `embassy` on the primary (for failback) |
 */
export const registryConfigSchema = z
  .object({
    ...platformVariables(REGISTRY_DEFAULTS),
    ...authVariables(),
    REGISTRY_EVENTS_TOPIC: envToken({ default: REGISTRY_EVENTS_TOPIC }),
    REPLICATION_SOURCE: envToken().optional(),
    REPLICATION_GROUP: envToken().optional(),
  })
  .superRefine(checkAuthVariables)
  .transform((env): RegistryConfig => ({
    ...toPlatformConfig(REGISTRY_DEFAULTS.serviceName, env),
    auth: toAuthConfig(env),
    eventsTopic: env.REGISTRY_EVENTS_TOPIC,
    replicationSource:
      env.REPLICATION_SOURCE ?? (env.SITE_ROLE === 'embassy' ? 'primary' : 'embassy'),
    replicationGroup: env.REPLICATION_GROUP ?? `${REGISTRY_DEFAULTS.serviceName}.replica`,
  }));
