// The letterbox's migrations, as a deliberate deployment step: see `runMigrateStep`.
import { LETTERBOX_SCHEMAS } from '@gov/letterbox-application';
import { runMigrateStep } from '@gov/platform-service';

import { LETTERBOX_DEFAULTS } from './letterbox.config';

void runMigrateStep(LETTERBOX_DEFAULTS, LETTERBOX_SCHEMAS);
