import { KeyEncryptionKey, KeyRing, PostgresSubjectKeyStore } from '@gov/platform-data-protection';
import { Pool } from 'pg';
import type { DataSource } from 'typeorm';

import { PostgresEventStore, ProjectionRunner, migrate } from '@gov/platform-event-sourcing';
import { OwnSchemaNotMigratedError } from '@gov/platform-service';
import { createTestDatabase } from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';
import { composeNationalId } from '@gov/registry-domain';

import { AccessLog } from '../access/access-log';
import { BusinessService } from '../businesses/business.service';
import { correctionEventsCodec } from '../codecs/correction-events.codec';
import {
  acceptanceOf,
  applyAcceptedCorrection,
  noticeIdFor,
} from '../corrections/apply-accepted-correction';
import { CorrectionService } from '../corrections/correction.service';
import { CorrectionsReactor } from '../corrections/corrections.reactor';
import { PersonService } from '../persons/person.service';
import { PgBulkRegistrar } from './pg-bulk-registrar';
import { PgCorrectionsEventStore } from './pg-corrections-event-store';
import { systemClock } from '../ports';
import { streamIds } from '../streams';
import { ESCH, LUXEMBOURG, anna, as, citizen, registrar } from '../../testing/registry-testbed';
import {
  PgBusinessManagersReadModel,
  PgCorrectionsReadModel,
  PgNumberAllocator,
  PgRegistrarDirectory,
  pgBusinessManagersProjection,
  pgCorrectionsProjection,
} from './pg-stores';
import {
  APPLICATION_SCHEMA,
  EVENT_STORE_SCHEMA,
  REGISTRY_MIGRATIONS,
  REGISTRY_SQL_MIGRATIONS,
  REQUIRED_REGISTRY_MIGRATION,
  createRegistryDataSource,
  migrateRegistry,
  verifyRegistrySchema,
} from './registry-schema';

let database: TestDatabase;
let pool: Pool;
let dataSource: DataSource;

beforeAll(async () => {
  database = await createTestDatabase('registry_app');
  pool = new Pool({ connectionString: database.url, max: 20 });
  // Dropping the database at the end may terminate a connection the pool is closing.
  pool.on('error', () => undefined);
  dataSource = await createRegistryDataSource(pool);
});

afterAll(async () => {
  await dataSource.destroy();
  await pool.end();
  await database.drop();
});

/** The registry's per-subject keys in its own schema, under a key-encryption key of the run. */
const KEK = KeyEncryptionKey.generate();
function subjectKeys(): PostgresSubjectKeyStore {
  return new PostgresSubjectKeyStore(pool, APPLICATION_SCHEMA, KEK);
}

describe('registry schema', () => {
  it('refuses to run before migrating, migrates both schemas once, then verifies', async () => {
    await expect(verifyRegistrySchema(pool)).rejects.toThrow(OwnSchemaNotMigratedError);

    const [first, concurrent] = await Promise.all([migrateRegistry(pool), migrateRegistry(pool)]);
    const again = await migrateRegistry(pool);

    const applied = [first, concurrent].map((r) => r.own.applied.length).sort();
    expect(applied).toEqual([0, REGISTRY_MIGRATIONS.length]);
    expect(again.own).toEqual({ applied: [], version: REQUIRED_REGISTRY_MIGRATION });
    expect(again.eventStore.applied).toEqual([]);
    await expect(verifyRegistrySchema(pool)).resolves.toBeUndefined();
    const { rows } = await pool.query<{ schema_name: string }>(
      `SELECT schema_name FROM information_schema.schemata WHERE schema_name = ANY($1) ORDER BY 1`,
      [[EVENT_STORE_SCHEMA, APPLICATION_SCHEMA]],
    );
    expect(rows.map((r) => r.schema_name)).toEqual([EVENT_STORE_SCHEMA, APPLICATION_SCHEMA]);
  });
});

