// The register of vehicles over HTTP, against the running service on real Kafka and
// PostgreSQL: registrar-only writes, as-of and history reads, agency reads cut to the basis,
// and bad input answered with a 4xx problem that changes nothing.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ensureLocalSigningKeys, mintToken } from '@gov/platform-auth';
import type { LocalSigningKeys, TokenRequest } from '@gov/platform-auth';
import { createTestDatabase, testKafkaEnv } from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';
import { composeNationalId } from '@gov/registry-domain';

import { RegistryProcess, freePort, runTool, waitUntilOk } from './testing/registry-process';

const ISSUER = 'registry-vehicles-e2e';
const AUDIENCE = 'backbone';
/** A valid national id that no record of this run's database has. */
const NOBODY = composeNationalId('1962-02-02', 7);
const LUXEMBOURG = {
  street: 'Boulevard Royal',
  houseNumber: '12A',
  postcode: '2449',
  locality: 'Luxembourg',
  country: 'LU',
};

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
}

describe('register of vehicles over HTTP, end to end', () => {
  let database: TestDatabase;
  let keysDir: string;
  let keys: LocalSigningKeys;
  let registry: RegistryProcess;
  let baseUrl: string;
  let registrar: string;
  let vehicleRegistrar: string;
  let police: string;
  let nationalId: string;
  let businessNumber: string;

  const token = (request: Omit<TokenRequest, 'issuer' | 'audience'>): Promise<string> =>
    mintToken(keys.privateKeyFile, { issuer: ISSUER, audience: AUDIENCE, ...request });

  async function api(
    method: string,
    path: string,
    options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
    };
  }

  const zoe = (overrides: Record<string, unknown> = {}) => ({
    registrationNumber: 'ab 1234',
    owner: { kind: 'person', nationalId },
    make: 'Renault',
    model: 'Zoe',
    firstRegistration: '2021-04-15',
    ...overrides,
  });

  const registerVehicle = (body: unknown, as = vehicleRegistrar) =>
    api('POST', '/vehicles', { token: as, body, headers: { 'idempotency-key': randomUUID() } });

  beforeAll(async () => {
    database = await createTestDatabase('registry_vehicles_e2e');
    keysDir = mkdtempSync(join(tmpdir(), 'registry-vehicles-e2e-'));
    keys = await ensureLocalSigningKeys(keysDir);
    registrar = await token({
      role: 'registrar',
      subject: 'clerk-1',
      registers: ['persons', 'businesses'],
      organisationId: 'rnpp',
    });
    vehicleRegistrar = await token({
      role: 'registrar',
      subject: 'clerk-5',
      registers: ['vehicles'],
      organisationId: 'snca',
    });
    police = await token({ role: 'agency', subject: 'svc-police', organisationId: 'police' });

    const env = { DATABASE_URL: database.url };
    expect(runTool('migrate', env).status).toBe(0);
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    registry = new RegistryProcess({
      ...env,
      HTTP_PORT: String(port),
      ...testKafkaEnv(),
      AUTH_JWKS_FILE: keys.jwksFile,
      DATA_KEK_FILE: keys.keyEncryptionKeyFile,
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      LOG_LEVEL: 'warn',
    });
    await waitUntilOk(`${baseUrl}/health/ready`, registry, 90_000);

    const person = await api('POST', '/persons', {
      token: registrar,
      headers: { 'idempotency-key': randomUUID() },
      body: {
        givenNames: 'Anna Maria',
        familyName: 'Schmit',
        birthDate: '1983-08-12',
        placeOfBirth: { locality: 'Ettelbruck', country: 'LU' },
        sex: 'F',
        nationalities: ['LU'],
        address: LUXEMBOURG,
        civilStatus: 'single',
      },
    });
    nationalId = String(person.body['nationalId']);
    const business = await api('POST', '/businesses', {
      token: registrar,
      headers: { 'idempotency-key': randomUUID() },
      body: {
        name: 'Moselle Logistics',
        legalForm: 'SARL',
        registeredAddress: LUXEMBOURG,
        managers: [{ nationalId, role: 'manager' }],
      },
    });
    businessNumber = String(business.body['businessNumber']);
    expect([person.status, business.status]).toEqual([201, 201]);
  });

  afterAll(async () => {
    registry.signal('SIGTERM');
    await registry.exit(15_000).catch(() => {
      registry.signal('SIGKILL');
    });
    await database.drop();
    rmSync(keysDir, { recursive: true, force: true });
  });

  it('registers a vehicle under the kept form of its number; a second time is 409', async () => {
    const created = await registerVehicle(zoe());

    expect(created.status).toBe(201);
    expect(created.body).toEqual({ registrationNumber: 'AB1234', version: 1, changed: true });
    expect(created.headers.get('location')).toBe('/vehicles/AB1234');
    expect(created.headers.get('etag')).toBe('"1"');

    const again = await registerVehicle(zoe({ registrationNumber: 'AB-1234' }));
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toBe('application/problem+json');
    expect(again.body).toMatchObject({ code: 'ALREADY_REGISTERED' });
  });

  it('refuses a malformed number, an unknown owner and other callers, and records nothing', async () => {
    const malformed = await registerVehicle(zoe({ registrationNumber: 'A-12345' }));
    const unknownPerson = await registerVehicle(
      zoe({ registrationNumber: 'CD 5678', owner: { kind: 'person', nationalId: NOBODY } }),
    );
    const unknownBusiness = await registerVehicle(
      zoe({ registrationNumber: 'CD 5678', owner: { kind: 'business', businessNumber: 'B999' } }),
    );
    const byPersonsRegistrar = await registerVehicle(
      zoe({ registrationNumber: 'CD 5678' }),
      registrar,
    );
    const byAgency = await registerVehicle(zoe({ registrationNumber: 'CD 5678' }), police);

    expect(malformed.status).toBe(400);
    expect(malformed.body['errors']).toEqual([
      expect.objectContaining({ field: 'registrationNumber' }),
    ]);
    // Well-formed, but no such owner on record: a valid request the registers refuse (422).
    for (const [answer, field] of [
      [unknownPerson, 'owner.nationalId'],
      [unknownBusiness, 'owner.businessNumber'],
    ] as const) {
      expect(answer.status).toBe(422);
      expect(answer.headers.get('content-type')).toBe('application/problem+json');
      expect(answer.body).toMatchObject({ code: 'OWNER_NOT_ON_RECORD', fields: [field] });
    }
    expect([byPersonsRegistrar.status, byAgency.status]).toEqual([403, 403]);
    const missing = await api('GET', '/vehicles/CD5678', { token: vehicleRegistrar });
    expect(missing.status).toBe(404);
  });

  it('transfers ownership with If-Match and answers the record now, as of before, and its history', async () => {
    const beforeTransfer = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const stale = await api('PUT', '/vehicles/AB1234/owner', {
      token: vehicleRegistrar,
      headers: { 'if-match': '"7"' },
      body: { owner: { kind: 'business', businessNumber } },
    });
    const transferred = await api('PUT', '/vehicles/AB1234/owner', {
      token: vehicleRegistrar,
      headers: { 'if-match': '"1"' },
      body: { owner: { kind: 'business', businessNumber } },
    });

    expect(stale.status).toBe(412);
    expect(transferred.status).toBe(200);
    expect(transferred.body).toEqual({ registrationNumber: 'AB1234', version: 2, changed: true });
    const now = await api('GET', '/vehicles/ab1234', { token: vehicleRegistrar });
    expect(now.body).toEqual({
      registrationNumber: 'AB1234',
      status: 'registered',
      version: 2,
      owner: { kind: 'business', businessNumber },
      make: 'Renault',
      model: 'Zoe',
      firstRegistration: '2021-04-15',
      deregistration: null,
    });
    const then = await api('GET', `/vehicles/AB1234?asOf=${encodeURIComponent(beforeTransfer)}`, {
      token: vehicleRegistrar,
    });
    expect(then.body).toMatchObject({ version: 1, owner: { kind: 'person', nationalId } });
    const history = await api('GET', '/vehicles/AB1234/history', { token: vehicleRegistrar });
    expect(
      (history.body['entries'] as { eventType: string }[]).map((entry) => entry.eventType),
    ).toEqual([
      'gov.registry.vehicles.v1.VehicleRegistered',
      'gov.registry.vehicles.v1.VehicleOwnershipTransferred',
    ]);
  });

  it('lets an agency read only on a basis of its own, and only the fields the basis names', async () => {
    const read = await api('GET', '/vehicles/AB1234', {
      token: police,
      headers: { 'x-purpose': 'vehicle-identification' },
    });
    const undeclared = await api('GET', '/vehicles/AB1234', { token: police });
    const otherPurpose = await api('GET', '/vehicles/AB1234', {
      token: police,
      headers: { 'x-purpose': 'criminal-investigation' },
    });

    expect(read.status).toBe(200);
    expect(Object.keys(read.body).sort()).toEqual(
      [
        'deregistration',
        'make',
        'model',
        'owner',
        'registrationNumber',
        'status',
        'version',
      ].sort(),
    );
    expect(undeclared.status).toBe(400);
    expect(otherPurpose.status).toBe(403);
  });

  it('documents the owner refusal (422) on the routes that can answer it', async () => {
    const document = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(Object.keys(document.paths['/vehicles']?.['post']?.responses ?? {})).toContain('422');
    expect(
      Object.keys(document.paths['/vehicles/{registrationNumber}/owner']?.['put']?.responses ?? {}),
    ).toEqual(expect.arrayContaining(['200', '404', '409', '412', '422']));
  });

  it('deregisters the vehicle, after which it no longer changes (409)', async () => {
    const deregistered = await api('POST', '/vehicles/AB1234/deregistration', {
      token: vehicleRegistrar,
      body: { effectiveDate: '2026-01-20', ground: 'scrapped' },
    });
    const transfer = await api('PUT', '/vehicles/AB1234/owner', {
      token: vehicleRegistrar,
      body: { owner: { kind: 'person', nationalId } },
    });
    const badGround = await api('POST', '/vehicles/AB1234/deregistration', {
      token: vehicleRegistrar,
      body: { effectiveDate: '2026-01-20', ground: 'sunk' },
    });

    expect(deregistered.status).toBe(200);
    expect(deregistered.body).toEqual({ registrationNumber: 'AB1234', version: 3, changed: true });
    expect(transfer.status).toBe(409);
    expect(transfer.body['code']).toBe('VEHICLE_DEREGISTERED');
    expect(badGround.status).toBe(400);
    const now = await api('GET', '/vehicles/AB1234', { token: vehicleRegistrar });
    expect(now.body).toMatchObject({
      status: 'deregistered',
      version: 3,
      deregistration: { effectiveDate: '2026-01-20', ground: 'scrapped' },
    });
  });
});
