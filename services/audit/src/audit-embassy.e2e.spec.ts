import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { INestApplicationContext } from '@nestjs/common';

import type { SignedTreeHead } from '@gov/audit-application';
import { verifyConsistency } from '@gov/audit-merkle';
import { AccessorRole, PersonalDataAccessedSchema } from '@gov/contracts';
import { ensureLocalSigningKeys, mintToken } from '@gov/platform-auth';
import type { LocalSigningKeys } from '@gov/platform-auth';
import { computeContentHash, toEnvelopeRecord } from '@gov/platform-event-sourcing';
import { freePort } from '@gov/platform-infra';
import { EventPublisher, KafkaAdmin } from '@gov/platform-messaging';
import { startTestMessaging } from '@gov/platform-messaging-testing';
import {
  createTestDatabase,
  runServiceTool,
  ServiceProcess,
  testKafkaEnv,
  uniqueName,
  waitFor,
  waitUntilOk,
} from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';

// The audit service on the data embassy: it replays the primary's audit log (same leaves, same
// positions, so the same tree and roots, signed with the same key), does not consume the
// sources while it is a replica (it could not append, and its records would end dead-lettered
// and lost to the promoted site), and consumes them once promoted, from where the primary's
// group left off. One Kafka cluster stands for both: the primary's log topic is named as the
// embassy's mirror of it (`<source>.<topic>`), as MirrorMaker 2 would name it.
const ISSUER = 'audit-embassy-e2e';
const AUDIENCE = 'backbone';
const name = (prefix: string) => uniqueName(prefix).replace(/_/g, '-');
const SOURCE_TOPIC = name('audit-embassy-registry.events.v1');
const LOG_TOPIC = name('audit-embassy-audit.events.v1');
const MIRROR = 'mirror';
const NID = '1983081246785';

function personalDataAccessed(): { key: string; value: Buffer; headers: Record<string, string> } {
  const payload = toBinary(
    PersonalDataAccessedSchema,
    create(PersonalDataAccessedSchema, {
      subjectNationalId: NID,
      organisationId: 'ccss',
      purpose: 'family allowance',
      legalBasis: 'CSS art. 269',
      fieldsRead: ['address'],
      accessedAt: timestampFromDate(new Date()),
      accessorRole: AccessorRole.AGENCY_SYSTEM,
    }),
  );
  const streamId = `access-${NID}`;
  const type = PersonalDataAccessedSchema.typeName;
  const record = toEnvelopeRecord({
    eventId: randomUUID(),
    eventType: type,
    payloadSchemaVersion: 1,
    streamId,
    streamVersion: 1,
    globalPosition: 1n,
    producer: 'registry',
    occurredAt: new Date(),
    recordedAt: new Date(),
    correlationId: randomUUID(),
    causationId: null,
    traceparent: null,
    tracestate: null,
    contentHash: computeContentHash(streamId, 1, type, payload),
    previousHash: null,
    dataSubjectKeyId: null,
    payload,
    actor: null,
  });
  return { key: record.key, value: Buffer.from(record.value), headers: { ...record.headers } };
}

