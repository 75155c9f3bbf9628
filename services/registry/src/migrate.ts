// The registry's migrations, as a deliberate deployment step: see `runMigrateStep`.
import { runMigrateStep } from '@gov/platform-service';
import { REGISTRY_SCHEMAS } from '@gov/registry-application';

import { REGISTRY_DEFAULTS } from './registry.config';

void runMigrateStep(REGISTRY_DEFAULTS, REGISTRY_SCHEMAS);
