/**
 * Configuration from the environment, validated once at start-up: a generic
 * {@link loadConfig}, the variable helpers to write a schema with, and the platform variables
 * every service shares.
 */
export { loadConfig } from './lib/load-config';
export type { ConfigSchema, Environment } from './lib/load-config';
export { ConfigError } from './lib/config-error';
export type { ConfigIssue } from './lib/config-error';
export {
  envVariable,
  envToken,
  envInteger,
  envEnum,
  envHostPortList,
  envUrl,
} from './lib/env-variables';
export type { EnvVariable, ParsedValue } from './lib/env-variables';
export {
  KAFKA_SASL_MECHANISMS,
  LOG_LEVELS,
  SITE_ROLES,
  platformVariables,
  platformConfigSchema,
  toPlatformConfig,
} from './lib/platform-config';
export type {
  KafkaSasl,
  KafkaSaslMechanism,
  LogLevel,
  SiteRole,
  PlatformConfig,
  PlatformConfigDefaults,
  PlatformVariables,
  RateLimitClass,
  RateLimitConfig,
} from './lib/platform-config';
