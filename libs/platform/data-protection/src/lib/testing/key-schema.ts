import { randomUUID } from 'node:crypto';

import type { Pool } from 'pg';
import { DataSource } from 'typeorm';

import { SubjectKeysTable1765000001000 } from '../postgres-subject-key-store';

/**
 * A schema of its own with the subject keys' tables, migrated by TypeORM as a service's own
 * migrations are: for tests, each of which is a site of its own. Resolves with its name.
 */
export async function migratedKeySchema(pool: Pool, databaseUrl: string): Promise<string> {
  const schema = `keys_${randomUUID().slice(0, 8)}`;
  await pool.query(`CREATE SCHEMA ${schema}`);
  const dataSource = new DataSource({
    type: 'postgres',
    url: databaseUrl,
    schema,
    migrations: [SubjectKeysTable1765000001000],
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
  });
  await dataSource.initialize();
  try {
    await dataSource.runMigrations();
  } finally {
    await dataSource.destroy();
  }
  return schema;
}
