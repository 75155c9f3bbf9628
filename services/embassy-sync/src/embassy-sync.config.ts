import { z } from 'zod';

import {
  authVariables,
  checkAuthVariables,
  ownTokenSource,
  toAuthConfig,
} from '@gov/platform-auth';
import type { AuthConfig, OwnTokenSource } from '@gov/platform-auth';
import {
  envInteger,
  envToken,
  envVariable,
  platformVariables,
  toPlatformConfig,
} from '@gov/platform-config';
import type { ParsedValue, PlatformConfig, PlatformConfigDefaults } from '@gov/platform-config';

/**
 * embassy-sync's own defaults. It keeps no state of its own in PostgreSQL: `DATABASE_URL` is
 * part of the platform variables but never used.
 */
export const EMBASSY_SYNC_DEFAULTS: PlatformConfigDefaults = {
  serviceName: 'embassy-sync',
  httpPort: 3006,
  database: 'embassy_sync',
};

/** The topic the primary publishes signed checkpoints to, on its own cluster. */
export const CHECKPOINT_TOPIC = 'platform.checkpoints.v1';

/** The watched services when `SYNC_SERVICES` is unset: the registry on the local ports. */
export const DEFAULT_SYNC_SERVICES = 'registry=http://127.0.0.1:3001,http://127.0.0.1:4001';

/** One watched service and where each site serves its `/replication` routes. */
export interface WatchedService {
  /** The service's name, as its replication status reports it (`registry`). */
  readonly name: string;
  /** Its internal event topic, `<name>.events.v1`, for the labels of status and metrics. */
  readonly topic: string;
  /** Base URL of the service on the primary site. */
  readonly primaryUrl: string;
  /** Base URL of the service on the embassy. */
  readonly embassyUrl: string;
}

/** Where the Ed25519 checkpoint keys come from. */
export interface CheckpointKeySource {
  /** PKCS#8 PEM private key: this instance signs (where a watched service is primary). */
  readonly privateKeyFile?: string;
  /** SPKI PEM public key: this instance verifies the other site's checkpoints. */
  readonly publicKeyFile?: string;
  /** A folder holding both, generated on first start if missing (the local platform). */
  readonly dir?: string;
}

/** embassy-sync's configuration. */
export interface EmbassySyncConfig extends PlatformConfig {
  readonly auth: AuthConfig;
  readonly services: readonly WatchedService[];
  /** How often both sites' replication status is read. */
  readonly pollIntervalMs: number;
  /** Alarm when the embassy lacks more than this span of primary writes (an RPO limit). */
  readonly lagAlarmMs: number;
  /** Time limit of each call to a watched service. */
  readonly httpTimeoutMs: number;
  /** The span of the rolling window of lag samples (p50/p99). */
  readonly windowMinutes: number;
  /** How embassy-sync obtains the operator bearer token it calls the services with. */
  readonly operatorToken: OwnTokenSource;
  readonly checkpoints: {
    readonly keys: CheckpointKeySource;
    readonly intervalMs: number;
    /** Where this site publishes its signed checkpoints (its own cluster). */
    readonly topic: string;
    /**
     * The other site's checkpoints as mirrored into this site's cluster; `undefined`: this
     * instance does not verify.
     */
    readonly sourceTopic: string | undefined;
    /** The verifier's consumer group. */
    readonly groupId: string;
  };
}

const SERVICE_NAME = /^[a-z][a-z0-9-]*$/;

function parseUrl(value: string): string | undefined {
  if (!URL.canParse(value)) return undefined;
  const url = new URL(value);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  return value.replace(/\/+$/, '');
}

