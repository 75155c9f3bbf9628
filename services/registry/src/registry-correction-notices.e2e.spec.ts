// Correction propagation (GDPR Art. 19) as the person and an agency see it: the service runs
// over real PostgreSQL and Kafka; an agency reads a person on its legal basis, the person's
// corrections are accepted, the person's GET of each correction names whom it was sent to, and
// the agency reads its CorrectionNotice from registry.correction-notices.v1 with a plain kafkajs
// consumer (the subscriber's side, not platform code), decoded with the published contract.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { fromBinary } from '@bufbuild/protobuf';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { Kafka, logLevel } from 'kafkajs';

import { CorrectionNoticeSchema } from '@gov/contracts';
import type { CorrectionNotice } from '@gov/contracts';
import { ensureLocalSigningKeys, mintToken } from '@gov/platform-auth';
import type { TokenRequest } from '@gov/platform-auth';
import { createTestDatabase, testInfra, testKafkaEnv, uniqueName } from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';
import { composeNationalId } from '@gov/registry-domain';

import { RegistryProcess, freePort, runTool, waitUntilOk } from './testing/registry-process';

const ISSUER = 'registry-correction-notices-e2e';
const AUDIENCE = 'backbone';
const NOTICES_TOPIC = 'registry.correction-notices.v1';

