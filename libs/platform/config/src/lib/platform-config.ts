import { z } from 'zod';

import { envEnum, envHostPortList, envInteger, envToken, envUrl } from './env-variables';

/** Log levels, as pino names them; `silent` turns logging off. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Which site this instance runs in: the home site (`primary`), or the data embassy abroad
 * (`embassy`), where services rebuild their state from the mirrored log and refuse writes
 * until promoted.
 */
export const SITE_ROLES = ['primary', 'embassy'] as const;
export type SiteRole = (typeof SITE_ROLES)[number];

/** SASL mechanisms the Kafka client offers; Strimzi's `scram-sha-512` is the usual one. */
export const KAFKA_SASL_MECHANISMS = ['scram-sha-512', 'scram-sha-256', 'plain'] as const;
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

/** Kafka SASL credentials. */
export interface KafkaSasl {
  readonly mechanism: KafkaSaslMechanism;
  readonly username: string;
  readonly password: string;
}

/** What each service decides for itself; none of it comes from the environment. */
export interface PlatformConfigDefaults {
  /** The service's name (`registry`, `consent`, …): in every log line, the Kafka client id. */
  readonly serviceName: string;
  /** `HTTP_PORT` when unset. Each service has its own, so that all can run side by side. */
  readonly httpPort: number;
  /** The database named in the default `DATABASE_URL`. */
  readonly database: string;
}

/** The settings every service shares. */
export interface PlatformConfig {
  readonly serviceName: string;
  readonly http: {
    /** Interface to listen on. */
    readonly host: string;
    readonly port: number;
  };
  readonly kafka: {
    /** Bootstrap brokers as `host:port`. */
    readonly brokers: readonly string[];
    /** SASL authentication (a Strimzi `KafkaUser`'s credentials); absent: none. */
    readonly sasl?: KafkaSasl;
    /** TLS to the brokers, trusting this CA (PEM file); absent: plain TCP. */
    readonly tls?: { readonly caFile: string };
  };
  readonly database: {
    /** libpq-style connection URL. */
    readonly url: string;
  };
  readonly logLevel: LogLevel;
  readonly siteRole: SiteRole;
  /** How long a graceful shutdown may take before the process gives up and exits. */
  readonly shutdownGraceMs: number;
}

/** Where the local development infrastructure (`npm run infra`) listens. */
const LOCAL_KAFKA_BROKERS = ['127.0.0.1:19092'];
const LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:15432';

/**
 * The environment variables every service reads, as a zod object shape, to spread into a
 * service's own schema next to its own variables. Defaults suit a developer machine running the
 * local infrastructure; deployments set them explicitly.
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | `HTTP_HOST` | `127.0.0.1` | interface to listen on; loopback by default so that a local run is not exposed to the network (containers set `0.0.0.0`) |
 * | `HTTP_PORT` | per service | 1–65535 |
 * | `KAFKA_BROKERS` | `127.0.0.1:19092` | comma-separated `host:port` list |
 * | `DATABASE_URL` | `postgres://postgres@127.0.0.1:15432/<database>` | `postgres://` or `postgresql://` URL |
 * | `LOG_LEVEL` | `info` | one of {@link LOG_LEVELS} |
 * | `SITE_ROLE` | `primary` | one of {@link SITE_ROLES} |
 * | `SHUTDOWN_GRACE_MS` | `10000` | 1000–300000: how long a graceful shutdown may take |
 * | `KAFKA_SASL_PASSWORD` | unset | a SASL password (a Strimzi `KafkaUser` Secret's `password`): set, the client authenticates |
 * | `KAFKA_SASL_USERNAME` | the service's name | the SASL user (the `KafkaUser`'s name) |
 * | `KAFKA_SASL_MECHANISM` | `scram-sha-512` | one of {@link KAFKA_SASL_MECHANISMS} |
 * | `KAFKA_TLS_CA_FILE` | unset | a PEM file of the CA that signed the brokers' certificates (Strimzi's cluster CA): set, the client speaks TLS |
 */
export function platformVariables(defaults: PlatformConfigDefaults) {
  return {
    HTTP_HOST: envToken({ default: '127.0.0.1' }),
    HTTP_PORT: envInteger({ min: 1, max: 65_535, default: defaults.httpPort }),
    KAFKA_BROKERS: envHostPortList({ default: LOCAL_KAFKA_BROKERS }),
    DATABASE_URL: envUrl({
      protocols: ['postgres', 'postgresql'],
      default: `${LOCAL_POSTGRES}/${encodeURIComponent(defaults.database)}`,
    }),
    LOG_LEVEL: envEnum(LOG_LEVELS, { default: 'info' }),
    SITE_ROLE: envEnum(SITE_ROLES, { default: 'primary' }),
    SHUTDOWN_GRACE_MS: envInteger({ min: 1_000, max: 300_000, default: 10_000 }),
    // A password alone turns SASL on: the user defaults to the service's name, as a KafkaUser
    // per service is named, so no combination of variables can be half set.
    KAFKA_SASL_PASSWORD: envToken().optional(),
    KAFKA_SASL_USERNAME: envToken({ default: defaults.serviceName }),
    KAFKA_SASL_MECHANISM: envEnum(KAFKA_SASL_MECHANISMS, { default: 'scram-sha-512' }),
    KAFKA_TLS_CA_FILE: envToken().optional(),
  };
}

/** The parsed values of {@link platformVariables}. */
export type PlatformVariables = z.output<z.ZodObject<ReturnType<typeof platformVariables>>>;

/** Turns the parsed platform variables into the structured {@link PlatformConfig}. */
export function toPlatformConfig(serviceName: string, env: PlatformVariables): PlatformConfig {
  return {
    serviceName,
    http: { host: env.HTTP_HOST, port: env.HTTP_PORT },
    kafka: {
      brokers: env.KAFKA_BROKERS,
      ...(env.KAFKA_SASL_PASSWORD === undefined
        ? {}
        : {
            sasl: {
              mechanism: env.KAFKA_SASL_MECHANISM,
              username: env.KAFKA_SASL_USERNAME,
              password: env.KAFKA_SASL_PASSWORD,
            },
          }),
      ...(env.KAFKA_TLS_CA_FILE === undefined ? {} : { tls: { caFile: env.KAFKA_TLS_CA_FILE } }),
    },
    database: { url: env.DATABASE_URL },
    logLevel: env.LOG_LEVEL,
    siteRole: env.SITE_ROLE,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
  };
}

/**
 * The schema of a service that needs only the platform settings. A service with variables of
 * its own spreads {@link platformVariables} into its own object and maps the result with
 * {@link toPlatformConfig} (as tested in `platform-config.unit.spec.ts`):
 *
 * ```ts
 * const auditConfigSchema = z
 *   .object({
 *     ...platformVariables(defaults),
 *     AUDIT_CHECKPOINT_EVERY: envInteger({ min: 1, max: 1e6, default: 1000 }),
 *   })
 *   .transform((env) => ({
 *     ...toPlatformConfig(defaults.serviceName, env),
 *     checkpointEvery: env.AUDIT_CHECKPOINT_EVERY,
 *   }));
 * ```
 */
export function platformConfigSchema(defaults: PlatformConfigDefaults) {
  return z
    .object(platformVariables(defaults))
    .transform((env) => toPlatformConfig(defaults.serviceName, env));
}
