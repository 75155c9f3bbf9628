// Enrols a registrar with their own national identification number, which deciding on
// correction requests needs (a registrar never decides on their own record or request) and the
// identity provider's tokens do not carry:
//   npx nx run registry:enrol-registrar -- <staff id> <national id>
// Reads DATABASE_URL like the service; the registry must be migrated.
import { Pool } from 'pg';
import { z } from 'zod';

import { loadConfig, platformVariables } from '@gov/platform-config';
import {
  PgRegistrarDirectory,
  createRegistryDataSource,
  verifyRegistrySchema,
} from '@gov/registry-application';
import { parseNationalId } from '@gov/registry-domain';

import { REGISTRY_DEFAULTS } from './registry.config';

const configSchema = z.object({ DATABASE_URL: platformVariables(REGISTRY_DEFAULTS).DATABASE_URL });

async function main(args: readonly string[]): Promise<void> {
  const [registrarId, nationalId] = args;
  if (!registrarId || !nationalId) {
    throw new Error('usage: enrol-registrar <staff id> <national identification number>');
  }
  const parsed = parseNationalId(nationalId);
  if (!parsed.ok) throw new Error(`${nationalId}: ${parsed.problem.detail}`);
  const { DATABASE_URL } = loadConfig(configSchema);
  const pool = new Pool({ connectionString: DATABASE_URL, max: 1 });
  try {
    await verifyRegistrySchema(pool);
    const dataSource = await createRegistryDataSource(pool);
    try {
      await new PgRegistrarDirectory(dataSource.manager).enrol(registrarId, parsed.value);
    } finally {
      await dataSource.destroy();
    }
    process.stdout.write(`registrar ${registrarId} enrolled\n`);
  } finally {
    await pool.end();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