describe('correction notices (GDPR Art. 19), from a read to the agency’s notice', () => {
  let database: TestDatabase;
  let keysDir: string;
  let registry: RegistryProcess;
  let baseUrl: string;
  let registrar: string;
  let agency: string;
  let token: (request: Omit<TokenRequest, 'issuer' | 'audience'>) => Promise<string>;

  beforeAll(async () => {
    database = await createTestDatabase('registry_notices_e2e');
    keysDir = mkdtempSync(join(tmpdir(), 'registry-notices-e2e-'));
    const keys = await ensureLocalSigningKeys(keysDir);
    token = (request) =>
      mintToken(keys.privateKeyFile, { issuer: ISSUER, audience: AUDIENCE, ...request });
    registrar = await token({
      role: 'registrar',
      subject: 'clerk-1',
      registers: ['persons'],
      organisationId: 'rnpp',
      nationalId: composeNationalId('1975-06-03', 5),
    });
    agency = await token({ role: 'agency', subject: 'svc-ccss', organisationId: 'ccss' });
    expect(runTool('migrate', { DATABASE_URL: database.url }).status).toBe(0);
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${String(port)}`;
    registry = new RegistryProcess({
      DATABASE_URL: database.url,
      HTTP_PORT: String(port),
      ...testKafkaEnv(),
      AUTH_JWKS_FILE: keys.jwksFile,
      DATA_KEK_FILE: keys.keyEncryptionKeyFile,
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      LOG_LEVEL: 'warn',
    });
    await waitUntilOk(`${baseUrl}/health/ready`, registry, 90_000);
  });

  afterAll(async () => {
    registry.signal('SIGTERM');
    await registry.exit(15_000).catch(() => {
      registry.signal('SIGKILL');
    });
    await database.drop();
    rmSync(keysDir, { recursive: true, force: true });
  });

  const call = async (
    bearer: string,
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; body: Record<string, unknown> }> => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${bearer}`,
        ...(options.body === undefined
          ? {}
          : { 'content-type': 'application/json', 'idempotency-key': randomUUID() }),
        ...options.headers,
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('sends the agency that read the field a notice with the corrected value, and shows it to the person; none for a field it did not read', async () => {
    // A birth date of this run's own, so its national id is new to the shared topic.
    const birthDate = `19${String(30 + Math.floor(Math.random() * 60))}-0${String(1 + Math.floor(Math.random() * 9))}-1${String(Math.floor(Math.random() * 9))}`;
    const registered = await call(registrar, 'POST', '/persons', {
      body: {
        givenNames: 'Anna',
        familyName: 'Schmit',
        birthDate,
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
    const person = await token({ role: 'citizen', subject: nationalId });

    // The registrar reads the record too (the register's keeper: never a recipient); ccss reads
    // it on its family-allowance basis, which gives it the family name but not the sex.
    expect((await call(registrar, 'GET', `/persons/${nationalId}`)).status).toBe(200);
    const read = await call(agency, 'GET', `/persons/${nationalId}`, {
      headers: { 'x-purpose': 'family-allowance-eligibility' },
    });
    expect(read.status).toBe(200);
    expect(read.body).not.toHaveProperty('sex');
    await new Promise((resolve) => setTimeout(resolve, 50));

    const correct = async (correction: { field: string; value: string }) => {
      const requested = await call(person, 'POST', '/corrections', {
        body: {
          target: { register: 'persons', recordId: nationalId, correction },
          justification: 'My birth certificate shows otherwise.',
        },
      });
      expect(requested.status).toBe(201);
      const correctionId = String(requested.body['correctionId']);
      const accepted = await call(registrar, 'POST', `/corrections/${correctionId}/accept`);
      expect(accepted.status).toBe(200);
      expect(accepted.body).toMatchObject({ status: 'ACCEPTED', version: 3 });
      return correctionId;
    };
    const familyName = await correct({ field: 'familyName', value: 'Schmidt' });
    const sex = await correct({ field: 'sex', value: 'X' });
    const familyNameAgain = await correct({ field: 'familyName', value: 'Schmidt-Weber' });

    const shown = await call(person, 'GET', `/corrections/${familyName}`);
    expect(shown.status).toBe(200);
    expect(shown.body['communicatedTo']).toEqual([
      {
        organisationId: 'ccss',
        lastReceivedAt: expect.any(String) as unknown,
        purpose: 'family-allowance-eligibility',
        legalBasis: 'Code de la sécurité sociale, art. 269',
        procedureId: null,
        communicatedAt: expect.any(String) as unknown,
        sealedUntil: null,
      },
    ]);
    expect((await call(person, 'GET', `/corrections/${sex}`)).body['communicatedTo']).toEqual([]);
    const listed = await call(person, 'GET', '/corrections');
    expect(listed.body['items']).toContainEqual(
      expect.objectContaining({ correctionId: sex, communicatedAt: expect.any(String) as unknown }),
    );

    // What the agency runs: its own group, from the earliest offset, decode by contract, keep
    // its own notices. A person's notices share a partition in log order, so the third
    // correction's notice arriving second proves that the second correction sent ccss none.
    const kafka = new Kafka({
      clientId: 'agency-ccss',
      brokers: testInfra().kafkaBrokers,
      sasl: testInfra().kafkaSasl,
      logLevel: logLevel.NOTHING,
    });
    const consumer = kafka.consumer({ groupId: uniqueName('agency-ccss-notices') });
    const notices: CorrectionNotice[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: NOTICES_TOPIC, fromBeginning: true });
      await consumer.run({
        eachMessage: ({ message }) => {
          if (message.key?.toString('utf8') === nationalId && message.value) {
            const notice = fromBinary(CorrectionNoticeSchema, message.value);
            if (notice.organisationId === 'ccss') notices.push(notice);
          }
          return Promise.resolve();
        },
      });
      const deadline = Date.now() + 60_000;
      while (notices.length < 2 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await consumer.disconnect();
    }

    expect(notices.map((notice) => notice.correctionId)).toEqual([familyName, familyNameAgain]);
    const [notice] = notices;
    expect(notice).toMatchObject({
      organisationId: 'ccss',
      recordId: nationalId,
      purpose: 'family-allowance-eligibility',
      procedureId: '',
      corrected: { value: { case: 'familyName', value: 'Schmidt' } },
    });
    expect(notice?.lastReceivedAt && timestampDate(notice.lastReceivedAt).toISOString()).toBe(
      (shown.body['communicatedTo'] as { lastReceivedAt: string }[])[0]?.lastReceivedAt,
    );
    expect(notice?.acceptedAt && timestampDate(notice.acceptedAt).toISOString()).toBe(
      shown.body['decidedAt'],
    );
    expect(notices[1]?.corrected?.value).toEqual({ case: 'familyName', value: 'Schmidt-Weber' });
    expect(new Set(notices.map((n) => n.noticeId)).size).toBe(2);
  });
});
