import { z } from 'zod';

import { DOCUMENTS_TOPIC } from '@gov/letterbox-application';
import { checkAuthVariables, ownTokenSource } from '@gov/platform-auth';
import type { OwnTokenSource } from '@gov/platform-auth';
import { envInteger, envToken, envUrl, envVariable } from '@gov/platform-config';
import type { PlatformConfigDefaults } from '@gov/platform-config';
import { eventSourcedServiceVariables, toEventSourcedServiceConfig } from '@gov/platform-service';
import type { EventSourcedServiceConfig } from '@gov/platform-service';

/** The letterbox's own defaults. Its database is `letterbox`, made by provisioning. */
export const LETTERBOX_DEFAULTS: PlatformConfigDefaults = {
  serviceName: 'letterbox',
  httpPort: 3004,
  database: 'letterbox',
};

/** The letterbox's configuration. */
export interface LetterboxConfig extends EventSourcedServiceConfig {
  /**
   * The compacted topic of the documents' bytes, keyed by SHA-256; a replica reads
   * `<replicationSource>.<documentsTopic>`, as MirrorMaker 2 names the mirrored copy.
   */
  readonly documentsTopic: string;
  /**
   * The registry, asked who manages a business with letters; `undefined` (or no token source):
   * every business letter answers 503 and none is listed.
   */
  readonly registryUrl: string | undefined;
  /** The letterbox's own token for the registry; `undefined` without one. */
  readonly serviceToken: OwnTokenSource | undefined;
  /** How long the registry's answer on a business's managers is reused (0: never). */
  readonly managersTtlMs: number;
  /** Time limit of each call to the registry. */
  readonly httpTimeoutMs: number;
  /** Organisations allowed to deliver on behalf of another (`onBehalfOf`). */
  readonly deliveryAgents: ReadonlySet<string>;
  /** The registry's internal topic, whose `PersonErased` the letterbox obeys. */
  readonly registryTopic: string;
}

const ORGANISATION_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** A comma-separated list of organisation ids, or `none` (blank means the default). */
const envOrganisations = (defaultValue: readonly string[]) =>
  envVariable<readonly string[]>((value) => {
    if (value === 'none') return { ok: true, value: [] };
    const ids = value
      .split(',')
      .map((id) => id.trim())
      .filter((id) => id !== '');
    return ids.every((id) => ORGANISATION_ID.test(id))
      ? { ok: true, value: ids }
      : {
          ok: false,
          expected: 'organisation ids (lower-case letters, digits, -), comma-separated, or none',
        };
  }, defaultValue);

/**
 * The letterbox's variables: an event-sourced service's (see `eventSourcedServiceVariables`),
 * and
 *
 * | variable | |
 * | --- | --- |
 * | `DOCUMENTS_TOPIC` | `letterbox.documents.v1` |
 * | `REGISTRY_URL` | the registry, asked who manages a business; without it business letters answer 503 |
 * | `LETTERBOX_TOKEN` / `LETTERBOX_TOKEN_FILE` / `LETTERBOX_SIGNING_KEY_FILE` | at most one: its agency token for the registry (organisation `letterbox`), a file holding one, or the local platform's private JWK to mint one; without any, business letters answer 503 |
 * | `REGISTRY_MANAGERS_TTL_MS` | 30000: how long the registry's answer on a business's managers is reused, so the longest a removed manager keeps access |
 * | `OUTBOUND_HTTP_TIMEOUT_MS` | 5000: time limit of each call to the registry |
 * | `LETTERBOX_DELIVERY_AGENTS` | `procedures`: organisations that may deliver on behalf of another (`onBehalfOf`), comma-separated; `none` for none |
 * | `LETTERBOX_REGISTRY_TOPIC` | `registry.events.v1`: the registry's internal topic, whose `PersonErased` erases the person's letters here |
 */
export const letterboxConfigSchema = z
  .object({
    ...eventSourcedServiceVariables(LETTERBOX_DEFAULTS),
    DOCUMENTS_TOPIC: envToken({ default: DOCUMENTS_TOPIC }),
    REGISTRY_URL: envUrl({ protocols: ['http', 'https'] }).optional(),
    LETTERBOX_TOKEN: envToken().optional(),
    LETTERBOX_TOKEN_FILE: envToken().optional(),
    LETTERBOX_SIGNING_KEY_FILE: envToken().optional(),
    REGISTRY_MANAGERS_TTL_MS: envInteger({ min: 0, max: 300_000, default: 30_000 }),
    OUTBOUND_HTTP_TIMEOUT_MS: envInteger({ min: 100, max: 60_000, default: 5_000 }),
    LETTERBOX_DELIVERY_AGENTS: envOrganisations(['procedures']),
    LETTERBOX_REGISTRY_TOPIC: envToken({ default: 'registry.events.v1' }),
  })
  .superRefine((env, context) => {
    checkAuthVariables(env, context);
    const given = [env.LETTERBOX_TOKEN, env.LETTERBOX_TOKEN_FILE, env.LETTERBOX_SIGNING_KEY_FILE];
    if (given.filter((value) => value !== undefined).length > 1) {
      context.addIssue({
        code: 'custom',
        path: ['LETTERBOX_TOKEN'],
        message:
          'set at most one of LETTERBOX_TOKEN, LETTERBOX_TOKEN_FILE and LETTERBOX_SIGNING_KEY_FILE',
      });
    }
  })
  .transform((env): LetterboxConfig => ({
    ...toEventSourcedServiceConfig(LETTERBOX_DEFAULTS.serviceName, env),
    documentsTopic: env.DOCUMENTS_TOPIC,
    registryUrl: env.REGISTRY_URL?.replace(/\/+$/, ''),
    serviceToken: ownTokenSource({
      token: env.LETTERBOX_TOKEN,
      tokenFile: env.LETTERBOX_TOKEN_FILE,
      signingKeyFile: env.LETTERBOX_SIGNING_KEY_FILE,
    }),
    managersTtlMs: env.REGISTRY_MANAGERS_TTL_MS,
    httpTimeoutMs: env.OUTBOUND_HTTP_TIMEOUT_MS,
    deliveryAgents: new Set(env.LETTERBOX_DELIVERY_AGENTS),
    registryTopic: env.LETTERBOX_REGISTRY_TOPIC,
  }));
