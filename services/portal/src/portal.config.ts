import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { z } from 'zod';

import {
  envInteger,
  envToken,
  envUrl,
  envVariable,
  platformVariables,
  toPlatformConfig,
} from '@gov/platform-config';
import type { ParsedValue, PlatformConfig, PlatformConfigDefaults } from '@gov/platform-config';

/**
 * The portal's defaults. It keeps no state of its own: `DATABASE_URL` and the Kafka variables
 * are part of the platform variables but never used.
 */
export const PORTAL_DEFAULTS: PlatformConfigDefaults = {
  serviceName: 'portal',
  httpPort: 3000,
  database: 'portal',
  // Off unless set: browsers reach the portal through one ingress address, so a per-address
  // limit would be one limit for everybody; the services it calls limit each signed-in person.
  rateLimitPerMinute: 0,
};

/** The services whose public HTTP APIs the portal calls, by name. */
export const CALLED_SERVICES = [
  'registry',
  'procedures',
  'consent',
  'letterbox',
  'audit',
  'embassy-sync',
] as const;
export type CalledService = (typeof CALLED_SERVICES)[number];

/** A service with an event store, on both sites: the operator console fences and promotes it. */
export interface SiteServices {
  readonly name: string;
  readonly primaryUrl: string;
  readonly embassyUrl: string;
}

/** How people sign in. */
export type SignInConfig =
  | {
      /**
       * The local platform: a person picks a demo identity (or types a national identification
       * number) and the portal mints the token with the platform's local signing key.
       */
      readonly kind: 'local';
      readonly signingKeyFile: string;
      readonly issuer: string;
      readonly audience: string;
      /** A JSON file of demo identities to offer (written by `npm start`), if any. */
      readonly demoFile: string | undefined;
    }
  | {
      /**
       * A deployment: OpenID Connect (authorization code flow with PKCE, a confidential client)
       * against the identity provider that also issues the tokens the services verify.
       */
      readonly kind: 'oidc';
      readonly issuer: string;
      readonly clientId: string;
      /** The file holding the client secret (a mounted Secret), read at start-up. */
      readonly clientSecretFile: string;
      /** The portal's public address; the provider sends people back to `/sign-in/callback`. */
      readonly publicUrl: string;
      readonly scopes: string;
      /** RFC 8707 resource indicator asked for, so the access token is for the services. */
      readonly resource: string | undefined;
      /** The ID token claim naming the person's role (`citizen` or `operator`). */
      readonly roleClaim: string;
    };

/** A secret given in a variable, or in a file (a mounted Secret) read at start-up. */
export type SecretSource =
  | { readonly kind: 'value'; readonly value: Buffer }
  | { readonly kind: 'file'; readonly file: string; readonly variable: string }
  | { readonly kind: 'random' };

export interface PortalConfig extends PlatformConfig {
  readonly services: Readonly<Record<CalledService, string>>;
  /** Both sites' URLs of each replicated service, for the operator console's actions. */
  readonly siteServices: readonly SiteServices[];
  readonly signIn: SignInConfig;
  /**
   * The key of the session cookies (at least 32 bytes): given, in a file read at start-up, or
   * (local sign-in only) none, and each process makes one up.
   */
  readonly sessionSecret: SecretSource;
  /** The longest a session lasts, whatever the token's expiry. */
  readonly sessionMinutes: number;
  /** Whether the session cookie is only sent over HTTPS (the public URL is https). */
  readonly secureCookies: boolean;
  /** Time limit of each call to a service. */
  readonly httpTimeoutMs: number;
  /** Where the last drill's report is, if anywhere (the drill writes one JSON file). */
  readonly drillReportFile: string | undefined;
}

const url = () => envUrl({ protocols: ['http', 'https'] });
const SERVICE_NAME = /^[a-z][a-z0-9-]*$/;

function trimmed(value: string): string {
  return value.replace(/\/+$/, '');
}

