// Issue 16 end to end: the registry and the audit service as processes over real Kafka (with
// SCRAM and ACLs) and PostgreSQL, and two agencies following their own feeds with an ordinary
// Kafka client (./feed-reader.ts, the code the README's agency guide shows). ccss's feed rests
// on ccss-affiliation (no civil status), cae's on cae-family-benefits (civil status, no sex or
// nationalities). A person moves and marries: each feed holds exactly the fields its basis
// allows, ccss is not even told of the marriage, neither may read the other's topic or the
// full feed, and the person sees every delivery in "who accessed my data" with proofs that
// verify. Then ccss's basis widens in the catalogue: after a restart its feed is re-cut, and
// the civil status appears from the new view version on.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { ChangeKind, CivilStatus, PersonStatus, SexMarker } from '@gov/contracts';
import type { PersonRecord, RecordChange } from '@gov/contracts';
import { ServicesUnderTest, aPerson, callJson, stopProcess } from '@gov/platform-e2e-testing';
import type { ServiceUnderTest } from '@gov/platform-e2e-testing';
import { repoRoot } from '@gov/platform-infra';
import { DEFAULT_LEGAL_BASES_FILE } from '@gov/platform-legal-bases';
import { testInfra, testKafkaUser, uniqueName, waitFor } from '@gov/platform-testing';

import { readAgencyFeed } from './feed-reader';
import type { AgencyFeedReader } from './feed-reader';

const topic = (name: string) => uniqueName(name).replace(/_/g, '-');

/** What this spec reads of an entry of `GET /access-log/me` (services/audit/README.md). */
interface AccessLogEntry {
  readonly leaf: {
    readonly subjectNationalId: string;
    readonly organisationId: string;
    readonly capacity: string;
    readonly fields: readonly string[];
    readonly purpose: string;
    readonly legalBasisId: string | null;
    readonly sourceService: string;
  };
}

interface Catalogue {
  legalBases: { id: string; categories: string[] }[];
  feeds: { organisationId: string; legalBasisId: string }[];
}

/** The person fields of a basis, as the cut leaves them set or unset. */
const PERSON_RECORD_FIELDS: Record<string, (record: PersonRecord) => boolean> = {
  national_id: (r) => r.nationalId !== '',
  given_names: (r) => r.givenNames !== '',
  family_name: (r) => r.familyName !== '',
  birth_date: (r) => r.birthDate !== '',
  place_of_birth: (r) => r.placeOfBirth !== undefined,
  sex: (r) => r.sex !== SexMarker.UNSPECIFIED,
  nationalities: (r) => r.nationalities.length > 0,
  address: (r) => r.address !== undefined,
  civil_status: (r) => r.civilStatus !== CivilStatus.UNSPECIFIED,
};

/** Which of the record's person fields are set in a message. */
function setFields(change: RecordChange): string[] {
  if (change.record.case !== 'person') throw new Error('not a person record');
  const record = change.record.value;
  return Object.entries(PERSON_RECORD_FIELDS)
    .filter(([, isSet]) => isSet(record))
    .map(([field]) => field)
    .sort();
}

