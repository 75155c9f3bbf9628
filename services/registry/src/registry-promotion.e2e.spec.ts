// A registry promoted on the embassy goes on numbering where the primary stopped, and the reads
// it served as a replica join its log: two registry processes, each with its own database, the embassy replaying the primary's topic (named as
// MirrorMaker 2 would name it, on the same cluster here), then promoted.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Client } from 'pg';

import { ensureLocalSigningKeys, mintToken } from '@gov/platform-auth';
import type { LocalSigningKeys, TokenRequest } from '@gov/platform-auth';
import { createTestDatabase, testKafkaEnv, uniqueName } from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';
import { composeNationalId } from '@gov/registry-domain';

import { RegistryProcess, freePort, runTool, waitUntilOk } from './testing/registry-process';

const ISSUER = 'registry-promotion-e2e';
const AUDIENCE = 'backbone';
const BUSINESSES = 25;
const BIRTH_DATE = '1961-07-14';

const LUXEMBOURG = {
  street: 'Boulevard Royal',
  houseNumber: '12A',
  postcode: 'L-2449',
  locality: 'Luxembourg',
  country: 'LU',
};

interface Site {
  readonly database: TestDatabase;
  readonly service: RegistryProcess;
  readonly baseUrl: string;
}

describe('registry promoted on the embassy', () => {
  let keysDir: string;
  let keys: LocalSigningKeys;
  const sites: Site[] = [];
  const token = (request: Omit<TokenRequest, 'issuer' | 'audience'>): Promise<string> =>
    mintToken(keys.privateKeyFile, { issuer: ISSUER, audience: AUDIENCE, ...request });

  async function startSite(extra: Record<string, string>): Promise<Site> {
    const database = await createTestDatabase('registry_promotion');
    const env = { DATABASE_URL: database.url };
    expect(runTool('migrate', env).status).toBe(0);
    const port = await freePort();
    const service = new RegistryProcess({
      ...env,
      ...extra,
      HTTP_PORT: String(port),
      ...testKafkaEnv(),
      AUTH_JWKS_FILE: keys.jwksFile,
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      LOG_LEVEL: 'warn',
    });
    const site = { database, service, baseUrl: `http://127.0.0.1:${String(port)}` };
    sites.push(site);
    await waitUntilOk(`${site.baseUrl}/health/ready`, service, 90_000);
    return site;
  }

  async function post(
    site: Site,
    path: string,
    bearer: string,
    body: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${site.baseUrl}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${bearer}`,
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
      },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function head(site: Site, bearer: string): Promise<string> {
    const response = await fetch(`${site.baseUrl}/replication/status`, {
      headers: { authorization: `Bearer ${bearer}` },
    });
    return String(((await response.json()) as { head?: unknown }).head);
  }

  async function sql<T>(site: Site, text: string, values: unknown[] = []): Promise<T[]> {
    const client = new Client({ connectionString: site.database.url });
    await client.connect();
    try {
      return (await client.query(text, values)).rows as T[];
    } finally {
      await client.end();
    }
  }

  /** Event types in person `nationalId`'s access stream of `site`'s log. */
  async function accessEvents(site: Site, nationalId: string): Promise<string[]> {
    const rows = await sql<{ event_type: string }>(
      site,
      'SELECT event_type FROM registry.events WHERE stream_id = $1 ORDER BY stream_version',
      [`access-${nationalId}`],
    );
    return rows.map((row) => row.event_type);
  }

  /** Accesses kept on `site` that have not joined its log yet. */
  async function siteAccessKept(site: Site): Promise<number> {
    const [row] = await sql<{ n: number }>(
      site,
      'SELECT count(*)::int AS n FROM registry_app.site_access_log',
    );
    return row?.n ?? -1;
  }

  beforeAll(async () => {
    keysDir = mkdtempSync(join(tmpdir(), 'registry-promotion-e2e-'));
    keys = await ensureLocalSigningKeys(keysDir);
  });

  afterAll(async () => {
    for (const site of sites) {
      site.service.signal('SIGTERM');
      await site.service.exit(15_000).catch(() => {
        site.service.signal('SIGKILL');
      });
      await site.database.drop();
    }
    rmSync(keysDir, { recursive: true, force: true });
  });

  it('serves and keeps a lawful read as a replica, then registers above every number the primary assigned', async () => {
    const registrar = await token({
      role: 'registrar',
      subject: 'clerk-1',
      registers: ['persons', 'businesses'],
      organisationId: 'rnpp',
    });
    const operator = await token({ role: 'operator', subject: 'ops-1' });
    const topic = uniqueName('registry.events.v1');
    const source = uniqueName('primary');
    const primary = await startSite({ EVENTS_TOPIC: `${source}.${topic}` });

    const business = (name: string) => ({
      name,
      legalForm: 'SARL',
      registeredAddress: LUXEMBOURG,
      managers: [{ nationalId: composeNationalId('1983-08-12', 467), role: 'manager' }],
    });
    const person = {
      givenNames: 'Anna',
      familyName: 'Schmit',
      birthDate: BIRTH_DATE,
      placeOfBirth: { locality: 'Ettelbruck', country: 'LU' },
      sex: 'F',
      nationalities: ['LU'],
      address: LUXEMBOURG,
      civilStatus: 'single',
    };
    // More businesses than a registration tries numbers: a promoted site that started again at
    // B1 would find every number it tries taken and answer 409.
    const agency = await token({ role: 'agency', subject: 'svc-ccss', organisationId: 'ccss' });
    const numbers: unknown[] = [];
    for (let i = 1; i <= BUSINESSES; i += 1) {
      const created = await post(primary, '/businesses', registrar, business(`Business ${i}`));
      expect(created.status).toBe(201);
      numbers.push(created.body['businessNumber']);
    }
    expect(numbers.at(-1)).toBe(`B${String(BUSINESSES)}`);
    const nationalIds: string[] = [];
    for (let i = 0; i < 2; i += 1) {
      const registered = await post(primary, '/persons', registrar, person);
      expect(registered.status).toBe(201);
      nationalIds.push(String(registered.body['nationalId']));
    }
    const [readOnEmbassy] = nationalIds;

    const embassy = await startSite({
      SITE_ROLE: 'embassy',
      EVENTS_TOPIC: topic,
      REPLICATION_SOURCE: source,
      REPLICATION_GROUP: uniqueName('registry.replica'),
    });
    const primaryHead = await head(primary, operator);
    expect(Number(primaryHead)).toBeGreaterThan(BUSINESSES);
    const deadline = Date.now() + 60_000;
    while ((await head(embassy, operator)) !== primaryHead) {
      if (Date.now() > deadline) throw new Error(`the embassy did not reach ${primaryHead}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    // A lawful read on the replica is served, and its access kept on the site until it can
    // join the log.
    const read = await fetch(`${embassy.baseUrl}/persons/${String(readOnEmbassy)}`, {
      headers: {
        authorization: `Bearer ${agency}`,
        'x-purpose': 'family-allowance-eligibility',
        'x-legal-basis': 'ccss-family-allowances',
      },
    });
    expect(read.status).toBe(200);
    expect(await accessEvents(embassy, String(readOnEmbassy))).toEqual([]);
    expect(await siteAccessKept(embassy)).toBe(1);

    const promoted = await post(embassy, '/replication/promote', operator, { reason: 'e2e' });
    expect(promoted).toMatchObject({ status: 200, body: { role: 'primary' } });

    // The promoted site joins it to its log without anyone acting.
    const joinedBy = Date.now() + 15_000;
    while ((await siteAccessKept(embassy)) > 0) {
      if (Date.now() > joinedBy) throw new Error('the kept access did not join the log');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await accessEvents(embassy, String(readOnEmbassy))).toEqual([
      'gov.registry.v1.PersonalDataAccessed',
    ]);

    const next = await post(embassy, '/businesses', registrar, business('After promotion'));
    expect(next).toMatchObject({
      status: 201,
      body: { businessNumber: `B${String(BUSINESSES + 1)}` },
    });
    const born = await post(embassy, '/persons', registrar, person);
    expect(born).toMatchObject({
      status: 201,
      body: { nationalId: composeNationalId(BIRTH_DATE, 2) },
    });
  }, 240_000);
});
