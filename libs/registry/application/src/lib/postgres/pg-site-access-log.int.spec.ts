// Reads on a site that cannot append (the data embassy, a fenced site): served, kept in the
// site's own table, and joined to the log once the site can append, on real PostgreSQL.
import { KeyEncryptionKey, PostgresSubjectKeyStore } from '@gov/platform-data-protection';
import { Pool } from 'pg';
import type { DataSource } from 'typeorm';

import { PostgresEventStore, ReadOnlyStoreError } from '@gov/platform-event-sourcing';
import { DEFAULT_LEGAL_BASES_FILE, loadLegalBasisCatalogue } from '@gov/platform-legal-bases';
import { createTestDatabase } from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';

import { AccessLog } from '../access/access-log';
import { AgencyReadPolicy } from '../access/agency-reads';
import { accessEventsCodec } from '../codecs/access-events.codec';
import { PersonService } from '../persons/person.service';
import { systemClock } from '../ports';
import { streamIds } from '../streams';
import { agency, anna, as, registrar } from '../../testing/registry-testbed';
import { PgBulkRegistrar } from './pg-bulk-registrar';
import { PgSiteAccessLog } from './pg-site-access-log';
import { PgNumberAllocator } from './pg-stores';
import {
  APPLICATION_SCHEMA,
  EVENT_STORE_SCHEMA,
  createRegistryDataSource,
  migrateRegistry,
} from './registry-schema';
import { NO_PERSONAL_DATA } from '../codecs/payload';

let database: TestDatabase;
let pool: Pool;
let dataSource: DataSource;
/** What the store's write gate lets through: the site's role, as the kit's SiteRole gives it. */
let writable = true;
let store: PostgresEventStore;
let siteLog: PgSiteAccessLog;

beforeAll(async () => {
  database = await createTestDatabase('registry_site_access');
  pool = new Pool({ connectionString: database.url, max: 4 });
  pool.on('error', () => undefined);
  await migrateRegistry(pool);
  dataSource = await createRegistryDataSource(pool);
  store = new PostgresEventStore({
    pool,
    schema: EVENT_STORE_SCHEMA,
    producer: 'registry',
    writeGate: () => {
      if (!writable) throw new ReadOnlyStoreError('replica', 'this site is a replica');
    },
  });
  siteLog = new PgSiteAccessLog(dataSource, store);
});

afterAll(async () => {
  await dataSource.destroy();
  await pool.end();
  await database.drop();
});

function persons(log: AccessLog): PersonService {
  return new PersonService(
    store,
    subjectKeys(),
    systemClock,
    new PgNumberAllocator(pool),
    log,
    new PgBulkRegistrar(dataSource, store),
    new AgencyReadPolicy(loadLegalBasisCatalogue(DEFAULT_LEGAL_BASES_FILE), undefined, systemClock),
  );
}

/** An agency's read on a legal basis of the shipped catalogue (ccss-family-allowances). */
const declared = { purpose: 'family-allowance-eligibility' };

/** The registry's per-subject keys in its own schema, under a key-encryption key of the run. */
const KEK = KeyEncryptionKey.generate();
function subjectKeys(): PostgresSubjectKeyStore {
  return new PostgresSubjectKeyStore(pool, APPLICATION_SCHEMA, KEK);
}

describe('PgSiteAccessLog', () => {
  it('keeps a read served on a read-only site and joins it to the log once the site can append', async () => {
    writable = true;
    const service = persons(new AccessLog(store, systemClock, siteLog));
    const { nationalId } = await service.register(as(registrar), anna());
    const accessStream = streamIds.access(nationalId);

    writable = false;
    const view = await service.get(as(agency, declared), nationalId);
    expect(view.nationalId).toBe(nationalId);
    expect(await store.readStream(accessStream)).toEqual([]);
    expect(await siteLog.pending()).toBe(1);
    const [kept] = await dataSource.query<{ event_id: string }[]>(
      `SELECT event_id FROM registry_app.site_access_log`,
    );

    // Still read-only: nothing joins, nothing is lost.
    await expect(siteLog.runOnce()).rejects.toBeInstanceOf(ReadOnlyStoreError);
    expect(await siteLog.pending()).toBe(1);

    writable = true;
    expect(await siteLog.runOnce()).toBe(1);
    expect(await siteLog.runOnce()).toBe(0);
    expect(await siteLog.pending()).toBe(0);
    const joined = await store.readStream(accessStream);
    expect(joined.map((event) => event.eventId)).toEqual([kept?.event_id]);
    const access = accessEventsCodec.decode(joined[0]!, NO_PERSONAL_DATA);
    expect(access.data).toMatchObject({
      subjectNationalId: nationalId,
      organisationId: 'ccss',
      purpose: declared.purpose,
      legalBasis: 'Code de la sécurité sociale, art. 269',
      legalBasisId: 'ccss-family-allowances',
      accessorRole: 'agency-system',
    });
    expect(access.data.fieldsRead).toContain('address');
    expect(joined[0]).toMatchObject({
      correlationId: expect.stringMatching(/^request-/) as unknown,
      actor: { kind: 'agency', id: 'svc-ccss', organisationId: 'ccss' },
    });
  });

  it('refuses the read when the site cannot keep its access either (fail closed)', async () => {
    writable = true;
    const { nationalId } = await persons(new AccessLog(store, systemClock)).register(
      as(registrar),
      anna(),
    );
    writable = false;
    const broken = persons(
      new AccessLog(store, systemClock, {
        record: () => Promise.reject(new Error('the site access log is unavailable')),
      }),
    );
    await expect(broken.get(as(agency, declared), nationalId)).rejects.toThrow(
      'the site access log is unavailable',
    );
    // Without a site access log at all, a read-only site refuses like a write.
    await expect(
      persons(new AccessLog(store, systemClock)).get(as(agency, declared), nationalId),
    ).rejects.toBeInstanceOf(ReadOnlyStoreError);
    writable = true;
  });
});
