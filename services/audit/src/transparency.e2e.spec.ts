// Issue 10 end to end: the consent, registry and audit services as processes over real Kafka and
// PostgreSQL. A person grants an agency consent; the agency reads the person's record with it
// (only the consented fields); the person sees that access in "who accessed my data" with a
// proof that verifies offline, and the use on the consent; they revoke it and the next read is
// refused. A read under a covert legal basis is shown to a data-protection officer at once and
// to the person only from its reveal instant on.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { JSONWebKeySet } from 'jose';

import { verifyExport } from '@gov/audit-application';
import type { AccessLogPage } from '@gov/audit-application';
import type { TokenRequest } from '@gov/platform-auth';
import { ServicesUnderTest, callJson } from '@gov/platform-e2e-testing';
import type { ServiceUnderTest } from '@gov/platform-e2e-testing';
import { DEFAULT_LEGAL_BASES_FILE } from '@gov/platform-legal-bases';
import { uniqueName, waitFor } from '@gov/platform-testing';

/** A purpose no legal basis of ccss allows: only the person's consent can permit it. */
const PURPOSE = 'housing-subsidy-assessment';
/** How long a covert read stays hidden from the person in this test's catalogue. */
const SEAL_SECONDS = 12;
const topic = (name: string) => uniqueName(name).replace(/_/g, '-');

type Name = 'consent' | 'registry' | 'audit';

