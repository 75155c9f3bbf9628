// The consent service's migrations, as a deliberate deployment step: see `runMigrateStep`.
import { CONSENT_SCHEMAS } from '@gov/consent-application';
import { runMigrateStep } from '@gov/platform-service';

import { CONSENT_DEFAULTS } from './consent.config';

void runMigrateStep(CONSENT_DEFAULTS, CONSENT_SCHEMAS);