/** `name=<primary URL>,<embassy URL>;…`, as `npm start` and the chart give embassy-sync. */
export function parseSiteServices(value: string): ParsedValue<readonly SiteServices[]> {
  const services: SiteServices[] = [];
  for (const entry of value.split(';')) {
    const match = /^\s*([^=\s]+)\s*=\s*([^,\s]+)\s*,\s*([^,\s]+)\s*$/.exec(entry);
    const [name, primaryUrl, embassyUrl] = [match?.[1], match?.[2], match?.[3]];
    if (
      name === undefined ||
      !SERVICE_NAME.test(name) ||
      primaryUrl === undefined ||
      embassyUrl === undefined ||
      !URL.canParse(primaryUrl) ||
      !URL.canParse(embassyUrl)
    ) {
      return { ok: false, expected: 'name=<primary URL>,<embassy URL>, several separated by ";"' };
    }
    services.push({ name, primaryUrl: trimmed(primaryUrl), embassyUrl: trimmed(embassyUrl) });
  }
  return { ok: true, value: services };
}

/** Whether `url` points at this machine (where plain http is acceptable, as in tests). */
export function isLoopback(url: string): boolean {
  const host = URL.canParse(url) ? new URL(url).hostname : '';
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
}

/** The session key as configured: at least 32 bytes, base64. */
export function parseSecret(value: string): ParsedValue<Buffer> {
  const bytes = Buffer.from(value.trim(), 'base64');
  return bytes.length >= 32
    ? { ok: true, value: bytes }
    : { ok: false, expected: 'at least 32 bytes, base64-encoded' };
}

/**
 * Reads the secrets the configuration names by file, at start-up: a missing or unreadable file,
 * or a session key too short, stops the start with the variable's name.
 */
