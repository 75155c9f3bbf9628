// The public change feed as an agency sees it: a plain kafkajs consumer (no platform code) reads
// registry.changes.v1 from the beginning and decodes each value with the published
// gov.registry.v1.RecordChange contract. kafkajs is used directly here on purpose: this is the
// subscriber's side, not platform code (which goes through libs/platform/messaging).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { fromBinary } from '@bufbuild/protobuf';
import { Kafka, logLevel } from 'kafkajs';

import { RecordChangeSchema } from '@gov/contracts';
import type { RecordChange } from '@gov/contracts';
import { ensureLocalSigningKeys, mintToken } from '@gov/platform-auth';
import {
  createTestDatabase,
  testInfra,
  testKafkaEnv,
  testKafkaUser,
  uniqueName,
} from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';

import { RegistryProcess, freePort, runTool, waitUntilOk } from './testing/registry-process';

const ISSUER = 'registry-changes-e2e';
const AUDIENCE = 'backbone';

describe('registry.changes.v1, read by an agency with a plain Kafka client', () => {
  let database: TestDatabase;
  let keysDir: string;
  let registry: RegistryProcess;
  let baseUrl: string;
  let registrar: string;

  beforeAll(async () => {
    database = await createTestDatabase('registry_changes_e2e');
    keysDir = mkdtempSync(join(tmpdir(), 'registry-changes-e2e-'));
    const keys = await ensureLocalSigningKeys(keysDir);
    registrar = await mintToken(keys.privateKeyFile, {
      role: 'registrar',
      subject: 'clerk-1',
      registers: ['persons'],
      issuer: ISSUER,
      audience: AUDIENCE,
    });
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

  const write = async (
    method: string,
    path: string,
    body: unknown,
  ): Promise<Record<string, unknown>> => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${registrar}`,
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
      },
      body: JSON.stringify(body),
    });
    expect(response.ok).toBe(true);
    return (await response.json()) as Record<string, unknown>;
  };

  it('carries each change of a record, in order, with the full record after it', async () => {
    const address = (street: string, locality: string) => ({
      street,
      houseNumber: '1',
      postcode: '4011',
      locality,
      country: 'LU',
    });
    // A birth date of this run's own, so its national id is new to the shared topic.
    const birthDate = `19${String(30 + Math.floor(Math.random() * 60))}-0${String(1 + Math.floor(Math.random() * 9))}-2${String(Math.floor(Math.random() * 8))}`;
    const registered = await write('POST', '/persons', {
      givenNames: 'Jos',
      familyName: 'Feed',
      birthDate,
      sex: 'M',
      nationalities: ['LU'],
      civilStatus: 'single',
      address: address('Rue du Fort', 'Luxembourg'),
    });
    const nationalId = String(registered['nationalId']);
    await write('PUT', `/persons/${nationalId}/address`, {
      address: address('Rue de l Alzette', 'Esch-sur-Alzette'),
    });

    // What an agency would run: as its own Kafka user (k8s/common/users.yaml), in a group under
    // its prefix, from the earliest offset, decode by contract.
    const kafka = new Kafka({
      clientId: 'agency-ccss',
      brokers: testInfra().kafkaBrokers,
      sasl: testKafkaUser('agency-ccss'),
      logLevel: logLevel.NOTHING,
    });
    const consumer = kafka.consumer({ groupId: `ccss.${uniqueName('changes')}` });
    const changes: RecordChange[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: 'registry.changes.v1', fromBeginning: true });
      await consumer.run({
        eachMessage: ({ message }) => {
          if (message.key?.toString('utf8') === nationalId && message.value) {
            changes.push(fromBinary(RecordChangeSchema, message.value));
          }
          return Promise.resolve();
        },
      });
      const deadline = Date.now() + 60_000;
      while (changes.length < 2 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await consumer.disconnect();
    }

    expect(changes.map((change) => change.recordVersion)).toEqual([1n, 2n]);
    const [first, second] = changes;
    expect(first?.recordId).toBe(nationalId);
    expect(second?.recordId).toBe(nationalId);
    expect(second?.changedFields).toEqual(['address']);
    const record = second?.record;
    expect(record?.case).toBe('person');
    if (record?.case === 'person') {
      expect(record.value.familyName).toBe('Feed');
      expect(record.value.address?.locality).toBe('Esch-sur-Alzette');
    }
  });
});
