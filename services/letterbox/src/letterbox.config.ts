import { z } from 'zod';

import { checkAuthVariables } from '@gov/platform-auth';
import type { PlatformConfigDefaults } from '@gov/platform-config';
import { eventSourcedServiceVariables, toEventSourcedServiceConfig } from '@gov/platform-service';
import type { EventSourcedServiceConfig } from '@gov/platform-service';

/** The letterbox's own defaults. Its database is `letterbox`, made by provisioning. */
export const LETTERBOX_DEFAULTS: PlatformConfigDefaults = {
  serviceName: 'letterbox',
  httpPort: 3004,
  database: 'letterbox',
};

/** The letterbox's configuration: an event-sourced service's, nothing of its own yet. */
export type LetterboxConfig = EventSourcedServiceConfig;

/** The letterbox's variables: an event-sourced service's (see `eventSourcedServiceVariables`). */
export const letterboxConfigSchema = z
  .object({ ...eventSourcedServiceVariables(LETTERBOX_DEFAULTS) })
  .superRefine((env, context) => {
    checkAuthVariables(env, context);
  })
  .transform((env): LetterboxConfig =>
    toEventSourcedServiceConfig(LETTERBOX_DEFAULTS.serviceName, env),
  );
