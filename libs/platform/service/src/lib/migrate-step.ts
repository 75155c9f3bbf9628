import { Pool } from 'pg';
import { z } from 'zod';

import { loadConfig, platformVariables } from '@gov/platform-config';
import type { PlatformConfigDefaults } from '@gov/platform-config';

import { migrateService } from './own-schema';
import type { ServiceSchemas } from './own-schema';

/**
 * A service's `migrate` program (its `migrate.ts` calls this): the event store's schema and the
 * service's own tables, each in one transaction under an advisory lock, so concurrent runs are
 * safe. The deliberate deployment step (`npx nx run <service>:migrate`, a Helm hook job,
 * `npm start` before it starts the service). Reads `DATABASE_URL` like the service. Prints one
 * JSON line per schema and sets exit code 0, or one fatal line and exit code 1.
 */
export async function runMigrateStep(
  defaults: PlatformConfigDefaults,
  schemas: ServiceSchemas,
): Promise<void> {
  const line = (fields: Record<string, unknown>): void => {
    process.stdout.write(
      `${JSON.stringify({ service: defaults.serviceName, task: 'migrate', ...fields })}\n`,
    );
  };
  try {
    const { DATABASE_URL } = loadConfig(
      z.object({ DATABASE_URL: platformVariables(defaults).DATABASE_URL }),
    );
    const pool = new Pool({
      connectionString: DATABASE_URL,
      max: 1,
      application_name: `${defaults.serviceName}-migrate`,
    });
    try {
      const { eventStore, own } = await migrateService(pool, schemas);
      line({ schema: schemas.eventStoreSchema, ...eventStore });
      line({ schema: schemas.ownSchema, ...own });
    } finally {
      await pool.end();
    }
  } catch (error) {
    process.stderr.write(
      `${JSON.stringify({
        service: defaults.serviceName,
        task: 'migrate',
        level: 'fatal',
        msg: error instanceof Error ? error.message : String(error),
      })}\n`,
    );
    process.exitCode = 1;
  }
}
