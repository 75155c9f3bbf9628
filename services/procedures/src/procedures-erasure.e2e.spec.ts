// A person's erasure reaching the procedures service, over real Kafka and PostgreSQL: the real
// registry erases the person (its PersonErased on its log), the procedures primary obeys it
// (its key destroyed, its own PersonalDataErased appended), and an embassy replica of the
// procedures service destroys its copy of the key as it replays that event. One Kafka cluster
// stands for both sites: the primary's topics are named as the embassy's mirrors of them
// (`<source>.<topic>`), as MirrorMaker 2 would name them.
import { Client } from 'pg';

import type { TokenRequest } from '@gov/platform-auth';
import { ServicesUnderTest, callJson } from '@gov/platform-e2e-testing';
import { createTestDatabase, runServiceTool, uniqueName, waitFor } from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';

const name = (prefix: string) => uniqueName(prefix).replace(/_/g, '-');
const LOG_TOPIC = name('procedures-erasure-procedures.events.v1');
const REGISTRY_TOPIC = name('procedures-erasure-registry.events.v1');
const MIRROR = 'mirror';
const LEGAL_GROUND = 'Art. 17(1)(a) GDPR: no longer necessary, decision 2026/77';

const FORM = {
  givenNames: 'Marc',
  familyName: 'Weber',
  birthDate: '1988-02-03',
  address: {
    street: 'Rue de la Gare',
    houseNumber: '7',
    postcode: '4001',
    locality: 'Esch-sur-Alzette',
    country: 'LU',
  },
  bankAccount: 'LU280019400644750000',
  childGivenNames: 'Noémie',
  childFamilyName: 'Weber',
  childBirthDate: '2026-01-15',
};

