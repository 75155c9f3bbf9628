import { z } from 'zod';

import { checkAuthVariables } from '@gov/platform-auth';
import { envToken } from '@gov/platform-config';
import type { PlatformConfigDefaults } from '@gov/platform-config';
import type { ReceiptKeySource } from '@gov/consent-application';
import { eventSourcedServiceVariables, toEventSourcedServiceConfig } from '@gov/platform-service';
import type { EventSourcedServiceConfig } from '@gov/platform-service';

/** The consent service's own defaults. Its database is `consent`, made by provisioning. */
export const CONSENT_DEFAULTS: PlatformConfigDefaults = {
  serviceName: 'consent',
  httpPort: 3003,
  database: 'consent',
};

/** The consent service's configuration. */
export interface ConsentConfig extends EventSourcedServiceConfig {
  /** The key that signs receipts: a shared folder (local) or a private JWK file (deployment). */
  readonly receiptKey: ReceiptKeySource;
  /** The legal-basis catalogue; `undefined`: the one shipped with the platform. */
  readonly legalBasesFile: string | undefined;
  /** The receipts' jurisdiction (ISO 3166-1 alpha-2). */
  readonly jurisdiction: string;
  /** The registry's internal topic, whose `PersonErased` events the service obeys. */
  readonly registryTopic: string;
}

/**
 * The consent service's variables: an event-sourced service's (see
 * `eventSourcedServiceVariables`), and
 *
 * | variable | |
 * | --- | --- |
 * | `RECEIPT_KEY_DIR` | a folder for the receipt signing key, created there on first start; every instance of both sites must get the same folder (or the same key file) |
 * | `RECEIPT_SIGNING_KEY_FILE` | instead: a private Ed25519 JWK (with `kid`) from a secret |
 * | `LEGAL_BASES_FILE` | the operator's legal-basis catalogue (default: `config/legal-bases.json`) |
 * | `RECEIPT_JURISDICTION` | `LU` |
 * | `CONSENT_REGISTRY_TOPIC` | the registry's internal topic, `registry.events.v1` (its erasures) |
 */
export const consentConfigSchema = z
  .object({
    ...eventSourcedServiceVariables(CONSENT_DEFAULTS),
    RECEIPT_KEY_DIR: envToken().optional(),
    RECEIPT_SIGNING_KEY_FILE: envToken().optional(),
    LEGAL_BASES_FILE: envToken().optional(),
    RECEIPT_JURISDICTION: envToken({ default: 'LU' }),
    CONSENT_REGISTRY_TOPIC: envToken({ default: 'registry.events.v1' }),
  })
  .superRefine((env, context) => {
    checkAuthVariables(env, context);
    if ((env.RECEIPT_KEY_DIR === undefined) === (env.RECEIPT_SIGNING_KEY_FILE === undefined)) {
      context.addIssue({
        code: 'custom',
        path: ['RECEIPT_KEY_DIR'],
        message: 'set exactly one of RECEIPT_KEY_DIR and RECEIPT_SIGNING_KEY_FILE',
      });
    }
  })
  .transform((env): ConsentConfig => ({
    ...toEventSourcedServiceConfig(CONSENT_DEFAULTS.serviceName, env),
    receiptKey:
      env.RECEIPT_KEY_DIR === undefined
        ? { privateKeyFile: env.RECEIPT_SIGNING_KEY_FILE ?? '' }
        : { dir: env.RECEIPT_KEY_DIR },
    legalBasesFile: env.LEGAL_BASES_FILE,
    jurisdiction: env.RECEIPT_JURISDICTION,
    registryTopic: env.CONSENT_REGISTRY_TOPIC,
  }));
