import { Pool } from 'pg';

import { KeyEncryptionKey, PostgresSubjectKeyStore } from '@gov/platform-data-protection';
import { DomainRejection } from '@gov/platform-decider';
import { PostgresEventStore } from '@gov/platform-event-sourcing';
import type { Principal } from '@gov/platform-auth';
import { createTestDatabase } from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';

import { AccessLog } from '../access/access-log';
import { BusinessService } from '../businesses/business.service';
import { PersonService } from '../persons/person.service';
import { systemClock } from '../ports';
import { PgBulkRegistrar } from '../postgres/pg-bulk-registrar';
import { PgNumberAllocator } from '../postgres/pg-stores';
import {
  APPLICATION_SCHEMA,
  EVENT_STORE_SCHEMA,
  createRegistryDataSource,
  migrateRegistry,
} from '../postgres/registry-schema';
import { streamIds } from '../streams';
import { LUXEMBOURG, anna, as, registrar } from '../../testing/registry-testbed';
import { VehicleService } from './vehicle.service';

const vehicleRegistrar: Principal = {
  kind: 'registrar',
  subject: 'clerk-5',
  registers: ['vehicles'],
  organisationId: 'snca',
};

let database: TestDatabase;
let pool: Pool;
let store: PostgresEventStore;
let persons: PersonService;
let businesses: BusinessService;
let vehicles: VehicleService;
let closeDataSource: () => Promise<void>;

beforeAll(async () => {
  database = await createTestDatabase('registry_vehicles');
  pool = new Pool({ connectionString: database.url, max: 10 });
  pool.on('error', () => undefined);
  await migrateRegistry(pool);
  const dataSource = await createRegistryDataSource(pool);
  closeDataSource = () => dataSource.destroy();
  store = new PostgresEventStore({ pool, schema: EVENT_STORE_SCHEMA, producer: 'registry' });
  const numbers = new PgNumberAllocator(pool);
  persons = new PersonService(
    store,
    new PostgresSubjectKeyStore(pool, APPLICATION_SCHEMA, KeyEncryptionKey.generate()),
    systemClock,
    numbers,
    new AccessLog(store, systemClock),
    new PgBulkRegistrar(dataSource, store),
  );
  businesses = new BusinessService(store, systemClock, numbers);
  vehicles = new VehicleService(store, systemClock, undefined, new AccessLog(store, systemClock));
});

afterAll(async () => {
  await closeDataSource();
  await pool.end();
  await database.drop();
});

describe('the register of vehicles on PostgreSQL', () => {
  it('keeps a vehicle’s life in its own stream, owners looked up in theirs', async () => {
    const { nationalId } = await persons.register(as(registrar), anna());
    const { businessNumber } = await businesses.register(as(registrar), {
      name: 'Moselle Logistics',
      legalForm: 'SARL',
      registeredAddress: LUXEMBOURG,
      managers: [{ nationalId, role: 'manager' }],
    });

    await vehicles.register(as(vehicleRegistrar), {
      registrationNumber: 'LU 0001',
      owner: { kind: 'person', nationalId },
      make: 'Škoda',
      model: 'Octavia Combi',
      firstRegistration: '2019-09-30',
    });
    await vehicles.transferOwnership(as(vehicleRegistrar), 'LU0001', {
      kind: 'business',
      businessNumber,
    });
    await businesses.strikeOff(as(registrar), businessNumber, {
      effectiveDate: '2026-01-31',
      ground: 'dissolution',
    });

    const rows = await pool.query<{ event_type: string; stream_version: string }>(
      `SELECT event_type, stream_version FROM ${EVENT_STORE_SCHEMA}.events
        WHERE stream_id = $1 ORDER BY stream_version`,
      [streamIds.vehicle('LU0001')],
    );
    expect(rows.rows.map((row) => row.event_type)).toEqual([
      'gov.registry.vehicles.v1.VehicleRegistered',
      'gov.registry.vehicles.v1.VehicleOwnershipTransferred',
    ]);
    expect(await vehicles.get(as(vehicleRegistrar), 'lu0001')).toMatchObject({
      version: 2,
      owner: { kind: 'business', businessNumber },
      make: 'Škoda',
    });
    // A struck-off business is no longer on record as a new owner (the vehicle it holds stays
    // its own: a transfer to it again decides nothing).
    await vehicles.register(as(vehicleRegistrar), {
      registrationNumber: 'LU 0002',
      owner: { kind: 'person', nationalId },
      make: 'Renault',
      model: 'Kangoo',
      firstRegistration: '2018-03-01',
    });
    await expect(
      vehicles.transferOwnership(as(vehicleRegistrar), 'LU0002', {
        kind: 'business',
        businessNumber,
      }),
    ).rejects.toMatchObject({ code: 'OWNER_NOT_ON_RECORD' });
    await expect(
      vehicles.transferOwnership(as(vehicleRegistrar), 'LU0001', {
        kind: 'business',
        businessNumber,
      }),
    ).resolves.toMatchObject({ version: 2, changed: false });
  });

  it('registers a number once when two registrations race for it', async () => {
    const { nationalId } = await persons.register(as(registrar), anna({ givenNames: 'Ben' }));
    const input = {
      registrationNumber: 'RC 4242',
      owner: { kind: 'person', nationalId } as const,
      make: 'Peugeot',
      model: '208',
      firstRegistration: '2024-02-01',
    };

    const outcomes = await Promise.allSettled(
      Array.from({ length: 4 }, () => vehicles.register(as(vehicleRegistrar), input)),
    );

    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') {
        expect(outcome.reason).toBeInstanceOf(DomainRejection);
        expect((outcome.reason as DomainRejection).code).toBe('ALREADY_REGISTERED');
      }
    }
    expect(await store.readStream(streamIds.vehicle('RC4242'))).toHaveLength(1);
  });

  it('shows an owner whose data was erased as erased, from the person’s stream', async () => {
    const { nationalId } = await persons.register(as(registrar), anna({ givenNames: 'Carla' }));
    await vehicles.register(as(vehicleRegistrar), {
      registrationNumber: 'ER 1000',
      owner: { kind: 'person', nationalId },
      make: 'Renault',
      model: 'Clio',
      firstRegistration: '2015-05-05',
    });

    await persons.erase(as(registrar), nationalId, { legalGround: 'GDPR Art. 17(1)(a)' });

    expect((await vehicles.get(as(vehicleRegistrar), 'ER1000')).owner).toEqual({
      kind: 'person',
      erased: true,
    });
  });
});