describe('a person erased by the registry, in the procedures service on both sites', () => {
  let services: ServicesUnderTest;
  let primaryDb: TestDatabase;
  let embassyDb: TestDatabase;

  const token = (request: Omit<TokenRequest, 'issuer' | 'audience'>) => services.token(request);
  const call = callJson;

  async function sql<T>(database: TestDatabase, text: string, values: unknown[]): Promise<T[]> {
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      return (await client.query(text, values)).rows as T[];
    } finally {
      await client.end();
    }
  }

  const startProcedures = (site: 'primary' | 'embassy', database: TestDatabase) =>
    services.start(
      'procedures',
      {
        SITE_ROLE: site,
        EVENTS_TOPIC: site === 'primary' ? `${MIRROR}.${LOG_TOPIC}` : LOG_TOPIC,
        REPLICATION_SOURCE: MIRROR,
        REPLICATION_GROUP: uniqueName(`procedures-erasure-${site}`),
        PROCEDURES_SIGNING_KEY_FILE: services.keys.privateKeyFile,
        PROCEDURES_REGISTRY_TOPIC: REGISTRY_TOPIC,
        CORRECTION_NOTICES_TOPIC: name('procedures-erasure-registry.correction-notices.v1'),
      },
      { database },
    );

  beforeAll(async () => {
    [primaryDb, embassyDb] = await Promise.all([
      createTestDatabase('procedures_erasure_p'),
      createTestDatabase('procedures_erasure_e'),
    ]);
    services = await ServicesUnderTest.create('procedures-erasure-e2e');
    for (const database of [primaryDb, embassyDb]) {
      expect(runServiceTool('procedures', 'migrate', { DATABASE_URL: database.url }).status).toBe(
        0,
      );
    }
  });

  afterAll(async () => {
    await services.stop();
    await Promise.all([primaryDb.drop(), embassyDb.drop()]);
  });

  it('empties the personal space, marks the cases erased and refuses new data, on both sites', async () => {
    // The registry first: its log topic exists before the procedures service subscribes to it.
    const registry = await services.start('registry', { EVENTS_TOPIC: REGISTRY_TOPIC });
    const home = await startProcedures('primary', primaryDb);
    const abroad = await startProcedures('embassy', embassyDb);

    const registrar = await token({
      role: 'registrar',
      subject: 'clerk-1',
      registers: ['persons'],
      organisationId: 'rnpp',
    });
    const registered = await call(`${registry.url}/persons`, 'POST', registrar, {
      givenNames: 'Marc',
      familyName: 'Weber',
      birthDate: '1988-02-03',
      sex: 'M',
      nationalities: ['LU'],
      civilStatus: 'single',
      address: FORM.address,
    });
    expect(registered.status).toBe(201);
    const nationalId = String(registered.body['nationalId']);
    const marc = await token({ role: 'citizen', subject: nationalId });
    const cae = await token({ role: 'agency', subject: 'svc-cae', organisationId: 'cae' });

    // Marc's data in the procedures service: a personal-space item and a submitted case.
    expect(
      (await call(`${home.url}/personal-space/email`, 'PUT', marc, { value: 'marc@example.lu' }))
        .status,
    ).toBe(200);
    const draft = await call(`${home.url}/drafts`, 'POST', marc, {
      procedureId: 'family-allowance',
    });
    expect(draft.status).toBe(201);
    const id = String(draft.body['caseId']);
    expect(
      (await call(`${home.url}/drafts/${id}/submit`, 'POST', marc, { form: FORM })).status,
    ).toBe(200);
    for (const step of ['receive', 'start-review']) {
      expect((await call(`${home.url}/submissions/${id}/${step}`, 'POST', cae)).status).toBe(200);
    }
    expect(
      (
        await call(`${home.url}/submissions/${id}/request-information`, 'POST', cae, {
          question: 'Where does Noémie go to school?',
        })
      ).status,
    ).toBe(200);

    // Sealed in the log on both sites; the embassy opens it once the key has arrived.
    const stored = await sql<{ payload: Buffer }>(
      primaryDb,
      'SELECT payload FROM procedures.events WHERE stream_id IN ($1, $2)',
      [`case-${id}`, `personal-space-${nationalId}`],
    );
    expect(stored.length).toBeGreaterThan(3);
    expect(stored.some((row) => row.payload.includes('Noémie'))).toBe(false);
    expect(stored.some((row) => row.payload.includes('marc@example.lu'))).toBe(false);
    await waitFor(
      'the case, opened on the embassy',
      async () => {
        const view = await call(`${abroad.url}/submissions/${id}`, 'GET', cae);
        return (
          view.status === 200 && view.body['openQuestion'] === 'Where does Noémie go to school?'
        );
      },
      90_000,
    );

    // The registry erases Marc: the legal act every service obeys.
    const erased = await call(`${registry.url}/persons/${nationalId}/erasure`, 'POST', registrar, {
      legalGround: LEGAL_GROUND,
    });
    expect(erased).toMatchObject({ status: 200, body: { changed: true } });

    await waitFor(
      'the erasure on the primary',
      async () => (await call(`${home.url}/personal-space`, 'GET', marc)).status === 410,
      60_000,
    );
    const space = await call(`${home.url}/personal-space`, 'GET', marc);
    expect(space).toMatchObject({
      status: 410,
      type: 'application/problem+json',
      body: { code: 'DATA_ERASED' },
    });
    for (const [path, body] of [
      ['/personal-space/email', { value: 'marc.weber@example.lu' }],
      ['/drafts', { procedureId: 'family-allowance' }],
    ] as const) {
      const method = path === '/drafts' ? 'POST' : 'PUT';
      const refused = await call(`${home.url}${path}`, method, marc, body);
      expect(refused).toMatchObject({ status: 410, body: { code: 'DATA_ERASED' } });
    }
    const answer = await call(`${home.url}/submissions/${id}/information`, 'POST', marc, {
      answer: 'At the Lycée.',
    });
    expect(answer).toMatchObject({ status: 410, body: { code: 'DATA_ERASED' } });

    // On both sites: the case stays with its status and timeline, its values read as erased,
    // and the key is destroyed (on the embassy by replaying PersonalDataErased).
    for (const [site, database] of [
      [home.url, primaryDb],
      [abroad.url, embassyDb],
    ] as const) {
      // The projection's mark: it also emptied the personal space and destroyed the site's key.
      await waitFor(
        `the erasure projected on ${site}`,
        async () =>
          (
            await sql<{ erased: boolean }>(
              database,
              `SELECT personal_data_erased_at IS NOT NULL AS erased
                 FROM procedures_app.cases WHERE case_id = $1`,
              [id],
            )
          )[0]?.erased === true,
        90_000,
      );
      const view = await call(`${site}/submissions/${id}`, 'GET', cae);
      expect(view).toMatchObject({
        status: 200,
        body: {
          status: 'information-requested',
          personalDataErased: true,
          openQuestion: null,
          form: null,
        },
      });
      const timeline = await call(`${site}/submissions/${id}/timeline`, 'GET', cae);
      expect((timeline.body['steps'] as { step: string }[]).map((s) => s.step)).toEqual([
        'DraftStarted',
        'Submitted',
        'SubmissionReceived',
        'ReviewStarted',
        'InformationRequested',
      ]);
      const listed = await call(`${site}/submissions?status=information-requested`, 'GET', cae);
      expect(listed.body['items']).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ caseId: id, personalDataErased: true, openQuestion: null }),
        ]),
      );
      const [key] = await sql<{ wrapped_key: Buffer | null; destroyed_at: Date | null }>(
        database,
        'SELECT wrapped_key, destroyed_at FROM procedures_app.subject_keys WHERE subject_id = $1',
        [nationalId],
      );
      expect(key?.wrapped_key).toBeNull();
      expect(key?.destroyed_at).toBeInstanceOf(Date);
      const items = await sql(
        database,
        'SELECT 1 FROM procedures_app.personal_items WHERE subject = $1',
        [nationalId],
      );
      expect(items).toEqual([]);
    }
    // The embassy refuses the person's space too.
    expect((await call(`${abroad.url}/personal-space`, 'GET', marc)).status).toBe(410);

    // Both sites derived the same log and the same read models, whatever keys each held.
    const operator = await token({ role: 'operator', subject: 'operator-1' });
    type Digest = {
      position: string;
      digest: string;
      projections: Record<string, { position: string; digest: string }>;
    };
    const digestOf = async (url: string) =>
      (await call(`${url}/replication/digest`, 'GET', operator)).body as unknown as Digest;
    let digests: [Digest, Digest] | undefined;
    await waitFor(
      'both sites at the same position, read models included',
      async () => {
        const both = await Promise.all([digestOf(home.url), digestOf(abroad.url)]);
        digests = both;
        return both.every(
          (d) =>
            d.position === both[0].position &&
            d.projections['procedures.read-models']?.position === d.position,
        );
      },
      90_000,
    );
    const [there, here] = digests ?? [];
    expect(here?.digest).toBe(there?.digest);
    expect(here?.projections['procedures.read-models']?.digest).toBe(
      there?.projections['procedures.read-models']?.digest,
    );
  });
});