export function loadSecrets(config: PortalConfig): {
  sessionKey: Buffer;
  clientSecret: string | undefined;
} {
  const read = (variable: string, file: string): string => {
    try {
      return readFileSync(file, 'utf8').trim();
    } catch (error) {
      throw new Error(
        `${variable}: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  };
  const source = config.sessionSecret;
  let sessionKey: Buffer;
  if (source.kind === 'value') {
    sessionKey = source.value;
  } else if (source.kind === 'file') {
    const parsed = parseSecret(read(source.variable, source.file));
    if (!parsed.ok)
      throw new Error(`${source.variable}: ${source.file} must hold ${parsed.expected}`);
    sessionKey = parsed.value;
  } else {
    sessionKey = randomBytes(32);
  }
  const clientSecret =
    config.signIn.kind === 'oidc'
      ? read('PORTAL_OIDC_CLIENT_SECRET_FILE', config.signIn.clientSecretFile)
      : undefined;
  if (clientSecret !== undefined && clientSecret.length === 0) {
    throw new Error('PORTAL_OIDC_CLIENT_SECRET_FILE: the file is empty');
  }
  return { sessionKey, clientSecret };
}

/**
 * The portal's variables: the platform's (see `platformVariables`; the database and Kafka are
 * not used), and
 *
 * | variable | |
 * |---|---|
 * | `REGISTRY_URL`, `PROCEDURES_URL`, `CONSENT_URL`, `LETTERBOX_URL`, `AUDIT_URL`, `EMBASSY_SYNC_URL` | the services' base URLs on this site; the local ports by default |
 * | `PORTAL_REPLICATED_SERVICES` | `name=<primary URL>,<embassy URL>`, `;`-separated: the services the operator console fences, promotes and demotes on either site |
 * | `PORTAL_SIGNING_KEY_FILE` | local sign-in: the platform's private JWK; tokens get `AUTH_ISSUER` and `AUTH_AUDIENCE` |
 * | `PORTAL_DEMO_FILE` | local sign-in: demo identities to offer (JSON, written by `npm start`) |
 * | `PORTAL_OIDC_ISSUER`, `PORTAL_OIDC_CLIENT_ID`, `PORTAL_OIDC_CLIENT_SECRET_FILE`, `PORTAL_PUBLIC_URL` | OpenID Connect sign-in instead of the local one (all four); the issuer must be https unless it is on loopback |
 * | `PORTAL_OIDC_SCOPES` | `openid profile`: the scopes asked for |
 * | `PORTAL_OIDC_RESOURCE` | the resource indicator (RFC 8707) of the services' audience, if the provider needs one |
 * | `PORTAL_OIDC_ROLE_CLAIM` | `role`: the ID token claim with the person's role (`citizen`, whose `sub` is their national identification number, or `operator`) |
 * | `PORTAL_PUBLIC_URL` | the portal's public address; `https://…` makes the session cookie `Secure` |
 * | `PORTAL_SESSION_SECRET` / `PORTAL_SESSION_SECRET_FILE` | base64 key of the session cookies (≥ 32 bytes); required with OpenID Connect (every replica needs the same); with local sign-in, random per process when unset |
 * | `PORTAL_SESSION_MINUTES` | 30: the longest a session lasts |
 * | `PORTAL_HTTP_TIMEOUT_MS` | 5000: time limit of each call to a service |
 * | `PORTAL_DRILL_REPORT_FILE` | the last failover drill's JSON report, shown in the console |
 */
export const portalConfigSchema = z
  .object({
    ...platformVariables(PORTAL_DEFAULTS),
    REGISTRY_URL: url().default('http://127.0.0.1:3001'),
    PROCEDURES_URL: url().default('http://127.0.0.1:3002'),
    CONSENT_URL: url().default('http://127.0.0.1:3003'),
    LETTERBOX_URL: url().default('http://127.0.0.1:3004'),
    AUDIT_URL: url().default('http://127.0.0.1:3005'),
    EMBASSY_SYNC_URL: url().default('http://127.0.0.1:3006'),
    PORTAL_REPLICATED_SERVICES: envVariable(parseSiteServices).optional(),
    AUTH_ISSUER: envToken().optional(),
    AUTH_AUDIENCE: envToken().optional(),
    PORTAL_SIGNING_KEY_FILE: envToken().optional(),
    PORTAL_DEMO_FILE: envToken().optional(),
    PORTAL_OIDC_ISSUER: url().optional(),
    PORTAL_OIDC_CLIENT_ID: envToken().optional(),
    PORTAL_OIDC_CLIENT_SECRET_FILE: envToken().optional(),
    PORTAL_OIDC_SCOPES: envVariable<string>(
      (value) =>
        value.split(/\s+/).includes('openid')
          ? { ok: true, value }
          : { ok: false, expected: 'space-separated scopes including openid' },
      'openid profile',
    ),
    PORTAL_OIDC_RESOURCE: envVariable<string>((value) =>
      URL.canParse(value) && !value.includes('#')
        ? { ok: true, value }
        : { ok: false, expected: 'an absolute URI without a fragment (RFC 8707)' },
    ).optional(),
    PORTAL_OIDC_ROLE_CLAIM: envToken({ default: 'role' }),
    PORTAL_PUBLIC_URL: url().optional(),
    PORTAL_SESSION_SECRET: envVariable(parseSecret).optional(),
    PORTAL_SESSION_SECRET_FILE: envToken().optional(),
    PORTAL_SESSION_MINUTES: envInteger({ min: 1, max: 24 * 60, default: 30 }),
    PORTAL_HTTP_TIMEOUT_MS: envInteger({ min: 100, max: 60_000, default: 5_000 }),
    PORTAL_DRILL_REPORT_FILE: envToken().optional(),
  })
  .superRefine((env, context) => {
    const oidc = [
      env.PORTAL_OIDC_ISSUER,
      env.PORTAL_OIDC_CLIENT_ID,
      env.PORTAL_OIDC_CLIENT_SECRET_FILE,
    ].some((value) => value !== undefined);
    const local = env.PORTAL_SIGNING_KEY_FILE !== undefined;
    if (local === oidc) {
      context.addIssue({
        code: 'custom',
        path: ['PORTAL_SIGNING_KEY_FILE'],
        message:
          'set either PORTAL_SIGNING_KEY_FILE (local sign-in) or PORTAL_OIDC_ISSUER, PORTAL_OIDC_CLIENT_ID and PORTAL_OIDC_CLIENT_SECRET_FILE (OpenID Connect)',
      });
    }
    if (oidc) {
      for (const name of [
        'PORTAL_OIDC_ISSUER',
        'PORTAL_OIDC_CLIENT_ID',
        'PORTAL_OIDC_CLIENT_SECRET_FILE',
        'PORTAL_PUBLIC_URL',
        'PORTAL_SESSION_SECRET',
      ] as const) {
        const given =
          name === 'PORTAL_SESSION_SECRET'
            ? (env.PORTAL_SESSION_SECRET ?? env.PORTAL_SESSION_SECRET_FILE)
            : env[name];
        if (given === undefined) {
          context.addIssue({
            code: 'custom',
            path: [name],
            message:
              name === 'PORTAL_SESSION_SECRET'
                ? 'OpenID Connect sign-in needs PORTAL_SESSION_SECRET or PORTAL_SESSION_SECRET_FILE (every replica the same)'
                : 'OpenID Connect sign-in needs it',
          });
        }
      }
      const issuer = env.PORTAL_OIDC_ISSUER;
      if (issuer !== undefined && !issuer.startsWith('https://') && !isLoopback(issuer)) {
        context.addIssue({
          code: 'custom',
          path: ['PORTAL_OIDC_ISSUER'],
          message: 'the identity provider must be reached over https (http only on loopback)',
        });
      }
    } else if (env.AUTH_ISSUER === undefined || env.AUTH_AUDIENCE === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['AUTH_ISSUER'],
        message: 'local sign-in mints tokens with AUTH_ISSUER and AUTH_AUDIENCE: set both',
      });
    }
    if (env.PORTAL_SESSION_SECRET !== undefined && env.PORTAL_SESSION_SECRET_FILE !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['PORTAL_SESSION_SECRET'],
        message: 'set PORTAL_SESSION_SECRET or PORTAL_SESSION_SECRET_FILE, not both',
      });
    }
  })
  .transform((env): PortalConfig => ({
    ...toPlatformConfig(PORTAL_DEFAULTS.serviceName, env),
    services: {
      registry: trimmed(env.REGISTRY_URL),
      procedures: trimmed(env.PROCEDURES_URL),
      consent: trimmed(env.CONSENT_URL),
      letterbox: trimmed(env.LETTERBOX_URL),
      audit: trimmed(env.AUDIT_URL),
      'embassy-sync': trimmed(env.EMBASSY_SYNC_URL),
    },
    siteServices: env.PORTAL_REPLICATED_SERVICES ?? [],
    signIn:
      env.PORTAL_SIGNING_KEY_FILE !== undefined
        ? {
            kind: 'local',
            signingKeyFile: env.PORTAL_SIGNING_KEY_FILE,
            issuer: env.AUTH_ISSUER ?? '',
            audience: env.AUTH_AUDIENCE ?? '',
            demoFile: env.PORTAL_DEMO_FILE,
          }
        : {
            kind: 'oidc',
            issuer: env.PORTAL_OIDC_ISSUER ?? '',
            clientId: env.PORTAL_OIDC_CLIENT_ID ?? '',
            clientSecretFile: env.PORTAL_OIDC_CLIENT_SECRET_FILE ?? '',
            publicUrl: trimmed(env.PORTAL_PUBLIC_URL ?? ''),
            scopes: env.PORTAL_OIDC_SCOPES,
            resource: env.PORTAL_OIDC_RESOURCE,
            roleClaim: env.PORTAL_OIDC_ROLE_CLAIM,
          },
    sessionSecret:
      env.PORTAL_SESSION_SECRET !== undefined
        ? { kind: 'value', value: env.PORTAL_SESSION_SECRET }
        : env.PORTAL_SESSION_SECRET_FILE !== undefined
          ? {
              kind: 'file',
              file: env.PORTAL_SESSION_SECRET_FILE,
              variable: 'PORTAL_SESSION_SECRET_FILE',
            }
          : { kind: 'random' },
    sessionMinutes: env.PORTAL_SESSION_MINUTES,
    secureCookies: (env.PORTAL_PUBLIC_URL ?? '').startsWith('https://'),
    httpTimeoutMs: env.PORTAL_HTTP_TIMEOUT_MS,
    drillReportFile: env.PORTAL_DRILL_REPORT_FILE,
  }));