describe('audit on the data embassy', () => {
  let primaryDb: TestDatabase;
  let embassyDb: TestDatabase;
  let dir: string;
  let keys: LocalSigningKeys;
  let kafka: INestApplicationContext;
  let primary: ServiceProcess | undefined;
  let embassy: ServiceProcess | undefined;
  let auditor: string;
  let operator: string;

  const start = async (site: 'primary' | 'embassy', database: TestDatabase) => {
    const port = await freePort();
    const child = new ServiceProcess('audit', {
      ...testKafkaEnv(),
      AUTH_JWKS_FILE: keys.jwksFile,
      DATA_KEK_FILE: keys.keyEncryptionKeyFile,
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      LOG_LEVEL: 'warn',
      DATABASE_URL: database.url,
      HTTP_PORT: String(port),
      SITE_ROLE: site,
      EVENTS_TOPIC: site === 'primary' ? `${MIRROR}.${LOG_TOPIC}` : LOG_TOPIC,
      REPLICATION_SOURCE: MIRROR,
      REPLICATION_GROUP: uniqueName(`audit-embassy-${site}`),
      AUDIT_REGISTRY_TOPIC: SOURCE_TOPIC,
      AUDIT_CONSENT_TOPIC: name('audit-embassy-consent.events.v1'),
      AUDIT_SIGNING_KEY_FILE: join(dir, 'tree-heads.jwk'),
      AUDIT_SIGNING_KEY_CREATE: 'true',
      // A replica refuses every POST (503 READ_ONLY_SITE): its heads come from the timer.
      AUDIT_TREE_HEAD_INTERVAL_MS: '300',
    });
    const url = `http://127.0.0.1:${port}`;
    await waitUntilOk(`${url}/health/ready`, child, 90_000);
    return { process: child, url };
  };
  const headOf = async (url: string): Promise<SignedTreeHead> => {
    const response = await fetch(`${url}/tree-heads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${auditor}` },
    });
    expect(response.status).toBe(200);
    return (await response.json()) as SignedTreeHead;
  };
  /** The latest head, as a reader of either site gets it (size -1 before the first). */
  const latestOf = async (url: string): Promise<SignedTreeHead | { tree_size: -1 }> => {
    const response = await fetch(`${url}/tree-heads/latest`, {
      headers: { authorization: `Bearer ${auditor}` },
    });
    return response.status === 200
      ? ((await response.json()) as SignedTreeHead)
      : { tree_size: -1 };
  };

  beforeAll(async () => {
    [primaryDb, embassyDb] = await Promise.all([
      createTestDatabase('audit_embassy_p'),
      createTestDatabase('audit_embassy_e'),
    ]);
    dir = mkdtempSync(join(tmpdir(), 'audit-embassy-e2e-'));
    keys = await ensureLocalSigningKeys(dir);
    const token = (role: 'auditor' | 'operator') =>
      mintToken(keys.privateKeyFile, {
        role,
        subject: `${role}-1`,
        issuer: ISSUER,
        audience: AUDIENCE,
      });
    [auditor, operator] = await Promise.all([token('auditor'), token('operator')]);
    for (const database of [primaryDb, embassyDb]) {
      expect(runServiceTool('audit', 'migrate', { DATABASE_URL: database.url }).status).toBe(0);
    }
    kafka = await startTestMessaging('audit-embassy');
    await kafka.get(KafkaAdmin).ensureTopics([{ topic: SOURCE_TOPIC, numPartitions: 1 }]);
  });

  afterAll(async () => {
    await kafka.close();
    await Promise.all([primary?.stop(), embassy?.stop()]);
    await Promise.all([primaryDb.drop(), embassyDb.drop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('replays the same tree, holds the sources while a replica, consumes them once promoted', async () => {
    const publish = (count: number) =>
      kafka.get(EventPublisher).publish(
        SOURCE_TOPIC,
        Array.from({ length: count }, () => personalDataAccessed()),
      );

    // The primary records three accesses and signs its tree.
    const home = await start('primary', primaryDb);
    primary = home.process;
    await publish(3);
    await waitFor(
      'three entries on the primary',
      async () => (await headOf(home.url)).tree_size === 3,
      60_000,
    );
    const primaryHead = await headOf(home.url);
    await primary.stop();
    primary = undefined;

    // The embassy replays the primary's log into the same tree.
    const abroad = await start('embassy', embassyDb);
    embassy = abroad.process;
    await waitFor(
      'the replayed tree',
      async () => (await latestOf(abroad.url)).tree_size === 3,
      60_000,
    );
    expect(await latestOf(abroad.url)).toMatchObject({ root_hash: primaryHead.root_hash });

    // Accesses reported while the embassy is a replica: not consumed, not dead-lettered.
    await publish(2);
    await sleep(5_000);
    expect((await latestOf(abroad.url)).tree_size).toBe(3);
    // (Had it consumed them, its appends would have failed into the dead-letter topic and its
    // group's offsets moved past them: the promoted site below would never see them.)

    // A replica refuses writes, and signing on demand is one.
    expect(
      (
        await fetch(`${abroad.url}/tree-heads`, {
          method: 'POST',
          headers: { authorization: `Bearer ${auditor}` },
        })
      ).status,
    ).toBe(503);

    // Promoted: it consumes from where the primary's group stopped, and extends the same tree.
    const promoted = await fetch(`${abroad.url}/replication/promote`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'audit embassy e2e' }),
    });
    expect(promoted.status).toBe(200);
    await waitFor(
      'five entries on the promoted embassy',
      async () => (await headOf(abroad.url)).tree_size === 5,
      60_000,
    );
    const after = await headOf(abroad.url);
    const consistency = await fetch(`${abroad.url}/proofs/consistency?first=3&second=5`, {
      headers: { authorization: `Bearer ${auditor}` },
    });
    const { proof } = (await consistency.json()) as { proof: string[] };
    const hash = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64url'));
    expect(
      verifyConsistency(3, 5, hash(primaryHead.root_hash), hash(after.root_hash), proof.map(hash)),
    ).toBe(true);
  });
});
