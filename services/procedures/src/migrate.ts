// The procedures service's migrations, as a deliberate deployment step: see `runMigrateStep`.
import { PROCEDURES_SCHEMAS } from '@gov/procedures-application';
import { runMigrateStep } from '@gov/platform-service';

import { PROCEDURES_DEFAULTS } from './procedures.config';

void runMigrateStep(PROCEDURES_DEFAULTS, PROCEDURES_SCHEMAS);
