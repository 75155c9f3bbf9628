// The registry's migrations, as a deliberate deployment step (`npx nx run registry:migrate`, a
// Helm hook job, `npm start` before it starts the service): the event store's schema and the
// registry's own tables, each in one transaction under an advisory lock, so concurrent runs are
// safe. Reads DATABASE_URL like the service. Prints one JSON line per schema and exits 0, or one
// fatal line and exits 1.
import { Pool } from 'pg';
import { z } from 'zod';

import { loadConfig, platformVariables } from '@gov/platform-config';
import { APPLICATION_SCHEMA, EVENT_STORE_SCHEMA, migrateRegistry } from '@gov/registry-application';

import { REGISTRY_DEFAULTS } from './registry.config';

const configSchema = z.object({ DATABASE_URL: platformVariables(REGISTRY_DEFAULTS).DATABASE_URL });

function line(fields: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ service: 'registry', task: 'migrate', ...fields })}\n`);
}

async function main(): Promise<void> {
  const { DATABASE_URL } = loadConfig(configSchema);
  const pool = new Pool({
    connectionString: DATABASE_URL,
    max: 1,
    application_name: 'registry-migrate',
  });
  try {
    const { eventStore, own } = await migrateRegistry(pool);
    line({ schema: EVENT_STORE_SCHEMA, applied: eventStore.applied, version: eventStore.version });
    line({
      schema: APPLICATION_SCHEMA,
      applied: own.applied,
      version: own.version,
    });
  } finally {
    await pool.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${JSON.stringify({
      service: 'registry',
      task: 'migrate',
      level: 'fatal',
      msg: error instanceof Error ? error.message : String(error),
    })}\n`,
  );
  process.exitCode = 1;
});
