import { z } from 'zod';

import { DOCUMENTS_TOPIC } from '@gov/letterbox-application';
import { checkAuthVariables } from '@gov/platform-auth';
import { envToken } from '@gov/platform-config';
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
}

/**
 * The letterbox's variables: an event-sourced service's (see `eventSourcedServiceVariables`),
 * and `DOCUMENTS_TOPIC` (`letterbox.documents.v1`).
 */
export const letterboxConfigSchema = z
  .object({
    ...eventSourcedServiceVariables(LETTERBOX_DEFAULTS),
    DOCUMENTS_TOPIC: envToken({ default: DOCUMENTS_TOPIC }),
  })
  .superRefine((env, context) => {
    checkAuthVariables(env, context);
  })
  .transform((env): LetterboxConfig => ({
    ...toEventSourcedServiceConfig(LETTERBOX_DEFAULTS.serviceName, env),
    documentsTopic: env.DOCUMENTS_TOPIC,
  }));