describe('consent, registry and audit: who accessed my data, provably', () => {
  let services: ServicesUnderTest;
  let dir: string;
  const running = new Map<Name, ServiceUnderTest>();

  const token = (request: Omit<TokenRequest, 'issuer' | 'audience'>): Promise<string> =>
    services.token(request);

  const url = (name: Name): string => {
    const service = running.get(name);
    if (!service) throw new Error(`${name} is not running`);
    return service.url;
  };

  const call = (
    name: Name,
    path: string,
    bearer: string | undefined,
    init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
  ) => callJson(`${url(name)}${path}`, init.method ?? 'GET', bearer, init.body, init.headers);

  async function start(name: Name, env: Record<string, string>): Promise<void> {
    const started = await services.start(name, {
      LEGAL_BASES_FILE: join(dir, 'legal-bases.json'),
      REPLICATION_GROUP: uniqueName(`${name}-transparency-replica`),
      ...env,
    });
    running.set(name, started);
  }

  beforeAll(async () => {
    services = await ServicesUnderTest.create('transparency-e2e');
    dir = services.dir;
    // The shipped catalogue, with the police's covert basis sealed for seconds instead of a year.
    const catalogue = JSON.parse(readFileSync(DEFAULT_LEGAL_BASES_FILE, 'utf8')) as {
      legalBases: { id: string; covert?: { sealDays: number } }[];
    };
    for (const basis of catalogue.legalBases) {
      if (basis.covert) basis.covert.sealDays = SEAL_SECONDS / 86_400;
    }
    writeFileSync(join(dir, 'legal-bases.json'), JSON.stringify(catalogue));

    const topics = {
      consent: topic('transparency-consent.events.v1'),
      registry: topic('transparency-registry.events.v1'),
      audit: topic('transparency-audit.events.v1'),
    };
    await start('consent', {
      EVENTS_TOPIC: topics.consent,
      RECEIPT_KEY_DIR: join(dir, 'receipts'),
    });
    await Promise.all([
      start('registry', { EVENTS_TOPIC: topics.registry, CONSENT_URL: url('consent') }),
      start('audit', {
        EVENTS_TOPIC: topics.audit,
        AUDIT_REGISTRY_TOPIC: topics.registry,
        AUDIT_CONSENT_TOPIC: topics.consent,
        AUDIT_SIGNING_KEY_FILE: join(dir, 'tree-heads.jwk'),
        AUDIT_SIGNING_KEY_CREATE: 'true',
        AUDIT_TREE_HEAD_INTERVAL_MS: '500',
      }),
    ]);
  }, 240_000);

  afterAll(async () => {
    await services.stop();
  });

  it('shows the citizen each access with a proof, counts consented uses, and seals covert reads until their instant', async () => {
    const registrar = await token({
      role: 'registrar',
      subject: 'clerk-1',
      registers: ['persons'],
      organisationId: 'rnpp',
    });
    const registered = await call('registry', '/persons', registrar, {
      method: 'POST',
      body: {
        givenNames: 'Anna Maria',
        familyName: 'Schmit',
        birthDate: '1983-08-12',
        sex: 'F',
        nationalities: ['LU'],
        civilStatus: 'single',
        address: {
          street: 'Boulevard Royal',
          houseNumber: '12A',
          postcode: '2449',
          locality: 'Luxembourg',
          country: 'LU',
        },
      },
    });
    expect(registered.status).toBe(201);
    const nationalId = String(registered.body['nationalId']);
    const citizen = await token({ role: 'citizen', subject: nationalId });
    const agency = await token({ role: 'agency', subject: 'svc-ccss', organisationId: 'ccss' });
    const police = await token({ role: 'agency', subject: 'inv-7', organisationId: 'police' });
    const dpo = await token({ role: 'dpo', subject: 'dpo-1', organisationId: 'cnpd' });
    const agencyRead = () =>
      call('registry', `/persons/${nationalId}`, agency, { headers: { 'x-purpose': PURPOSE } });
    const myLog = async (): Promise<AccessLogPage> => {
      const answer = await call('audit', '/access-log/me?limit=50', citizen);
      expect(answer.status).toBe(200);
      return answer.body as unknown as AccessLogPage;
    };

    // 1. No basis, no consent: refused.
    expect((await agencyRead()).status).toBe(403);

    // 2. The person grants ccss their name and address for this purpose.
    const granted = await call('consent', '/consents', citizen, {
      method: 'POST',
      body: {
        organisationId: 'ccss',
        categories: ['persons.family_name', 'persons.address'],
        purpose: PURPOSE,
        validUntil: new Date(Date.now() + 24 * 3600_000).toISOString(),
      },
    });
    expect(granted.status).toBe(201);
    const consentId = String(granted.body['consentId']);

    // 3. The agency reads with it: the consented fields and nothing else.
    const read = await agencyRead();
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ nationalId, familyName: 'Schmit' });
    expect(read.body['address']).toMatchObject({ postcode: '2449' });
    for (const field of ['givenNames', 'birthDate', 'sex', 'nationalities', 'civilStatus']) {
      expect(read.body).not.toHaveProperty(field);
    }

    // 4. The person sees the use on the consent...
    const afterUse = await call('consent', `/consents/${consentId}`, citizen);
    expect(afterUse.body).toMatchObject({ status: 'ACTIVE', uses: 1 });
    expect(afterUse.body['lastUseAt']).toEqual(expect.any(String));

    // ...and the access in "who accessed my data", once, with the fields and the consent.
    await waitFor('the access in the person’s log', async () =>
      (await myLog()).entries.some((entry) => entry.leaf.consentId === consentId),
    );
    const withConsent = (await myLog()).entries.filter(
      (entry) => entry.leaf.consentId === consentId,
    );
    expect(withConsent).toHaveLength(1);
    expect(withConsent[0]?.leaf).toMatchObject({
      subjectNationalId: nationalId,
      organisationId: 'ccss',
      actorId: 'svc-ccss',
      purpose: PURPOSE,
      // The consent is the basis: named by its id, no provision.
      consentId,
      legalBasis: null,
      sourceService: 'registry',
      sealedUntil: null,
    });
    expect([...(withConsent[0]?.leaf.fields ?? [])].sort()).toEqual(
      ['address', 'family_name', 'national_id'].sort(),
    );

    // Their own client verifies it offline: the signed tree head against the published key,
    // each entry's inclusion proof against that head.
    const jwks = (await call('audit', '/.well-known/jwks.json', undefined))
      .body as unknown as JSONWebKeySet;
    const verifyMine = async () => {
      const exported = await call('audit', '/access-log/me/export', citizen);
      expect(exported.status).toBe(200);
      return verifyExport(exported.body, { jwks });
    };
    await waitFor('a tree head covering the access', async () => (await verifyMine()).entries > 0);
    expect(await verifyMine()).toMatchObject({ ok: true, scope: 'subject', findings: [] });

    // 5. The person revokes; the next read is refused, and no access is added.
    const revoked = await call('consent', `/consents/${consentId}/revoke`, citizen, {
      method: 'POST',
    });
    expect(revoked.status).toBe(200);
    expect((await agencyRead()).status).toBe(403);
    expect((await call('consent', `/consents/${consentId}`, citizen)).body).toMatchObject({
      status: 'REVOKED',
      uses: 1,
    });

    // 6. The police read under their covert basis: the DPO sees it at once, the person not yet.
    const covertRead = await call('registry', `/persons/${nationalId}`, police, {
      headers: { 'x-purpose': 'criminal-investigation' },
    });
    expect(covertRead.status).toBe(200);
    const readAt = Date.now();
    const supervisorSees = async () => {
      const answer = await call('audit', `/access-log/subjects/${nationalId}?limit=50`, dpo);
      expect(answer.status).toBe(200);
      return (answer.body as unknown as AccessLogPage).entries.find(
        (entry) => entry.leaf.organisationId === 'police',
      );
    };
    await waitFor('the covert access in the DPO’s view', async () => !!(await supervisorSees()));
    const sealed = await supervisorSees();
    const sealedUntil = Date.parse(sealed?.leaf.sealedUntil ?? '');
    expect(sealedUntil).toBeGreaterThan(readAt);
    expect(sealedUntil).toBeLessThan(readAt + (SEAL_SECONDS + 5) * 1000);
    expect((await myLog()).entries.some((entry) => entry.leaf.organisationId === 'police')).toBe(
      false,
    );

    // From its reveal instant on, the person sees it without anyone acting, and it verifies.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, sealedUntil - Date.now())));
    const revealed = (await myLog()).entries.find(
      (entry) => entry.leaf.organisationId === 'police',
    );
    expect(revealed?.leaf).toMatchObject({
      legalBasisId: 'police-criminal-investigation',
      purpose: 'criminal-investigation',
    });
    expect(await verifyMine()).toMatchObject({ ok: true, findings: [] });
  }, 180_000);
});
