// The audit service's migrations, as a deliberate deployment step: see `runMigrateStep`.
import { AUDIT_SCHEMAS } from '@gov/audit-application';
import { runMigrateStep } from '@gov/platform-service';

import { AUDIT_DEFAULTS } from './audit.config';

void runMigrateStep(AUDIT_DEFAULTS, AUDIT_SCHEMAS);
