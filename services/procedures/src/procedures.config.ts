import { z } from 'zod';

import { checkAuthVariables, ownTokenSource } from '@gov/platform-auth';
import type { OwnTokenSource } from '@gov/platform-auth';
import { envInteger, envToken, envUrl } from '@gov/platform-config';
import type { PlatformConfigDefaults } from '@gov/platform-config';
import { eventSourcedServiceVariables, toEventSourcedServiceConfig } from '@gov/platform-service';
import type { EventSourcedServiceConfig } from '@gov/platform-service';

/** The procedures service's own defaults. Its database is `procedures`, made by provisioning. */
export const PROCEDURES_DEFAULTS: PlatformConfigDefaults = {
  serviceName: 'procedures',
  httpPort: 3002,
  database: 'procedures',
};

/** The procedures service's configuration. */
export interface ProceduresConfig extends EventSourcedServiceConfig {
  /** `undefined` when not configured: prefill then answers 503. */
  readonly registryUrl: string | undefined;
  readonly consentUrl: string | undefined;
  /** `undefined` until a letterbox is deployed: decision letters then wait for one. */
  readonly letterboxUrl: string | undefined;
  readonly serviceToken: OwnTokenSource;
  /** The legal-basis catalogue; `undefined`: the one shipped with the platform. */
  readonly legalBasesFile: string | undefined;
  /** The procedure definitions' folder; `undefined`: the ones shipped with the application. */
  readonly catalogueDir: string | undefined;
  readonly previewTtlMs: number;
  readonly httpTimeoutMs: number;
  readonly letterGraceMs: number;
  /** The registry's public correction notices. */
  readonly correctionNoticesTopic: string;
  /** The registry's internal log, for its erasures (`PersonErased`). */
  readonly registryTopic: string;
}

const url = () => envUrl({ protocols: ['http', 'https'] });

/**
 * The procedures service's variables: an event-sourced service's (see
 * `eventSourcedServiceVariables`), and
 *
 * | variable | |
 * | --- | --- |
 * | `REGISTRY_URL`, `CONSENT_URL` | the services it reads; without them, previews and prefills answer 503 |
 * | `LETTERBOX_URL` | where decision letters go; without it they wait (the reactor retries) |
 * | `PROCEDURES_TOKEN` / `PROCEDURES_TOKEN_FILE` / `PROCEDURES_SIGNING_KEY_FILE` | exactly one: its agency token (organisation `procedures`), a file holding one (a deployment's client-credentials token, kept fresh by the identity provider's tooling), or the local platform's private JWK to mint one |
 * | `LEGAL_BASES_FILE` | the operator's legal-basis catalogue (default: the shipped one) |
 * | `PROCEDURE_CATALOGUE_DIR` | the folder of procedure definitions (default: the shipped ones) |
 * | `PREFILL_PREVIEW_TTL_MS` | 600000: how long a prefill preview can be used |
 * | `OUTBOUND_HTTP_TIMEOUT_MS` | 5000: time limit of each call to another service |
 * | `DECISION_LETTER_GRACE_MS` | 5000: how long after a decision the reactor takes over its letter |
 * | `CORRECTION_NOTICES_TOPIC` | `registry.correction-notices.v1`: the registry's correction notices |
 * | `PROCEDURES_REGISTRY_TOPIC` | `registry.events.v1`: the registry's log, whose erasures it obeys |
 */
export const proceduresConfigSchema = z
  .object({
    ...eventSourcedServiceVariables(PROCEDURES_DEFAULTS),
    REGISTRY_URL: url().optional(),
    CONSENT_URL: url().optional(),
    LETTERBOX_URL: url().optional(),
    PROCEDURES_TOKEN: envToken().optional(),
    PROCEDURES_TOKEN_FILE: envToken().optional(),
    PROCEDURES_SIGNING_KEY_FILE: envToken().optional(),
    LEGAL_BASES_FILE: envToken().optional(),
    PROCEDURE_CATALOGUE_DIR: envToken().optional(),
    PREFILL_PREVIEW_TTL_MS: envInteger({ min: 1_000, max: 86_400_000, default: 600_000 }),
    OUTBOUND_HTTP_TIMEOUT_MS: envInteger({ min: 100, max: 60_000, default: 5_000 }),
    DECISION_LETTER_GRACE_MS: envInteger({ min: 0, max: 3_600_000, default: 5_000 }),
    CORRECTION_NOTICES_TOPIC: envToken({ default: 'registry.correction-notices.v1' }),
    PROCEDURES_REGISTRY_TOPIC: envToken({ default: 'registry.events.v1' }),
  })
  .superRefine((env, context) => {
    checkAuthVariables(env, context);
    const given = [
      env.PROCEDURES_TOKEN,
      env.PROCEDURES_TOKEN_FILE,
      env.PROCEDURES_SIGNING_KEY_FILE,
    ];
    if (given.filter((value) => value !== undefined).length !== 1) {
      context.addIssue({
        code: 'custom',
        path: ['PROCEDURES_TOKEN'],
        message:
          'set exactly one of PROCEDURES_TOKEN, PROCEDURES_TOKEN_FILE and PROCEDURES_SIGNING_KEY_FILE',
      });
    }
  })
  .transform((env): ProceduresConfig => ({
    ...toEventSourcedServiceConfig(PROCEDURES_DEFAULTS.serviceName, env),
    registryUrl: env.REGISTRY_URL?.replace(/\/+$/, ''),
    consentUrl: env.CONSENT_URL?.replace(/\/+$/, ''),
    letterboxUrl: env.LETTERBOX_URL?.replace(/\/+$/, ''),
    // Exactly one is given (checked above).
    serviceToken: ownTokenSource({
      token: env.PROCEDURES_TOKEN,
      tokenFile: env.PROCEDURES_TOKEN_FILE,
      signingKeyFile: env.PROCEDURES_SIGNING_KEY_FILE,
    }) as OwnTokenSource,
    legalBasesFile: env.LEGAL_BASES_FILE,
    catalogueDir: env.PROCEDURE_CATALOGUE_DIR,
    previewTtlMs: env.PREFILL_PREVIEW_TTL_MS,
    httpTimeoutMs: env.OUTBOUND_HTTP_TIMEOUT_MS,
    letterGraceMs: env.DECISION_LETTER_GRACE_MS,
    correctionNoticesTopic: env.CORRECTION_NOTICES_TOPIC,
    registryTopic: env.PROCEDURES_REGISTRY_TOPIC,
  }));
