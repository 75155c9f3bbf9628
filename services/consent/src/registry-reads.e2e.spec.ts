// The registry asks this service's decision API for an agency's read of a person that no legal
// basis allows (ADR 0008): two processes over real Kafka and PostgreSQL. The agency receives
// the fields the person's consent grants and nothing else, the consent counts the use, and
// after the person revokes it the read is refused.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ensureLocalSigningKeys, mintToken } from '@gov/platform-auth';
import type { LocalSigningKeys, TokenRequest } from '@gov/platform-auth';
import { freePort } from '@gov/platform-infra';
import {
  createTestDatabase,
  runServiceTool,
  ServiceProcess,
  testKafkaEnv,
  uniqueName,
  waitUntilOk,
} from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';

const ISSUER = 'consent-registry-e2e';
const AUDIENCE = 'backbone';
const PURPOSE = 'family-allowance-payment-account';

interface Running {
  readonly database: TestDatabase;
  readonly service: ServiceProcess;
  readonly url: string;
}

describe('registry reads decided on the person’s consent', () => {
  let keysDir: string;
  let keys: LocalSigningKeys;
  const running: Running[] = [];

  const token = (request: Omit<TokenRequest, 'issuer' | 'audience'>): Promise<string> =>
    mintToken(keys.privateKeyFile, { issuer: ISSUER, audience: AUDIENCE, ...request });

  async function start(service: 'consent' | 'registry', extra: Record<string, string>) {
    const database = await createTestDatabase(`${service}_reads_e2e`);
    const migrated = runServiceTool(service, 'migrate', { DATABASE_URL: database.url });
    expect(migrated.status).toBe(0);
    const port = await freePort();
    const process = new ServiceProcess(service, {
      DATABASE_URL: database.url,
      HTTP_PORT: String(port),
      ...testKafkaEnv(),
      AUTH_JWKS_FILE: keys.jwksFile,
      DATA_KEK_FILE: keys.keyEncryptionKeyFile,
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      EVENTS_TOPIC: uniqueName(`${service}.events.v1`),
      LOG_LEVEL: 'warn',
      ...extra,
    });
    const started = { database, service: process, url: `http://127.0.0.1:${String(port)}` };
    running.push(started);
    await waitUntilOk(`${started.url}/health/ready`, process, 90_000);
    return started;
  }

  async function call(
    url: string,
    method: string,
    bearer: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${bearer}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(method === 'GET' ? {} : { 'idempotency-key': randomUUID() }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  beforeAll(async () => {
    keysDir = mkdtempSync(join(tmpdir(), 'consent-registry-e2e-'));
    keys = await ensureLocalSigningKeys(keysDir);
  });

  afterAll(async () => {
    for (const site of running) {
      site.service.signal('SIGTERM');
      await site.service.exit(15_000).catch(() => {
        site.service.signal('SIGKILL');
      });
      await site.database.drop();
    }
    rmSync(keysDir, { recursive: true, force: true });
  });

  it('serves the granted fields, counts the use, and refuses once revoked', async () => {
    const consent = await start('consent', { RECEIPT_KEY_DIR: join(keysDir, 'receipts') });
    const registry = await start('registry', { CONSENT_URL: consent.url });
    const registrar = await token({
      role: 'registrar',
      subject: 'clerk-1',
      registers: ['persons'],
      organisationId: 'rnpp',
    });
    const registered = await call(`${registry.url}/persons`, 'POST', registrar, {
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
    });
    expect(registered.status).toBe(201);
    const nationalId = String(registered.body['nationalId']);
    const citizen = await token({ role: 'citizen', subject: nationalId });
    const agency = await token({ role: 'agency', subject: 'svc-ccss', organisationId: 'ccss' });
    const read = () =>
      call(`${registry.url}/persons/${nationalId}`, 'GET', agency, undefined, {
        'x-purpose': PURPOSE,
      });

    // No legal basis of ccss allows this purpose, and no consent yet.
    expect((await read()).status).toBe(403);

    const granted = await call(`${consent.url}/consents`, 'POST', citizen, {
      organisationId: 'ccss',
      categories: ['persons.address', 'persons.family_name'],
      purpose: PURPOSE,
      validUntil: new Date(Date.now() + 24 * 3600_000).toISOString(),
    });
    expect(granted.status).toBe(201);
    const consentId = String(granted.body['consentId']);

    const allowed = await read();
    expect(allowed.status).toBe(200);
    expect(Object.keys(allowed.body).sort()).toEqual(
      ['address', 'familyName', 'nationalId', 'status', 'version'].sort(),
    );
    const counted = await call(`${consent.url}/consents/${consentId}`, 'GET', citizen);
    expect(counted.body).toMatchObject({ uses: 1 });

    expect(
      (await call(`${consent.url}/consents/${consentId}/revoke`, 'POST', citizen)).status,
    ).toBe(200);
    expect((await read()).status).toBe(403);
    expect((await call(`${consent.url}/consents/${consentId}`, 'GET', citizen)).body).toMatchObject(
      { uses: 1, status: 'REVOKED' },
    );
  }, 240_000);
});
