import { KeyEncryptionKey, PostgresSubjectKeyStore } from '@gov/platform-data-protection';
import { Pool } from 'pg';
import type { DataSource } from 'typeorm';

import { PostgresEventStore } from '@gov/platform-event-sourcing';
import { createTestDatabase } from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';
import { composeNationalId } from '@gov/registry-domain';

import { AccessLog } from '../access/access-log';
import { BusinessService } from '../businesses/business.service';
import type { RegisterBusinessInput } from '../businesses/business.service';
import { PersonService } from '../persons/person.service';
import { systemClock } from '../ports';
import { LUXEMBOURG, anna, as, registrar } from '../../testing/registry-testbed';
import { PgBulkRegistrar } from './pg-bulk-registrar';
import { PgNumberAllocator, reseedAllocators } from './pg-stores';
import {
  APPLICATION_SCHEMA,
  EVENT_STORE_SCHEMA,
  createRegistryDataSource,
  migrateRegistry,
} from './registry-schema';

// Its own database: reseeding reads every registration of the store, so other tests' records
// would blur what it must find.
let database: TestDatabase;
let pool: Pool;
let dataSource: DataSource;

beforeAll(async () => {
  database = await createTestDatabase('registry_reseed');
  pool = new Pool({ connectionString: database.url, max: 4 });
  pool.on('error', () => undefined);
  await migrateRegistry(pool);
  dataSource = await createRegistryDataSource(pool);
});

afterAll(async () => {
  await dataSource.destroy();
  await pool.end();
  await database.drop();
});

const moselle = (name: string): RegisterBusinessInput => ({
  name,
  legalForm: 'SARL',
  registeredAddress: LUXEMBOURG,
  managers: [{ nationalId: composeNationalId('1983-08-12', 467), role: 'manager' }],
});

async function reseed(store: PostgresEventStore): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await reseedAllocators(client, store);
    await client.query('COMMIT');
  } finally {
    client.release();
  }
}

/** The registry's per-subject keys in its own schema, under a key-encryption key of the run. */
const KEK = KeyEncryptionKey.generate();
function subjectKeys(): PostgresSubjectKeyStore {
  return new PostgresSubjectKeyStore(pool, APPLICATION_SCHEMA, KEK);
}

describe('reseedAllocators (a promoted embassy)', () => {
  it('continues business and sequence numbers above every number in the log', async () => {
    const store = new PostgresEventStore({
      pool,
      schema: EVENT_STORE_SCHEMA,
      producer: 'registry',
    });
    const numbers = new PgNumberAllocator(pool);
    const businesses = new BusinessService(store, systemClock, numbers);
    const persons = new PersonService(
      store,
      subjectKeys(),
      systemClock,
      numbers,
      new AccessLog(store, systemClock),
      new PgBulkRegistrar(dataSource, store),
    );

    // Registrations as the primary makes them, numbers of one to four digits (the allocator
    // writes `B` and the number without padding).
    const businessNumbers: string[] = [];
    for (const next of [1, 2, 9, 10, 99, 100, 4711]) {
      await pool.query(`SELECT setval('"${APPLICATION_SCHEMA}".business_numbers', $1, false)`, [
        next,
      ]);
      const written = await businesses.register(as(registrar), moselle(`Business ${next}`));
      businessNumbers.push(written.businessNumber);
    }
    expect(businessNumbers).toEqual(['B1', 'B2', 'B9', 'B10', 'B99', 'B100', 'B4711']);
    const nationalIds: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      nationalIds.push(
        (await persons.register(as(registrar), anna({ birthDate: '1985-05-05' }))).nationalId,
      );
    }
    await pool.query(
      `UPDATE "${APPLICATION_SCHEMA}".person_sequences SET next_sequence = 500
       WHERE birth_date = '1985-05-05'`,
    );
    nationalIds.push(
      (await persons.register(as(registrar), anna({ birthDate: '1985-05-05' }))).nationalId,
    );
    await persons.registerMany(as(registrar), [anna({ birthDate: '1985-05-06' })]);
    expect(nationalIds.at(-1)).toBe(composeNationalId('1985-05-05', 500));

    // The embassy replayed that log; its allocation tables never saw a registration.
    await pool.query(
      `TRUNCATE "${APPLICATION_SCHEMA}".person_sequences;
       ALTER SEQUENCE "${APPLICATION_SCHEMA}".business_numbers RESTART`,
    );
    await reseed(store);

    expect(await numbers.nextBusinessNumber()).toBe(4712);
    expect(await numbers.nextPersonSequence('1985-05-05')).toBe(501);
    expect(await numbers.nextPersonSequence('1985-05-06')).toBe(1);
    expect(await numbers.nextPersonSequence('1985-05-07')).toBe(0);
    const next = await businesses.register(as(registrar), moselle('After promotion'));
    expect(next.businessNumber).toBe('B4713');

    // Never back: an allocator already past the log stays where it is.
    await pool.query(`SELECT setval('"${APPLICATION_SCHEMA}".business_numbers', 9000)`);
    await reseed(store);
    expect(await numbers.nextBusinessNumber()).toBe(9001);
    expect(await numbers.nextPersonSequence('1985-05-05')).toBe(502);
  });
});