/** `name=primaryUrl,embassyUrl;name2=…`. */
export function parseWatchedServices(value: string): ParsedValue<readonly WatchedService[]> {
  const expected = {
    ok: false,
    expected: 'name=<primary URL>,<embassy URL>, several separated by ";"',
  } as const;
  const services: WatchedService[] = [];
  for (const entry of value.split(';')) {
    const match = /^\s*([^=\s]+)\s*=\s*([^,\s]+)\s*,\s*([^,\s]+)\s*$/.exec(entry);
    const name = match?.[1];
    const primaryUrl = parseUrl(match?.[2] ?? '');
    const embassyUrl = parseUrl(match?.[3] ?? '');
    if (name === undefined || !SERVICE_NAME.test(name) || !primaryUrl || !embassyUrl) {
      return expected;
    }
    if (services.some((service) => service.name === name)) {
      return { ok: false, expected: `each service once (${name} is listed twice)` };
    }
    services.push({ name, topic: `${name}.events.v1`, primaryUrl, embassyUrl });
  }
  return { ok: true, value: services };
}

/**
 * embassy-sync's variables: the platform's (see `platformVariables`; `DATABASE_URL` is not
 * used), and
 *
 * | variable | |
 * |---|---|
 * | `AUTH_JWKS_URL` / `AUTH_JWKS_FILE` | verification keys of the operator tokens it accepts; exactly one |
 * | `AUTH_ISSUER`, `AUTH_AUDIENCE` | expected `iss` and `aud`; also those of the tokens it mints with `SYNC_SIGNING_KEY_FILE` |
 * | `SYNC_SERVICES` | `name=<primary URL>,<embassy URL>`, `;`-separated; the registry on 3001/4001 unless set |
 * | `SYNC_POLL_MS` | 1000: how often both sites' status is read |
 * | `SYNC_HTTP_TIMEOUT_MS` | 2000: time limit of each call to a service |
 * | `SYNC_WINDOW_MINUTES` | 5: span of the p50/p99 lag window |
 * | `SYNC_LAG_ALARM_MS` | 5000: alarm (`lag`) when the embassy lacks more than this span of primary writes: the RPO a site loss would cost now |
 * | `SYNC_OPERATOR_TOKEN` / `SYNC_OPERATOR_TOKEN_FILE` / `SYNC_SIGNING_KEY_FILE` | exactly one: an operator token, a file holding one, or the local private JWK to mint them |
 * | `CHECKPOINT_KEY_FILE` | Ed25519 PKCS#8 PEM private key: sign |
 * | `CHECKPOINT_PUBLIC_KEY_FILE` | Ed25519 SPKI PEM public key: verify |
 * | `CHECKPOINT_KEY_DIR` | instead of the two files: a folder with both, created on first start |
 * | `CHECKPOINT_INTERVAL_MS` | 5000 |
 * | `CHECKPOINT_TOPIC` | `platform.checkpoints.v1` |
 * | `CHECKPOINT_SOURCE_TOPIC` | `primary.platform.checkpoints.v1` on the embassy; unset on the primary (no verification) |
 * | `CHECKPOINT_GROUP` | `embassy-sync.checkpoints` |
 */
