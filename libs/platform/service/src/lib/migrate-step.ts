import { Pool } from 'pg';
import { z } from 'zod';

import {
  KeyEncryptionKey,
  SubjectKeysTable1765000001000,
  rewrapSubjectKeys,
} from '@gov/platform-data-protection';
import { envToken, loadConfig, platformVariables } from '@gov/platform-config';
import type { PlatformConfigDefaults } from '@gov/platform-config';

import { migrateService } from './own-schema';
import type { ServiceSchemas } from './own-schema';

/**
 * The second step of a key-encryption key rotation (docs/operations/data-protection.md): with
 * previous keys in `DATA_KEK_FILE`, every subject key still wrapped under one of them is
 * re-wrapped under the current key. Nothing to do outside a rotation.
 */
async function rewrapStep(
  pool: Pool,
  schemas: ServiceSchemas,
  kekFile: string | undefined,
): Promise<Record<string, unknown>> {
  if (kekFile === undefined) return { keys: 'not re-wrapped: DATA_KEK_FILE is not set' };
  const kek = KeyEncryptionKey.fromFile(kekFile);
  if (kek.previousKeys === 0) return { keys: 'under the current key-encryption key' };
  const { checked, rewrapped } = await rewrapSubjectKeys(pool, schemas.ownSchema, kek);
  return { keys: 're-wrapped under the current key-encryption key', checked, rewrapped };
}

/**
 * A service's `migrate` program (its `migrate.ts` calls this): the event store's schema and the
 * service's own tables, each in one transaction under an advisory lock, so concurrent runs are
 * safe. The deliberate deployment step (`npx nx run <service>:migrate`, a Helm hook job,
 * `npm start` before it starts the service). Reads `DATABASE_URL` like the service, and for a
 * service that seals personal data `DATA_KEK_FILE`, to re-wrap its subject keys during a
 * key-encryption key rotation. Prints one JSON line per step and sets exit code 0, or one
 * fatal line and exit code 1.
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
    const { DATABASE_URL, DATA_KEK_FILE } = loadConfig(
      z.object({
        DATABASE_URL: platformVariables(defaults).DATABASE_URL,
        DATA_KEK_FILE: envToken().optional(),
      }),
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
      if (schemas.ownMigrations.includes(SubjectKeysTable1765000001000)) {
        line({ schema: schemas.ownSchema, ...(await rewrapStep(pool, schemas, DATA_KEK_FILE)) });
      }
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
