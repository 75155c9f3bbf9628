// The procedures service on the data embassy and the registry's correction notices: the primary
// records a notice on the case; the embassy replays the case with it, does not consume notices
// while it is a replica (it could not append: each would end in the dead-letter topic, lost to
// the promoted site), and consumes them once promoted. One Kafka cluster stands for both sites:
// the primary's log topic is named as the embassy's mirror of it (`<source>.<topic>`), as
// MirrorMaker 2 would name it, and both read the same notices topic.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { INestApplicationContext } from '@nestjs/common';

import { CorrectionNoticeSchema, PersonCorrectionSchema, Register } from '@gov/contracts';
import type { TokenRequest } from '@gov/platform-auth';
import { ServicesUnderTest, callJson } from '@gov/platform-e2e-testing';
import { EventPublisher, KafkaAdmin } from '@gov/platform-messaging';
import { startTestMessaging } from '@gov/platform-messaging-testing';
import { createTestDatabase, runServiceTool, uniqueName, waitFor } from '@gov/platform-testing';
import type { ServiceProcess } from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';

const name = (prefix: string) => uniqueName(prefix).replace(/_/g, '-');
const NOTICES_TOPIC = name('procedures-embassy-registry.correction-notices.v1');
const LOG_TOPIC = name('procedures-embassy-procedures.events.v1');
// No registry runs here: a topic of its own stands for its log, which nothing writes.
const REGISTRY_TOPIC = name('procedures-embassy-registry.events.v1');
const MIRROR = 'mirror';
const ANNA = '1983081246785';

function notice(organisationId: string, familyName: string) {
  return {
    key: ANNA,
    headers: {},
    value: Buffer.from(
      toBinary(
        CorrectionNoticeSchema,
        create(CorrectionNoticeSchema, {
          noticeId: randomUUID(),
          organisationId,
          correctionId: randomUUID(),
          register: Register.PERSONS,
          recordId: ANNA,
          corrected: create(PersonCorrectionSchema, {
            value: { case: 'familyName', value: familyName },
          }),
          acceptedAt: timestampFromDate(new Date()),
        }),
      ),
    ),
  };
}

describe('correction notices on the data embassy', () => {
  let primaryDb: TestDatabase;
  let embassyDb: TestDatabase;
  let services: ServicesUnderTest;
  let kafka: INestApplicationContext;
  let primary: ServiceProcess | undefined;
  let embassy: ServiceProcess | undefined;

  const token = (request: Omit<TokenRequest, 'issuer' | 'audience'>) => services.token(request);
  const call = callJson;

  const start = (site: 'primary' | 'embassy', database: TestDatabase) =>
    services.start(
      'procedures',
      {
        SITE_ROLE: site,
        EVENTS_TOPIC: site === 'primary' ? `${MIRROR}.${LOG_TOPIC}` : LOG_TOPIC,
        REPLICATION_SOURCE: MIRROR,
        REPLICATION_GROUP: uniqueName(`procedures-embassy-${site}`),
        PROCEDURES_SIGNING_KEY_FILE: services.keys.privateKeyFile,
        CORRECTION_NOTICES_TOPIC: NOTICES_TOPIC,
        PROCEDURES_REGISTRY_TOPIC: REGISTRY_TOPIC,
      },
      { database },
    );

  beforeAll(async () => {
    [primaryDb, embassyDb] = await Promise.all([
      createTestDatabase('procedures_embassy_p'),
      createTestDatabase('procedures_embassy_e'),
    ]);
    services = await ServicesUnderTest.create('procedures-embassy-e2e');
    for (const database of [primaryDb, embassyDb]) {
      expect(runServiceTool('procedures', 'migrate', { DATABASE_URL: database.url }).status).toBe(
        0,
      );
    }
    kafka = await startTestMessaging('procedures-embassy');
    await kafka.get(KafkaAdmin).ensureTopics([
      { topic: NOTICES_TOPIC, numPartitions: 1 },
      { topic: REGISTRY_TOPIC, numPartitions: 1 },
    ]);
  });

  afterAll(async () => {
    await kafka.close();
    await Promise.all([primary?.stop(), embassy?.stop()]);
    await services.stop();
    await Promise.all([primaryDb.drop(), embassyDb.drop()]);
  });

  it('replays the notices of a case, holds them while a replica, consumes them once promoted', async () => {
    const anna = await token({ role: 'citizen', subject: ANNA });
    const cae = await token({ role: 'agency', subject: 'svc-cae', organisationId: 'cae' });
    const operator = await token({ role: 'operator', subject: 'operator-1' });
    const publish = (familyName: string) =>
      kafka.get(EventPublisher).publish(NOTICES_TOPIC, [notice('cae', familyName)]);

    // On the primary: a submitted family-allowance case (typed in full: no registry here), and
    // a notice to its back office.
    const home = await start('primary', primaryDb);
    primary = home.process;
    const draft = await call(`${home.url}/drafts`, 'POST', anna, {
      procedureId: 'family-allowance',
    });
    expect(draft.status).toBe(201);
    const id = String(draft.body['caseId']);
    const submitted = await call(`${home.url}/drafts/${id}/submit`, 'POST', anna, {
      form: {
        givenNames: 'Anna Maria',
        familyName: 'Schmit',
        birthDate: '1983-08-12',
        address: {
          street: 'Boulevard Royal',
          houseNumber: '12A',
          postcode: '2449',
          locality: 'Luxembourg',
          country: 'LU',
        },
        bankAccount: 'LU280019400644750000',
        childGivenNames: 'Léa',
        childFamilyName: 'Schmit',
        childBirthDate: '2026-01-15',
      },
    });
    expect(submitted.status).toBe(200);
    const notices = async (url: string) =>
      ((await call(`${url}/submissions/${id}`, 'GET', cae)).body['correctionNotices'] ?? []) as {
        correctedValue: unknown;
      }[];
    await publish('Schmitt');
    await waitFor(
      'the notice on the primary',
      async () => (await notices(home.url)).length === 1,
      60_000,
    );

    // The embassy replays the case with its notice (the primary runs on until then: its relay
    // publishes the log after the append, and a stopped primary would keep the rest).
    const abroad = await start('embassy', embassyDb);
    embassy = abroad.process;
    await waitFor(
      'the replayed notice',
      async () =>
        (await call(`${abroad.url}/submissions/${id}`, 'GET', cae)).status === 200 &&
        (await notices(abroad.url)).length === 1,
      90_000,
    );
    // The home site is lost.
    await primary.stop();
    primary = undefined;

    // A notice sent while the embassy is a replica: not consumed (nor dead-lettered).
    await publish('Schmidt');
    await sleep(5_000);
    expect(await notices(abroad.url)).toHaveLength(1);

    // Promoted: it consumes from where the primary's group stopped.
    const promoted = await fetch(`${abroad.url}/replication/promote`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'procedures embassy e2e' }),
    });
    expect(promoted.status).toBe(200);
    await waitFor(
      'the second notice on the promoted embassy',
      async () => (await notices(abroad.url)).length === 2,
      60_000,
    );
    expect((await notices(abroad.url)).map((n) => n.correctedValue)).toEqual([
      'Schmitt',
      'Schmidt',
    ]);
  });
});
