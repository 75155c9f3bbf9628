import { z } from 'zod';

import {
  envEnum,
  envHostPortList,
  envInteger,
  envToken,
  envUrl,
  envVariable,
} from './env-variables';
import type { ParsedValue } from './env-variables';

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
  /** `RATE_LIMIT_PER_MINUTE` when unset; 600 unless given. */
  readonly rateLimitPerMinute?: number;
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
  /** Per-principal request rate limits of the HTTP API (see {@link RateLimitConfig}). */
  readonly rateLimit: RateLimitConfig;
}

/**
 * A token bucket's size and refill rate: `burst` requests at once, then `perMinute` per minute
 * on average.
 */
export interface RateLimitClass {
  readonly perMinute: number;
  readonly burst: number;
}

/**
 * The request rate limits of a service, per principal (a verified token's kind and subject) or,
 * for requests without a valid token, per client address. `perMinute` 0 turns limiting off.
 */
export interface RateLimitConfig extends RateLimitClass {
  /** The higher class of the platform's own services when they call each other. */
  readonly service: RateLimitClass & {
    /** Principals of that class, as `kind:subject` (`agency:procedures`). */
    readonly principals: readonly string[];
  };
}

/** The platform's services that call other services with a token of their own. */
const SERVICE_PRINCIPALS: readonly string[] = [
  'agency:procedures',
  'agency:letterbox',
  'operator:embassy-sync',
];

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
 * | `RATE_LIMIT_PER_MINUTE` | `600` (the service may say otherwise) | 0–1000000: requests per minute per principal (or client address without a valid token); 0: no limit |
 * | `RATE_LIMIT_BURST` | `100` | 1–1000000: requests a principal may make at once before the rate applies |
 * | `RATE_LIMIT_SERVICE_PER_MINUTE` | `6000` | 1–1000000: the same for the platform's services calling each other |
 * | `RATE_LIMIT_SERVICE_BURST` | `1000` | 1–1000000 |
 * | `RATE_LIMIT_SERVICE_PRINCIPALS` | `agency:procedures,agency:letterbox,operator:embassy-sync` | comma-separated `kind:subject` of the principals in the service class |
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
    RATE_LIMIT_PER_MINUTE: envInteger({
      min: 0,
      max: 1_000_000,
      default: defaults.rateLimitPerMinute ?? 600,
    }),
    RATE_LIMIT_BURST: envInteger({ min: 1, max: 1_000_000, default: 100 }),
    RATE_LIMIT_SERVICE_PER_MINUTE: envInteger({ min: 1, max: 1_000_000, default: 6_000 }),
    RATE_LIMIT_SERVICE_BURST: envInteger({ min: 1, max: 1_000_000, default: 1_000 }),
    RATE_LIMIT_SERVICE_PRINCIPALS: envVariable(parsePrincipalList, SERVICE_PRINCIPALS),
  };
}

function parsePrincipalList(value: string): ParsedValue<readonly string[]> {
  const entries = value.split(',').map((entry) => entry.trim());
  return entries.every((entry) => /^[a-z]+:\S+$/.test(entry))
    ? { ok: true, value: entries }
    : { ok: false, expected: 'a comma-separated list of kind:subject' };
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
    rateLimit: {
      perMinute: env.RATE_LIMIT_PER_MINUTE,
      burst: env.RATE_LIMIT_BURST,
      service: {
        perMinute: env.RATE_LIMIT_SERVICE_PER_MINUTE,
        burst: env.RATE_LIMIT_SERVICE_BURST,
        principals: env.RATE_LIMIT_SERVICE_PRINCIPALS,
      },
    },
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