export const embassySyncConfigSchema = z
  .object({
    ...platformVariables(EMBASSY_SYNC_DEFAULTS),
    ...authVariables(),
    SYNC_SERVICES: envVariable(parseWatchedServices, parseOrThrow(DEFAULT_SYNC_SERVICES)),
    SYNC_POLL_MS: envInteger({ min: 100, max: 60_000, default: 1_000 }),
    SYNC_HTTP_TIMEOUT_MS: envInteger({ min: 100, max: 60_000, default: 2_000 }),
    SYNC_WINDOW_MINUTES: envInteger({ min: 1, max: 24 * 60, default: 5 }),
    SYNC_LAG_ALARM_MS: envInteger({ min: 1, max: 24 * 3600_000, default: 5_000 }),
    SYNC_OPERATOR_TOKEN: envToken().optional(),
    SYNC_OPERATOR_TOKEN_FILE: envToken().optional(),
    SYNC_SIGNING_KEY_FILE: envToken().optional(),
    CHECKPOINT_KEY_FILE: envToken().optional(),
    CHECKPOINT_PUBLIC_KEY_FILE: envToken().optional(),
    CHECKPOINT_KEY_DIR: envToken().optional(),
    CHECKPOINT_INTERVAL_MS: envInteger({ min: 100, max: 3_600_000, default: 5_000 }),
    CHECKPOINT_TOPIC: envToken({ default: CHECKPOINT_TOPIC }),
    CHECKPOINT_SOURCE_TOPIC: envToken().optional(),
    CHECKPOINT_GROUP: envToken({ default: `${EMBASSY_SYNC_DEFAULTS.serviceName}.checkpoints` }),
  })
  .superRefine((env, context) => {
    checkAuthVariables(env, context);
    const tokenSources = [
      env.SYNC_OPERATOR_TOKEN,
      env.SYNC_OPERATOR_TOKEN_FILE,
      env.SYNC_SIGNING_KEY_FILE,
    ].filter((value) => value !== undefined);
    if (tokenSources.length !== 1) {
      context.addIssue({
        code: 'custom',
        path: ['SYNC_OPERATOR_TOKEN'],
        message:
          'set exactly one of SYNC_OPERATOR_TOKEN, SYNC_OPERATOR_TOKEN_FILE and SYNC_SIGNING_KEY_FILE',
      });
    }
    if (
      env.CHECKPOINT_KEY_DIR !== undefined &&
      (env.CHECKPOINT_KEY_FILE !== undefined || env.CHECKPOINT_PUBLIC_KEY_FILE !== undefined)
    ) {
      context.addIssue({
        code: 'custom',
        path: ['CHECKPOINT_KEY_DIR'],
        message: 'set either CHECKPOINT_KEY_DIR or the key files, not both',
      });
    }
  })
  .transform((env): EmbassySyncConfig => ({
    ...toPlatformConfig(EMBASSY_SYNC_DEFAULTS.serviceName, env),
    auth: toAuthConfig(env),
    services: env.SYNC_SERVICES,
    pollIntervalMs: env.SYNC_POLL_MS,
    lagAlarmMs: env.SYNC_LAG_ALARM_MS,
    httpTimeoutMs: env.SYNC_HTTP_TIMEOUT_MS,
    windowMinutes: env.SYNC_WINDOW_MINUTES,
    // Exactly one is given (checked above).
    operatorToken: ownTokenSource({
      token: env.SYNC_OPERATOR_TOKEN,
      tokenFile: env.SYNC_OPERATOR_TOKEN_FILE,
      signingKeyFile: env.SYNC_SIGNING_KEY_FILE,
    }) as OwnTokenSource,
    checkpoints: {
      keys: {
        ...(env.CHECKPOINT_KEY_FILE === undefined
          ? {}
          : { privateKeyFile: env.CHECKPOINT_KEY_FILE }),
        ...(env.CHECKPOINT_PUBLIC_KEY_FILE === undefined
          ? {}
          : { publicKeyFile: env.CHECKPOINT_PUBLIC_KEY_FILE }),
        ...(env.CHECKPOINT_KEY_DIR === undefined ? {} : { dir: env.CHECKPOINT_KEY_DIR }),
      },
      intervalMs: env.CHECKPOINT_INTERVAL_MS,
      topic: env.CHECKPOINT_TOPIC,
      // The embassy verifies what the primary signed, as MirrorMaker 2 names it on the
      // embassy's cluster. The primary verifies only when told where (failback, with a
      // reverse mirror): by default there is nothing to consume on its cluster.
      sourceTopic:
        env.CHECKPOINT_SOURCE_TOPIC ??
        (env.SITE_ROLE === 'embassy' ? `primary.${CHECKPOINT_TOPIC}` : undefined),
      groupId: env.CHECKPOINT_GROUP,
    },
  }));

function parseOrThrow(value: string): readonly WatchedService[] {
  const parsed = parseWatchedServices(value);
  if (!parsed.ok) throw new Error(`invalid default SYNC_SERVICES: ${parsed.expected}`);
  return parsed.value;
}
