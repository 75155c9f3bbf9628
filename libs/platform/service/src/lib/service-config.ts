import { z } from 'zod';

import { authVariables, checkAuthVariables, toAuthConfig } from '@gov/platform-auth';
import type { AuthConfig } from '@gov/platform-auth';
import { envInteger, envToken, platformVariables, toPlatformConfig } from '@gov/platform-config';
import type { PlatformConfig, PlatformConfigDefaults } from '@gov/platform-config';

/** The configuration every event-sourced service has: the platform's, authentication, replication. */
export interface EventSourcedServiceConfig extends PlatformConfig {
  readonly auth: AuthConfig;
  /** The internal topic the outbox relay publishes the service's log to (`registry.events.v1`). */
  readonly eventsTopic: string;
  /**
   * The replicated site's alias, as MirrorMaker 2 prefixes the mirrored topics: a replica
   * rebuilds from `<source>.<eventsTopic>` on its own cluster.
   */
  readonly replicationSource: string;
  /** The replica's consumer group on its own cluster (`<service>.replica`). */
  readonly replicationGroup: string;
  /** Most bytes the replica fetches per partition at once. */
  readonly replicationFetchBytes: number;
  /**
   * The file holding the key-encryption key (base64, 32 bytes) that wraps the per-subject keys;
   * required by a service that seals personal data (the kit's `subjectKeys`), the same on both
   * sites.
   */
  readonly keyEncryptionKeyFile: string | undefined;
}

/** The replica's fetch size per partition unless `REPLICATION_FETCH_BYTES` says otherwise. */
const DEFAULT_REPLICATION_FETCH_BYTES = 4 * 1024 * 1024;

/** The internal event topic of a service unless `EVENTS_TOPIC` says otherwise. */
export function defaultEventsTopic(serviceName: string): string {
  return `${serviceName}.events.v1`;
}

/**
 * The variables of an event-sourced service: the platform's (`platformVariables`), the bearer
 * authentication's (`authVariables`), and
 *
 * | variable | |
 * |---|---|
 * | `EVENTS_TOPIC` | the service's internal event topic, `<service>.events.v1` unless set |
 * | `REPLICATION_SOURCE` | the site replicated from, as MirrorMaker 2 names it: `primary` on the embassy, `embassy` on the primary (for failback) unless set |
 * | `REPLICATION_GROUP` | the replica's consumer group, `<service>.replica` unless set (a second replica on the same cluster, a rebuild, needs its own) |
 * | `REPLICATION_FETCH_BYTES` | most bytes the replica fetches per partition at once, 4 MiB unless set: larger batches replay faster, smaller ones hold less memory |
 * | `DATA_KEK_FILE` | the key-encryption key's file (a mounted Secret): required where the service seals personal data |
 */
export function eventSourcedServiceVariables(defaults: PlatformConfigDefaults) {
  return {
    ...platformVariables(defaults),
    ...authVariables(),
    EVENTS_TOPIC: envToken({ default: defaultEventsTopic(defaults.serviceName) }),
    REPLICATION_SOURCE: envToken().optional(),
    REPLICATION_GROUP: envToken().optional(),
    REPLICATION_FETCH_BYTES: envInteger({
      min: 16 * 1024,
      max: 256 * 1024 * 1024,
      default: DEFAULT_REPLICATION_FETCH_BYTES,
    }),
    DATA_KEK_FILE: envToken().optional(),
  };
}

type Variables = z.output<z.ZodObject<ReturnType<typeof eventSourcedServiceVariables>>>;

/** Turns the parsed {@link eventSourcedServiceVariables} into an {@link EventSourcedServiceConfig}. */
export function toEventSourcedServiceConfig(
  serviceName: string,
  env: Variables,
): EventSourcedServiceConfig {
  return {
    ...toPlatformConfig(serviceName, env),
    auth: toAuthConfig(env),
    eventsTopic: env.EVENTS_TOPIC,
    replicationSource:
      env.REPLICATION_SOURCE ?? (env.SITE_ROLE === 'embassy' ? 'primary' : 'embassy'),
    replicationGroup: env.REPLICATION_GROUP ?? `${serviceName}.replica`,
    replicationFetchBytes: env.REPLICATION_FETCH_BYTES,
    keyEncryptionKeyFile: env.DATA_KEK_FILE,
  };
}

/**
 * The configuration schema of an event-sourced service with nothing of its own to configure;
 * a service with more variables spreads {@link eventSourcedServiceVariables} into its own object
 * and calls {@link toEventSourcedServiceConfig} in its transform.
 */
export function eventSourcedServiceConfigSchema(defaults: PlatformConfigDefaults) {
  return z
    .object(eventSourcedServiceVariables(defaults))
    .superRefine(checkAuthVariables)
    .transform((env) => toEventSourcedServiceConfig(defaults.serviceName, env));
}