describe('a registry migrated by the SQL runner', () => {
  it('moves to TypeORM migrations with nothing applied twice and its data kept', async () => {
    const old = await createTestDatabase('registry_sql_runner');
    const oldPool = new Pool({ connectionString: old.url, max: 2 });
    oldPool.on('error', () => undefined);
    try {
      await migrate(oldPool, { schema: EVENT_STORE_SCHEMA });
      await migrate(oldPool, { schema: APPLICATION_SCHEMA, migrations: REGISTRY_SQL_MIGRATIONS });
      await oldPool.query(
        `INSERT INTO ${APPLICATION_SCHEMA}.person_sequences VALUES ('1960-01-01', 7);
         SELECT nextval('${APPLICATION_SCHEMA}.business_numbers');
         INSERT INTO ${APPLICATION_SCHEMA}.registrars (registrar_id, national_id)
           VALUES ('clerk-9', '1960010100712')`,
      );

      const moved = await migrateRegistry(oldPool);
      const again = await migrateRegistry(oldPool);

      expect(moved.own.applied).toEqual(REGISTRY_MIGRATIONS.map((m) => m.name));
      expect(again.own).toEqual({ applied: [], version: REQUIRED_REGISTRY_MIGRATION });
      await expect(verifyRegistrySchema(oldPool)).resolves.toBeUndefined();
      const kept = await oldPool.query<{ next_sequence: number; last_value: string }>(
        `SELECT s.next_sequence, b.last_value::text FROM ${APPLICATION_SCHEMA}.person_sequences s,
           ${APPLICATION_SCHEMA}.business_numbers b`,
      );
      expect(kept.rows).toEqual([{ next_sequence: 7, last_value: '1' }]);
      const legacy = await oldPool.query<{ version: number }>(
        `SELECT max(version) AS version FROM ${APPLICATION_SCHEMA}.schema_migrations`,
      );
      expect(legacy.rows[0]?.version).toBe(REGISTRY_SQL_MIGRATIONS.length);
    } finally {
      await oldPool.end();
      await old.drop();
    }
  });
});

