// Registrations answered with their append (one statement stores the events, the number taken
// and the Idempotency-Key's answer): many at once for one birth date get dense numbers, and a
// retry or a twin request stores nothing and gets the first answer.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Client } from 'pg';

import { ensureLocalSigningKeys, mintToken } from '@gov/platform-auth';
import { createTestDatabase, testKafkaEnv } from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';
import { composeNationalId } from '@gov/registry-domain';

import { RegistryProcess, freePort, runTool, waitUntilOk } from './testing/registry-process';

const ISSUER = 'registry-registration-e2e';
const AUDIENCE = 'backbone';
const BIRTH_DATE = '1977-03-21';
const AT_ONCE = 12;

const person = (givenNames: string) => ({
  givenNames,
  familyName: 'Weber',
  birthDate: BIRTH_DATE,
  placeOfBirth: { locality: 'Esch-sur-Alzette', country: 'LU' },
  sex: 'M',
  nationalities: ['LU'],
  address: {
    street: 'Rue de l’Alzette',
    houseNumber: '3',
    postcode: 'L-4011',
    locality: 'Esch-sur-Alzette',
    country: 'LU',
  },
  civilStatus: 'single',
});

describe('registrations answered with their append', () => {
  let keysDir: string;
  let database: TestDatabase;
  let service: RegistryProcess;
  let baseUrl: string;
  let registrar: string;

  beforeAll(async () => {
    keysDir = mkdtempSync(join(tmpdir(), 'registry-registration-e2e-'));
    const keys = await ensureLocalSigningKeys(keysDir);
    registrar = await mintToken(keys.privateKeyFile, {
      role: 'registrar',
      subject: 'clerk-1',
      registers: ['persons'],
      organisationId: 'rnpp',
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    database = await createTestDatabase('registry_registration');
    expect(runTool('migrate', { DATABASE_URL: database.url }).status).toBe(0);
    const port = await freePort();
    service = new RegistryProcess({
      DATABASE_URL: database.url,
      HTTP_PORT: String(port),
      ...testKafkaEnv(),
      AUTH_JWKS_FILE: keys.jwksFile,
      DATA_KEK_FILE: keys.keyEncryptionKeyFile,
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      LOG_LEVEL: 'warn',
    });
    baseUrl = `http://127.0.0.1:${String(port)}`;
    await waitUntilOk(`${baseUrl}/health/ready`, service, 90_000);
  });

  afterAll(async () => {
    service.signal('SIGTERM');
    await service.exit(15_000).catch(() => {
      service.signal('SIGKILL');
    });
    await database.drop();
    rmSync(keysDir, { recursive: true, force: true });
  });

  const register = async (body: unknown, key: string) => {
    const response = await fetch(`${baseUrl}/persons`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${registrar}`,
        'content-type': 'application/json',
        'idempotency-key': key,
      },
      body: JSON.stringify(body),
    });
    return {
      status: response.status,
      replayed: response.headers.get('idempotent-replayed'),
      body: (await response.json()) as Record<string, unknown>,
    };
  };

  async function sql<T>(text: string, values: unknown[] = []): Promise<T[]> {
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      return (await client.query(text, values)).rows as T[];
    } finally {
      await client.end();
    }
  }

  it('numbers many registrations of one birth date at once without gaps or twins', async () => {
    const keys = Array.from({ length: AT_ONCE }, () => randomUUID());
    const answers = await Promise.all(keys.map((key, i) => register(person(`P${i}`), key)));
    expect(answers.map((a) => a.status)).toEqual(keys.map(() => 201));
    const ids = answers.map((a) => String(a.body['nationalId'])).sort();
    expect(ids).toEqual(
      Array.from({ length: AT_ONCE }, (_, i) => composeNationalId(BIRTH_DATE, i)).sort(),
    );
    // The allocator took exactly the numbers stored: the next is the one after them.
    const [row] = await sql<{ next_sequence: number }>(
      'SELECT next_sequence FROM registry_app.person_sequences WHERE birth_date = $1',
      [BIRTH_DATE],
    );
    expect(row?.next_sequence).toBe(AT_ONCE);
    const keysStored = await sql<{ n: number }>(
      'SELECT count(*)::int AS n FROM registry_app.idempotency_keys WHERE key = ANY($1)',
      [keys],
    );
    expect(keysStored[0]?.n).toBe(AT_ONCE);
  });

  it('stores a retried or twin registration once, and uses no number for it', async () => {
    const key = randomUUID();
    const twins = await Promise.all([register(person('Twin'), key), register(person('Twin'), key)]);
    expect(twins.map((t) => t.status)).toEqual([201, 201]);
    const [first, second] = twins;
    expect(first.body).toEqual(second.body);
    expect(twins.map((t) => t.replayed).sort()).toEqual([null, 'true']);
    const retried = await register(person('Twin'), key);
    expect(retried.status).toBe(201);
    expect(retried.replayed).toBe('true');
    expect(retried.body).toEqual(first.body);
    const reused = await register(person('Other'), key);
    expect(reused.status).toBe(409);
    expect(reused.body['code']).toBe('IDEMPOTENCY_KEY_REUSED');

    const nationalId = String(first.body['nationalId']);
    expect(nationalId).toBe(composeNationalId(BIRTH_DATE, AT_ONCE));
    const streams = await sql<{ stream_id: string }>(
      `SELECT DISTINCT stream_id FROM registry.events
       WHERE stream_id LIKE $1 AND event_type LIKE '%PersonRegistered' ORDER BY 1`,
      [`${BIRTH_DATE.replaceAll('-', '')}%`],
    );
    expect(streams).toHaveLength(AT_ONCE + 1);
    const [row] = await sql<{ next_sequence: number }>(
      'SELECT next_sequence FROM registry_app.person_sequences WHERE birth_date = $1',
      [BIRTH_DATE],
    );
    expect(row?.next_sequence).toBe(AT_ONCE + 1);
  });
});
