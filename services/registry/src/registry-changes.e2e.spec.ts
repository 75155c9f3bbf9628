// The change feeds as their readers see them: a plain kafkajs consumer (no platform code) reads
// registry.changes.v1 (the platform's full feed) and each agency's own feed,
// registry.changes.<organisation>.v1, from the beginning and decodes each value with the
// published gov.registry.v1.RecordChange contract. kafkajs is used directly here on purpose: this is the
// subscriber's side, not platform code (which goes through libs/platform/messaging).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { fromBinary } from '@bufbuild/protobuf';
import { Kafka, logLevel } from 'kafkajs';

import { ChangeKind, CivilStatus, RecordChangeSchema, SexMarker } from '@gov/contracts';
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

describe('registry.changes.v1 and the agency feeds, read with a plain Kafka client', () => {
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

    // The full feed is the platform's own: read here as audit (which may read every
    // registry.changes.* topic), in a group under its prefix.
    const changes = await readChanges('audit', 'registry.changes.v1', nationalId, 2);
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

    // What an agency runs: as its own Kafka user (k8s/common/users.yaml), in a group under its
    // prefix, its own feed from the earliest offset, decoded by contract. The registry recorded
    // the catalogue's cut of each feed at start, before the person was registered.
    const ccss = await readChanges('agency-ccss', 'registry.changes.ccss.v1', nationalId, 2);
    expect(ccss.map((change) => [change.kind, change.changedFields])).toEqual([
      [
        ChangeKind.REGISTERED,
        [
          'national_id',
          'status',
          'given_names',
          'family_name',
          'birth_date',
          'sex',
          'address',
          'date_of_death',
        ],
      ],
      [ChangeKind.ADDRESS_CHANGED, ['address']],
    ]);
    expect(ccss[1]?.view).toMatchObject({
      organisationId: 'ccss',
      legalBasisId: 'ccss-affiliation',
    });
    const ccssRecord = ccss[1]?.record;
    if (ccssRecord?.case !== 'person') throw new Error('expected a person on ccss’s feed');
    // Named by ccss-affiliation: sent; not named (nationalities, civil status): left unset.
    expect(ccssRecord.value.address?.locality).toBe('Esch-sur-Alzette');
    expect(ccssRecord.value.familyName).toBe('Feed');
    expect(ccssRecord.value.nationalities).toEqual([]);
    expect(ccssRecord.value.civilStatus).toBe(CivilStatus.UNSPECIFIED);

    const cae = await readChanges('agency-cae', 'registry.changes.cae.v1', nationalId, 2);
    expect(cae.map((change) => change.kind)).toEqual([
      ChangeKind.REGISTERED,
      ChangeKind.ADDRESS_CHANGED,
    ]);
    const caeRecord = cae[1]?.record;
    if (caeRecord?.case !== 'person') throw new Error('expected a person on cae’s feed');
    expect(caeRecord.value.civilStatus).toBe(CivilStatus.SINGLE);
    expect(caeRecord.value.sex).toBe(SexMarker.UNSPECIFIED);
  });
});

/**
 * The changes of record `key` on `topic`, read as Kafka user `user` in a fresh group under its
 * prefix from the earliest offset, once `count` arrived (or after a minute).
 */
async function readChanges(
  user: string,
  topic: string,
  key: string,
  count: number,
): Promise<RecordChange[]> {
  const kafka = new Kafka({
    clientId: user,
    brokers: testInfra().kafkaBrokers,
    sasl: testKafkaUser(user),
    logLevel: logLevel.NOTHING,
  });
  const prefix = user.replace(/^agency-/, '');
  const consumer = kafka.consumer({ groupId: `${prefix}.${uniqueName('changes')}` });
  const changes: RecordChange[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        if (message.key?.toString('utf8') === key && message.value) {
          changes.push(fromBinary(RecordChangeSchema, message.value));
        }
        return Promise.resolve();
      },
    });
    const deadline = Date.now() + 60_000;
    while (changes.length < count && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await consumer.disconnect();
  }
  return changes;
}