describe('PgNumberAllocator', () => {
  it('never hands out a sequence number twice, also to concurrent callers', async () => {
    const numbers = new PgNumberAllocator(pool);

    const sequences = await Promise.all(
      Array.from({ length: 40 }, () => numbers.nextPersonSequence('2001-02-03')),
    );
    const other = await numbers.nextPersonSequence('2001-02-04');

    expect([...sequences].sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(
      Array.from({ length: 40 }, (_, i) => i),
    );
    expect(other).toBe(0);
  });

  it('says when the 1000 numbers of a birth date are used up', async () => {
    const numbers = new PgNumberAllocator(pool);
    await pool.query(
      `INSERT INTO ${APPLICATION_SCHEMA}.person_sequences (birth_date, next_sequence)
       VALUES ('1999-12-31', 998)`,
    );

    expect(await numbers.nextPersonSequence('1999-12-31')).toBe(998);
    expect(await numbers.nextPersonSequence('1999-12-31')).toBe(999);
    expect(await numbers.nextPersonSequence('1999-12-31')).toBeUndefined();
  });

  it('hands out business numbers in increasing order', async () => {
    const numbers = new PgNumberAllocator(pool);
    const a = await numbers.nextBusinessNumber();
    const b = await numbers.nextBusinessNumber();
    expect(b).toBe((a ?? 0) + 1);
  });
});

describe('use cases on PostgreSQL', () => {
  const store = () =>
    new PostgresEventStore({ pool, schema: EVENT_STORE_SCHEMA, producer: 'registry' });
  const persons = () =>
    new PersonService(
      store(),
      subjectKeys(),
      systemClock,
      new PgNumberAllocator(pool),
      new AccessLog(store(), systemClock),
      new PgBulkRegistrar(dataSource, store()),
    );

  it('rolls the numbers TypeORM allocated back with a bulk append that fails', async () => {
    const real = store();
    // An append that goes through and then fails, in the registrar's transaction: neither the
    // allocation (TypeORM) nor the events (the event store) may stay.
    const failing = Object.create(real) as PostgresEventStore;
    failing.startStreams = async (...args: Parameters<PostgresEventStore['startStreams']>) => {
      await real.startStreams(...args);
      throw new Error('failure after the append');
    };
    const service = new PersonService(
      real,
      subjectKeys(),
      systemClock,
      new PgNumberAllocator(pool),
      new AccessLog(real, systemClock),
      new PgBulkRegistrar(dataSource, failing),
    );
    const id = composeNationalId('1944-04-04', 0);

    await expect(
      service.registerMany(as(registrar), [anna({ birthDate: '1944-04-04' })]),
    ).rejects.toThrow('failure after the append');

    const sequences = await pool.query(
      `SELECT 1 FROM ${APPLICATION_SCHEMA}.person_sequences WHERE birth_date = '1944-04-04'`,
    );
    expect(sequences.rowCount).toBe(0);
    expect(await real.existingStreams([id])).toEqual(new Set());
  });

  it('registers concurrently without two people sharing a number', async () => {
    const service = persons();

    const registered = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        service.register(
          as(registrar),
          anna({ birthDate: '1988-04-04', givenNames: `Person ${i}` }),
        ),
      ),
    );

    const ids = registered.map((r) => r.nationalId);
    expect(new Set(ids).size).toBe(12);
    expect(ids.every((id) => id.startsWith('19880404'))).toBe(true);
  });

  it('registers in bulk, concurrently with single registrations, without sharing a number', async () => {
    const service = persons();
    const batch = (n: number, offset: number) =>
      Array.from({ length: n }, (_, i) =>
        anna({
          birthDate: i % 2 === 0 ? '1990-01-01' : '1990-01-02',
          givenNames: `B${offset + i}`,
        }),
      );

    const [first, second, single] = await Promise.all([
      service.registerMany(as(registrar), batch(40, 0)),
      service.registerMany(as(registrar), batch(40, 100)),
      service.register(as(registrar), anna({ birthDate: '1990-01-02', givenNames: 'Single' })),
    ]);

    const ids = [...first.registered, ...second.registered].map((r) => r.nationalId);
    ids.push(single.nationalId);
    expect(new Set(ids).size).toBe(81);
    expect(ids.filter((id) => id.startsWith('19900101'))).toHaveLength(40);
    const stored = await store().readStream(first.registered[3]?.nationalId ?? '');
    expect(stored).toHaveLength(1);
    expect(first.registered[3]).toEqual({
      nationalId: stored[0]?.streamId,
      version: 1,
      changed: true,
    });
  });

  it('skips numbers taken outside the allocator, and registers nothing from an exhausted date', async () => {
    const service = persons();
    // The allocator forgets (a restored backup, an import): it would hand out 0 again, taken.
    const taken = composeNationalId('1991-05-05', 0);
    await service.register(as(registrar), anna({ birthDate: '1991-05-05', givenNames: 'First' }));
    await pool.query(`DELETE FROM registry_app.person_sequences WHERE birth_date = '1991-05-05'`);
    const { registered } = await service.registerMany(as(registrar), [
      anna({ birthDate: '1991-05-05', givenNames: 'Second' }),
    ]);
    expect(registered[0]?.nationalId).not.toBe(taken);
    expect(registered[0]?.nationalId).toBe(composeNationalId('1991-05-05', 1));

    await pool.query(
      `INSERT INTO registry_app.person_sequences (birth_date, next_sequence) VALUES ('1992-02-02', 999)`,
    );
    const before = (await pool.query('SELECT count(*) AS n FROM registry.events')).rows[0] as {
      n: string;
    };
    await expect(
      service.registerMany(as(registrar), [
        anna({ birthDate: '1991-05-05', givenNames: 'Would fit' }),
        anna({ birthDate: '1992-02-02', givenNames: 'Last one' }),
        anna({ birthDate: '1992-02-02', givenNames: 'One too many' }),
      ]),
    ).rejects.toMatchObject({ kind: 'conflict' });
    const after = (await pool.query('SELECT count(*) AS n FROM registry.events')).rows[0] as {
      n: string;
    };
    expect(after.n).toBe(before.n);
    const sequences = await pool.query<{ birth_date: string; next_sequence: number }>(
      `SELECT to_char(birth_date, 'YYYY-MM-DD') AS birth_date, next_sequence
       FROM registry_app.person_sequences WHERE birth_date IN ('1991-05-05', '1992-02-02')
       ORDER BY birth_date`,
    );
    expect(sequences.rows).toEqual([
      { birth_date: '1991-05-05', next_sequence: 2 },
      { birth_date: '1992-02-02', next_sequence: 999 },
    ]);
  });

  it('reads a record as of an instant by the time PostgreSQL recorded each change', async () => {
    const service = persons();
    const { nationalId } = await service.register(as(registrar), anna());
    const between = new Date();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await service.changeAddress(as(registrar), nationalId, ESCH);

    expect(await service.get(as(citizen(nationalId)), nationalId, between)).toMatchObject({
      version: 1,
      address: { locality: 'Luxembourg' },
    });
    expect(await service.get(as(citizen(nationalId)), nationalId)).toMatchObject({
      version: 2,
      address: ESCH,
    });
  });

  it('undoes a correction request whose read-model row cannot be written', async () => {
    const eventStore = store();
    const corrections = new CorrectionService(
      new PgCorrectionsEventStore(eventStore, dataSource),
      subjectKeys(),
      systemClock,
      new PgCorrectionsReadModel(dataSource.manager),
      new PgRegistrarDirectory(dataSource.manager),
    );
    const { nationalId } = await persons().register(
      as(registrar),
      anna({ birthDate: '1966-06-06' }),
    );
    const requests = async () =>
      (
        await pool.query(
          `SELECT 1 FROM ${EVENT_STORE_SCHEMA}.events
           WHERE event_type = 'gov.registry.v1.CorrectionRequested'`,
        )
      ).rowCount;
    const before = await requests();
    // The read model refuses this one row: its append must not stay either.
    await pool.query(
      `ALTER TABLE ${APPLICATION_SCHEMA}.corrections
         ADD CONSTRAINT refuse_in_test CHECK (record_id <> '${nationalId}')`,
    );
    try {
      await expect(
        corrections.request(as(citizen(nationalId)), {
          target: {
            register: 'persons',
            recordId: nationalId,
            correction: { field: 'givenNames', value: 'Anne' },
          },
          justification: 'Anne, not Anna.',
        }),
      ).rejects.toThrow();
    } finally {
      await pool.query(
        `ALTER TABLE ${APPLICATION_SCHEMA}.corrections DROP CONSTRAINT refuse_in_test`,
      );
    }

    expect(await requests()).toBe(before);
    expect(await corrections.list(as(citizen(nationalId)))).toEqual([]);
  });

  it('lists the businesses a person manages from the projected read model, rebuilt from the log alone', async () => {
    const eventStore = store();
    const readModel = new PgBusinessManagersReadModel(dataSource.manager);
    const businesses = new BusinessService(
      eventStore,
      systemClock,
      new PgNumberAllocator(pool),
      undefined,
      readModel,
    );
    const carla = composeNationalId('1981-01-21', 4);
    const dan = composeNationalId('1982-02-22', 5);
    const first = await businesses.register(as(registrar), {
      name: 'Carla & Dan',
      legalForm: 'SNC',
      registeredAddress: LUXEMBOURG,
      managers: [
        { nationalId: carla, role: 'manager' },
        { nationalId: dan, role: 'manager' },
      ],
    });
    const second = await businesses.register(as(registrar), {
      name: 'Carla Consulting',
      legalForm: 'SARL-S',
      registeredAddress: ESCH,
      managers: [{ nationalId: carla, role: 'managing-director' }],
    });
    await businesses.changeManagers(as(registrar), first.businessNumber, [
      { nationalId: dan, role: 'managing-director' },
    ]);
    while ((await eventStore.sequence()).assigned > 0) {
      // position everything
    }
    const runner = new ProjectionRunner({
      pool,
      schema: EVENT_STORE_SCHEMA,
      store: eventStore,
      projection: pgBusinessManagersProjection(dataSource),
    });
    await runner.catchUp();

    expect(await businesses.managedBy(as(citizen(carla)), carla)).toEqual({
      nationalId: carla,
      businesses: [
        {
          businessNumber: second.businessNumber,
          name: 'Carla Consulting',
          legalForm: 'SARL-S',
          status: 'active',
          role: 'managing-director',
        },
      ],
    });
    expect(await readModel.managedBy(dan)).toEqual([
      { businessNumber: first.businessNumber, nationalId: dan, role: 'managing-director' },
    ]);
    // An older list (the registration, replayed) does not bring Carla back.
    const [registered] = await eventStore.readStream(streamIds.business(first.businessNumber));
    await readModel.replaceManagers(
      first.businessNumber,
      [{ nationalId: carla, role: 'manager' }],
      registered!.streamVersion,
    );
    expect(await readModel.managedBy(carla)).toHaveLength(1);

    const live = await runner.digest();
    expect(live).toMatchObject({
      name: 'business-managers',
      position: await eventStore.headPosition(),
    });
    await pool.query(`DELETE FROM ${APPLICATION_SCHEMA}.business_managers WHERE national_id = $1`, [
      dan,
    ]);
    expect((await runner.digest()).digest).not.toBe(live.digest);
    await runner.rebuild();
    expect(await runner.digest()).toEqual(live);
    expect(await readModel.managedBy(dan)).toHaveLength(1);
  });

  it('runs the correction flow, lists it from the read model, and the projector agrees', async () => {
    const eventStore = store();
    const readModel = new PgCorrectionsReadModel(dataSource.manager);
    const directory = new PgRegistrarDirectory(dataSource.manager);
    await directory.enrol('clerk-1', composeNationalId('1975-06-03', 5));
    const corrections = new CorrectionService(
      new PgCorrectionsEventStore(eventStore, dataSource),
      subjectKeys(),
      systemClock,
      readModel,
      directory,
    );
    const { nationalId } = await persons().register(
      as(registrar),
      anna({ birthDate: '1977-07-07' }),
    );

    const { correctionId } = await corrections.request(as(citizen(nationalId)), {
      target: {
        register: 'persons',
        recordId: nationalId,
        correction: { field: 'givenNames', value: 'Anna Marie' },
      },
      justification: 'Marie, not Maria.',
    });
    await corrections.accept(as(registrar), correctionId);

    // Version 3: accepted, then communicated (to nobody: no one read the record).
    expect(await corrections.list(as(citizen(nationalId)))).toEqual([
      expect.objectContaining({
        correctionId,
        status: 'ACCEPTED',
        appliedToRecord: true,
        communicatedAt: expect.any(Date) as unknown,
        version: 3,
      }),
    ]);
    expect(await corrections.list(as(registrar), { status: 'REQUESTED' })).not.toContainEqual(
      expect.objectContaining({ correctionId }),
    );

    // Rebuild the read model from the log alone: same rows, and the same digest.
    while ((await eventStore.sequence()).assigned > 0) {
      // position everything
    }
    const runner = new ProjectionRunner({
      pool,
      schema: EVENT_STORE_SCHEMA,
      store: eventStore,
      projection: pgCorrectionsProjection(dataSource),
    });
    await runner.catchUp();
    const live = await runner.digest();
    expect(live).toMatchObject({ name: 'corrections', position: await eventStore.headPosition() });
    expect(await readModel.pendingAcceptances(new Date(), 10)).toEqual([]);
    await runner.rebuild();
    expect(await runner.digest()).toEqual(live);

    // The reactor's to-do list: accepted, not applied, decided before the given time.
    await pool.query(`UPDATE ${APPLICATION_SCHEMA}.corrections SET applied_to_record = false`);
    expect(await readModel.pendingAcceptances(new Date(), 10)).toEqual([correctionId]);
    expect(await readModel.pendingAcceptances(new Date(Date.now() - 3600_000), 10)).toEqual([]);
    expect((await runner.digest()).digest).not.toBe(live.digest);
    await runner.rebuild();
    expect(await runner.digest()).toEqual(live);
    expect(await corrections.list(as(citizen(nationalId)))).toEqual([
      expect.objectContaining({
        correctionId,
        status: 'ACCEPTED',
        appliedToRecord: true,
        version: 3,
      }),
    ]);
    expect(await eventStore.readStream(streamIds.person(nationalId))).toHaveLength(2);
    await expect(corrections.accept(as(registrar), correctionId)).resolves.toMatchObject({
      changed: false,
      record: { version: 2, changed: false },
    });
  });

  it('communicates an accepted correction to the agencies that read the field, and the reactor recovers a lost one', async () => {
    const eventStore = store();
    const correctionsStore = new PgCorrectionsEventStore(eventStore, dataSource);
    const readModel = new PgCorrectionsReadModel(dataSource.manager);
    const directory = new PgRegistrarDirectory(dataSource.manager);
    await directory.enrol('clerk-1', composeNationalId('1975-06-03', 5));
    const corrections = new CorrectionService(
      correctionsStore,
      subjectKeys(),
      systemClock,
      readModel,
      directory,
    );
    const { nationalId } = await persons().register(
      as(registrar),
      anna({ birthDate: '1978-08-08' }),
    );
    const accessLog = new AccessLog(eventStore, systemClock);
    const read = (organisationId: string, fields: string[]) =>
      accessLog.record(
        as({ kind: 'agency', subject: `svc-${organisationId}`, organisationId }),
        {
          organisationId,
          purpose: 'family-allowance-eligibility',
          legalBasis: 'Code de la sécurité sociale, art. 269',
          legalBasisId: `${organisationId}-family-allowances`,
          accessorRole: 'agency-system',
        },
        nationalId,
        fields,
      );
    await read('ccss', ['national_id', 'given_names', 'address']);
    await read('cae', ['national_id', 'address']);
    await sleep(20);
    const ask = async (value: string) =>
      (
        await corrections.request(as(citizen(nationalId)), {
          target: {
            register: 'persons',
            recordId: nationalId,
            correction: { field: 'givenNames', value },
          },
          justification: 'Marie, not Maria.',
        })
      ).correctionId;

    const first = await ask('Anna Marie');
    await corrections.accept(as(registrar), first);

    expect(await readModel.recipientsOf(first)).toEqual([
      expect.objectContaining({
        organisationId: 'ccss',
        noticeId: noticeIdFor(first, 'ccss'),
        purpose: 'family-allowance-eligibility',
        legalBasisId: 'ccss-family-allowances',
      }),
    ]);
    expect(
      (await corrections.get(as(citizen(nationalId)), first)).communicatedTo?.map(
        (recipient) => recipient.organisationId,
      ),
    ).toEqual(['ccss']);

    // A crash after the record change: the acceptance and PersonRecordCorrected are in the
    // log, the communication is not.
    const second = await ask('Anna-Maria');
    const [requestedEvent] = await eventStore.readStream(streamIds.correction(second));
    const keys = await KeyRing.forWriting(subjectKeys(), [nationalId]);
    const requested = correctionEventsCodec.decode(
      requestedEvent as NonNullable<typeof requestedEvent>,
      keys,
    );
    if (requested.type !== 'CorrectionRequested') throw new Error('expected a request');
    await correctionsStore.append(
      streamIds.correction(second),
      1,
      [
        correctionEventsCodec.encode(
          {
            type: 'CorrectionAccepted',
            data: {
              correctionId: second,
              target: requested.data.target,
              requester: requested.data.requester,
              acceptedBy: 'clerk-1',
            },
          },
          new Date(),
          keys,
        ),
      ],
      { correlationId: 'crashed-request' },
    );
    const accepted = await acceptanceOf(correctionsStore, subjectKeys(), second);
    await applyAcceptedCorrection(correctionsStore, subjectKeys(), accepted.event, new Date(), {
      correlationId: 'crashed-request',
      causationId: accepted.recorded.eventId,
    });
    expect(await readModel.pendingCommunications(new Date(), 10)).toEqual([second]);

    const reactor = new CorrectionsReactor(
      correctionsStore,
      subjectKeys(),
      systemClock,
      readModel,
      {
        warn: (message) => {
          throw new Error(message);
        },
      },
      { graceMs: 0 },
    );
    expect(await reactor.runOnce()).toBe(1);

    expect(await readModel.pendingCommunications(new Date(), 10)).toEqual([]);
    expect(await readModel.recipientsOf(second)).toEqual([
      expect.objectContaining({ organisationId: 'ccss', noticeId: noticeIdFor(second, 'ccss') }),
    ]);
    const stream = await eventStore.readStream(streamIds.correction(second));
    const record = await eventStore.readStream(streamIds.person(nationalId));
    expect(stream.map((event) => event.eventType)).toEqual([
      'gov.registry.v1.CorrectionRequested',
      'gov.registry.v1.CorrectionAccepted',
      'gov.registry.v1.CorrectionCommunicated',
    ]);
    expect(stream[2]?.causationId).toBe(record.at(-1)?.eventId);
    expect(await reactor.runOnce()).toBe(0);

    // The read model's digest covers the recipients: rebuilt from the log, the same; changed,
    // not.
    while ((await eventStore.sequence()).assigned > 0) {
      // position everything
    }
    const runner = new ProjectionRunner({
      pool,
      schema: EVENT_STORE_SCHEMA,
      store: eventStore,
      projection: pgCorrectionsProjection(dataSource),
    });
    await runner.catchUp();
    const live = await runner.digest();
    await runner.rebuild();
    expect(await runner.digest()).toEqual(live);
    await pool.query(
      `UPDATE ${APPLICATION_SCHEMA}.corrections SET recipients = '[]' WHERE correction_id = $1`,
      [second],
    );
    expect((await runner.digest()).digest).not.toBe(live.digest);
    await runner.rebuild();
    expect(await runner.digest()).toEqual(live);
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