describe('agency feeds: cut to each basis, delivered, and visible to the person', () => {
  let services: ServicesUnderTest;
  let registry: ServiceUnderTest;
  let audit: ServiceUnderTest;
  let catalogue: Catalogue;
  const catalogueFile = () => join(services.dir, 'legal-bases.json');
  const readers: AgencyFeedReader[] = [];
  const registryTopic = topic('agency-feeds-registry.events.v1');

  const startRegistry = (database?: ServiceUnderTest['database']) =>
    services.start(
      'registry',
      {
        EVENTS_TOPIC: registryTopic,
        LEGAL_BASES_FILE: catalogueFile(),
        REPLICATION_GROUP: uniqueName('registry-agency-feeds-replica'),
      },
      database === undefined ? {} : { database },
    );

  const follow = async (agency: string): Promise<AgencyFeedReader> => {
    const reader = await readAgencyFeed({
      brokers: testInfra().kafkaBrokers,
      agency,
      password: testKafkaUser(`agency-${agency}`).password,
      groupId: `${agency}.${uniqueName('e2e')}`,
    });
    readers.push(reader);
    return reader;
  };

  beforeAll(async () => {
    services = await ServicesUnderTest.create('agency-feeds-e2e');
    catalogue = JSON.parse(readFileSync(DEFAULT_LEGAL_BASES_FILE, 'utf8')) as Catalogue;
    writeFileSync(catalogueFile(), JSON.stringify(catalogue));
    registry = await startRegistry();
    audit = await services.start('audit', {
      EVENTS_TOPIC: topic('agency-feeds-audit.events.v1'),
      AUDIT_REGISTRY_TOPIC: registryTopic,
      AUDIT_CONSENT_TOPIC: topic('agency-feeds-consent.events.v1'),
      AUDIT_LETTERBOX_TOPIC: topic('agency-feeds-letterbox.events.v1'),
      LEGAL_BASES_FILE: catalogueFile(),
      AUDIT_SIGNING_KEY_FILE: join(services.dir, 'tree-heads.jwk'),
      AUDIT_SIGNING_KEY_CREATE: 'true',
      AUDIT_TREE_HEAD_INTERVAL_MS: '500',
      REPLICATION_GROUP: uniqueName('audit-agency-feeds-replica'),
    });
  }, 240_000);

  afterAll(async () => {
    await Promise.all(readers.map((reader) => reader.stop()));
    await services.stop();
  });

  it('gives each agency exactly its fields, refuses it the others’ topics, and shows the person every delivery', async () => {
    const registrar = await services.token({
      role: 'registrar',
      subject: 'clerk-1',
      registers: ['persons'],
      organisationId: 'rnpp',
    });
    const write = async (method: string, path: string, body: unknown) => {
      const answer = await callJson(`${registry.url}${path}`, method, registrar, body);
      expect([200, 201]).toContain(answer.status);
      return answer.body;
    };
    const nationalId = String((await write('POST', '/persons', aPerson()))['nationalId']);
    await write('PUT', `/persons/${nationalId}/address`, {
      address: {
        street: "Rue de l'Alzette",
        houseNumber: '7',
        postcode: '4011',
        locality: 'Esch-sur-Alzette',
        country: 'LU',
      },
    });
    await write('PUT', `/persons/${nationalId}/civil-status`, {
      civilStatus: 'married',
      effectiveDate: '2024-05-04',
    });

    const ccss = await follow('ccss');
    const cae = await follow('cae');
    const mine = (reader: AgencyFeedReader) =>
      reader.received.filter((message) => message.recordId === nationalId);
    await waitFor('both agencies’ changes of the person', () =>
      Promise.resolve(mine(ccss).length >= 2 && mine(cae).length >= 3),
    );

    // ccss (ccss-affiliation: no civil status): the registration and the move, not the marriage.
    const ccssChanges = mine(ccss).map((message) => message.change);
    expect(ccssChanges.map((change) => change?.kind)).toEqual([
      ChangeKind.REGISTERED,
      ChangeKind.ADDRESS_CHANGED,
    ]);
    for (const change of ccssChanges) {
      expect(setFields(change as RecordChange)).toEqual(
        ['address', 'birth_date', 'family_name', 'given_names', 'national_id', 'sex'].sort(),
      );
      expect(change?.view).toMatchObject({
        organisationId: 'ccss',
        legalBasisId: 'ccss-affiliation',
        version: 1,
      });
    }
    const ccssRecord = ccss.copy.get(nationalId)?.record;
    expect(ccssRecord?.case === 'person' && ccssRecord.value.address?.locality).toBe(
      'Esch-sur-Alzette',
    );
    // Status goes with date_of_death, which ccss-affiliation names.
    expect(ccssRecord?.case === 'person' && ccssRecord.value.status).toBe(PersonStatus.LIVING);

    // cae (cae-family-benefits: civil status, no sex, no nationalities): all three changes.
    const caeChanges = mine(cae).map((message) => message.change);
    expect(caeChanges.map((change) => change?.kind)).toEqual([
      ChangeKind.REGISTERED,
      ChangeKind.ADDRESS_CHANGED,
      ChangeKind.CIVIL_STATUS_CHANGED,
    ]);
    for (const change of caeChanges) {
      expect(setFields(change as RecordChange)).toEqual(
        [
          'address',
          'birth_date',
          'civil_status',
          'family_name',
          'given_names',
          'national_id',
        ].sort(),
      );
    }
    const married = caeChanges[2];
    expect(married?.changedFields).toEqual(['civil_status', 'civil_status_since']);
    expect(married?.record.case === 'person' && married.record.value.civilStatusSince).toBe(
      '2024-05-04',
    );
    // cae-family-benefits does not name date_of_death: the status goes with it.
    expect(married?.record.case === 'person' && married.record.value.status).toBe(
      PersonStatus.UNSPECIFIED,
    );

    // One agency cannot read the other's topic, nor the full feed: the broker refuses.
    for (const other of ['registry.changes.cae.v1', 'registry.changes.v1']) {
      await expect(
        readAgencyFeed({
          brokers: testInfra().kafkaBrokers,
          agency: 'ccss',
          password: testKafkaUser('agency-ccss').password,
          groupId: `ccss.${uniqueName('intruder')}`,
          topic: other,
        }),
      ).rejects.toMatchObject({ type: 'TOPIC_AUTHORIZATION_FAILED' });
    }

    // The person sees each delivery: to ccss twice, to cae three times, with the fields sent.
    const citizen = await services.token({ role: 'citizen', subject: nationalId });
    const deliveries = async () => {
      const answer = await callJson(`${audit.url}/access-log/me?limit=50`, 'GET', citizen);
      expect(answer.status).toBe(200);
      return (answer.body as unknown as { entries: AccessLogEntry[] }).entries.filter(
        (entry) => entry.leaf.capacity === 'feed-recipient',
      );
    };
    await waitFor('the five deliveries in the person’s access log', async () =>
      Promise.resolve((await deliveries()).length >= 5),
    );
    const seen = await deliveries();
    expect(seen).toHaveLength(5);
    const to = (organisationId: string) =>
      seen.filter((entry) => entry.leaf.organisationId === organisationId);
    expect(to('ccss')).toHaveLength(2);
    expect(to('cae')).toHaveLength(3);
    for (const entry of to('ccss')) {
      expect(entry.leaf).toMatchObject({
        subjectNationalId: nationalId,
        legalBasisId: 'ccss-affiliation',
        purpose: 'change-feed',
        sourceService: 'registry',
      });
      expect(entry.leaf.fields).not.toContain('persons.civil_status');
    }
    expect(to('cae').some((entry) => entry.leaf.fields.includes('persons.civil_status'))).toBe(
      true,
    );

    // With proofs that verify offline against the signed tree head, as the person's own
    // client would: `npm run audit:verify -- <export> --jwks <jwks>` (services/audit/README.md).
    const jwksFile = join(services.dir, 'jwks.json');
    writeFileSync(
      jwksFile,
      JSON.stringify((await callJson(`${audit.url}/.well-known/jwks.json`, 'GET', undefined)).body),
    );
    const exportFile = join(services.dir, 'export.json');
    await waitFor('a tree head covering the deliveries', async () => {
      const exported = await callJson(`${audit.url}/access-log/me/export`, 'GET', citizen);
      const entries = (exported.body as { entries?: unknown[] }).entries ?? [];
      writeFileSync(exportFile, JSON.stringify(exported.body));
      return exported.status === 200 && entries.length >= 5;
    });
    const verified = spawnSync(
      process.execPath,
      [
        '--require',
        '@swc-node/register',
        'services/audit/src/verify.ts',
        exportFile,
        '--jwks',
        jwksFile,
      ],
      { cwd: repoRoot(), encoding: 'utf8' },
    );
    expect({ status: verified.status, stderr: verified.stderr }).toEqual({
      status: 0,
      stderr: expect.stringMatching(/^OK: 5 entries \(subject\)/) as unknown,
    });

    // ccss's basis widens to the civil status: after a restart the feed is re-cut, and ccss
    // receives the person again, with the civil status, under view version 2.
    const affiliation = catalogue.legalBases.find((basis) => basis.id === 'ccss-affiliation');
    affiliation?.categories.push('persons.civil_status');
    writeFileSync(catalogueFile(), JSON.stringify(catalogue));
    await stopProcess(registry.process);
    registry = await startRegistry(registry.database);
    await waitFor('the re-cut of the person on ccss’s feed', () =>
      Promise.resolve(mine(ccss).some((message) => message.change?.kind === ChangeKind.RECUT)),
    );
    const recut = mine(ccss).find((message) => message.change?.kind === ChangeKind.RECUT)?.change;
    expect(recut?.view).toMatchObject({ organisationId: 'ccss', version: 2 });
    expect(recut?.view?.categories).toContain('persons.civil_status');
    expect(setFields(recut as RecordChange)).toContain('civil_status');
    expect(ccss.copy.get(nationalId)?.view?.version).toBe(2);
  }, 240_000);
});
