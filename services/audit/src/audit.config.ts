import { z } from 'zod';

import { DEFAULT_FEED_TOPIC_TEMPLATE } from '@gov/audit-application';
import { checkAuthVariables } from '@gov/platform-auth';
import { envEnum, envInteger, envToken, envVariable } from '@gov/platform-config';
import type { PlatformConfigDefaults } from '@gov/platform-config';
import { eventSourcedServiceVariables, toEventSourcedServiceConfig } from '@gov/platform-service';
import type { EventSourcedServiceConfig } from '@gov/platform-service';

/** The audit service's own defaults: database `audit`, created by provisioning. */
export const AUDIT_DEFAULTS: PlatformConfigDefaults = {
  serviceName: 'audit',
  httpPort: 3005,
  database: 'audit',
};

/** The audit service's configuration. */
export interface AuditConfig extends EventSourcedServiceConfig {
  readonly treeHeads: {
    /** The Ed25519 private JWK that signs tree heads. */
    readonly keyFile: string;
    /** Create the key file when it is missing (local development only). */
    readonly createKey: boolean;
    /** How often a tree head is published when the tree grew (0: only on demand). */
    readonly intervalMs: number;
  };
  /** The topics whose events report accesses. */
  readonly sources: {
    readonly registryTopic: string;
    readonly consentTopic: string;
    readonly letterboxTopic: string;
  };
  /** The agencies' change feeds, whose deliveries are accesses. */
  readonly feeds: {
    /** The topic of an organisation's feed, `{organisation}` standing for its id. */
    readonly topicTemplate: string;
  };
  /** The operator's legal-basis catalogue file; the shipped one when unset. */
  readonly legalBasesFile: string | undefined;
}

/**
 * The audit service's variables: an event-sourced service's (see
 * `eventSourcedServiceVariables`), and
 *
 * | variable | |
 * |---|---|
 * | `AUDIT_SIGNING_KEY_FILE` | the Ed25519 private JWK that signs tree heads (required) |
 * | `AUDIT_SIGNING_KEY_CREATE` | `true`: generate the key file when missing (local only); `false` by default |
 * | `AUDIT_TREE_HEAD_INTERVAL_MS` | publish a tree head this often when the tree grew, 10 000 by default; 0 only on demand |
 * | `AUDIT_REGISTRY_TOPIC` | the registry's internal topic, `registry.events.v1` |
 * | `AUDIT_CONSENT_TOPIC` | the consent service's internal topic, `consent.events.v1` |
 * | `AUDIT_LETTERBOX_TOPIC` | the letterbox service's internal topic, `letterbox.events.v1` |
 * | `AUDIT_FEED_TOPIC_TEMPLATE` | an agency feed's topic, `registry.changes.{organisation}.v1` |
 * | `LEGAL_BASES_FILE` | the operator's legal-basis catalogue (its `feeds` are consumed; default: the shipped one) |
 */
export const auditConfigSchema = z
  .object({
    ...eventSourcedServiceVariables(AUDIT_DEFAULTS),
    AUDIT_SIGNING_KEY_FILE: envToken(),
    AUDIT_SIGNING_KEY_CREATE: envEnum(['true', 'false'], { default: 'false' }),
    AUDIT_TREE_HEAD_INTERVAL_MS: envInteger({ min: 0, max: 24 * 3600_000, default: 10_000 }),
    AUDIT_REGISTRY_TOPIC: envToken({ default: 'registry.events.v1' }),
    AUDIT_CONSENT_TOPIC: envToken({ default: 'consent.events.v1' }),
    AUDIT_LETTERBOX_TOPIC: envToken({ default: 'letterbox.events.v1' }),
    AUDIT_FEED_TOPIC_TEMPLATE: envVariable(
      (value) =>
        value.includes('{organisation}') && !/\s/.test(value)
          ? { ok: true, value }
          : { ok: false, expected: 'a topic name containing {organisation}' },
      DEFAULT_FEED_TOPIC_TEMPLATE,
    ),
    LEGAL_BASES_FILE: envToken().optional(),
  })
  .superRefine(checkAuthVariables)
  .transform((env): AuditConfig => ({
    ...toEventSourcedServiceConfig(AUDIT_DEFAULTS.serviceName, env),
    treeHeads: {
      keyFile: env.AUDIT_SIGNING_KEY_FILE,
      createKey: env.AUDIT_SIGNING_KEY_CREATE === 'true',
      intervalMs: env.AUDIT_TREE_HEAD_INTERVAL_MS,
    },
    sources: {
      registryTopic: env.AUDIT_REGISTRY_TOPIC,
      consentTopic: env.AUDIT_CONSENT_TOPIC,
      letterboxTopic: env.AUDIT_LETTERBOX_TOPIC,
    },
    feeds: { topicTemplate: env.AUDIT_FEED_TOPIC_TEMPLATE },
    legalBasesFile: env.LEGAL_BASES_FILE,
  }));
