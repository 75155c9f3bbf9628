// What the KafkaUsers of k8s/ allow on a real local cluster (SASL/SCRAM-SHA-512, StandardAuthorizer,
// no access without an ACL). kafkajs is used directly, as an agency's or an intruder's client
// would: the point is what the broker refuses, whatever the platform's own library would send.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Kafka, logLevel } from 'kafkajs';
import type { LogEntry, SASLOptions } from 'kafkajs';

import { startKafka } from './kafka';
import { loadKafkaTopics, loadKafkaUsers } from './kafka-manifests';
import type { KafkaSasl } from './kafka-security';
import { freePort } from './processes';
import { startEphemeralSite } from './site';
import type { EphemeralSite } from './site';

let site: EphemeralSite;

beforeAll(async () => {
  site = await startEphemeralSite('acls', process.pid, { role: 'primary' });
  // Something to read on the full change feed, on both agencies' feeds and on the internal log.
  const producer = client(site.kafka.sasl(), 5).producer();
  await producer.connect();
  for (const topic of [
    'registry.changes.v1',
    'registry.changes.ccss.v1',
    'registry.changes.cae.v1',
    'registry.events.v1',
  ]) {
    await producer.send({ topic, messages: [{ key: 'seed', value: 'seed' }] });
  }
  await producer.disconnect();
}, 120_000);

afterAll(async () => {
  await site.stop();
});

/** A client that gives up at the first refusal, unless told to retry (the seeding does). */
function client(
  sasl: KafkaSasl | SASLOptions | undefined,
  retries = 0,
  brokerErrors?: string[],
): Kafka {
  return new Kafka({
    clientId: `acl-spec-${randomUUID()}`,
    brokers: [site.kafka.bootstrap],
    ...(sasl ? { sasl } : {}),
    connectionTimeout: 2_000,
    retry: { retries },
    ...(brokerErrors
      ? {
          // kafkajs reports a refused FindCoordinator only as "Failed to find group
          // coordinator"; the broker's error code is in its debug log.
          logLevel: logLevel.DEBUG,
          logCreator:
            () =>
            ({ log }: LogEntry) => {
              const type = (log as { error?: { type?: unknown } }).error?.type;
              if (typeof type === 'string') brokerErrors.push(type);
            },
        }
      : { logLevel: logLevel.NOTHING }),
  });
}

/** Writes one record as `sasl`; resolves, or rejects with the broker's refusal. */
async function write(sasl: KafkaSasl, topic: string): Promise<void> {
  const producer = client(sasl).producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages: [{ key: 'k', value: randomUUID() }] });
  } finally {
    await producer.disconnect();
  }
}

/** Reads the first record of `topic` in `groupId` as `sasl`; rejects with the refusal. */
async function readFirst(sasl: KafkaSasl, topic: string, groupId: string): Promise<string> {
  // Retries for what is transient on a fresh cluster (the group coordinator's topic being
  // created); an authorization failure is never retried.
  const brokerErrors: string[] = [];
  const consumer = client(sasl, 10, brokerErrors).consumer({
    groupId,
    maxWaitTimeInMs: 100,
    retry: {
      retries: 8,
      initialRetryTime: 100,
      maxRetryTime: 1_000,
      restartOnFailure: () => Promise.resolve(false),
    },
  });
  await consumer.connect();
  try {
    return await new Promise<string>((resolve, reject) => {
      consumer.on(consumer.events.CRASH, (event) => {
        reject(event.payload.error);
      });
      consumer
        .subscribe({ topic, fromBeginning: true })
        .then(() =>
          consumer.run({
            eachMessage: ({ message }) => {
              resolve(message.value?.toString() ?? '');
              return Promise.resolve();
            },
          }),
        )
        .catch(reject);
    });
  } catch (error) {
    throw new Error(
      `${error instanceof Error ? error.message : String(error)} (broker: ${[...new Set(brokerErrors)].join(', ')})`,
      { cause: error },
    );
  } finally {
    await consumer.disconnect();
  }
}

/**
 * The broker's refusal, as the error kafkajs reports it in (a protocol error's type, an
 * aggregate's, or the message it composes for a topic the user may not even describe).
 */
async function refusal(action: Promise<unknown>): Promise<string> {
  try {
    await action;
  } catch (error) {
    const e = error as { type?: string; message?: string; errors?: { type?: string }[] };
    return [e.type, ...(e.errors ?? []).map((inner) => inner.type), e.message]
      .filter((part) => part !== undefined)
      .join(' ');
  }
  throw new Error('expected the broker to refuse, and it allowed it');
}

const TOPIC_REFUSED = /TOPIC_AUTHORIZATION_FAILED|Topic authorization failed/;

const agency = (): KafkaSasl => site.kafka.sasl('agency-ccss');

describe('an agency (agency-ccss)', () => {
  it('reads its own feed in a consumer group under its own prefix', async () => {
    await expect(readFirst(agency(), 'registry.changes.ccss.v1', 'ccss.allowances')).resolves.toBe(
      'seed',
    );
  });

  it('is refused its feed in a group outside its prefix', async () => {
    expect(
      await refusal(readFirst(agency(), 'registry.changes.ccss.v1', 'registry.allowances')),
    ).toMatch(/GROUP_AUTHORIZATION_FAILED/);
  });

  it('is refused another agency’s feed', async () => {
    expect(await refusal(readFirst(agency(), 'registry.changes.cae.v1', 'ccss.cae'))).toMatch(
      TOPIC_REFUSED,
    );
  });

  it('is refused the full change feed, which carries every field of every record', async () => {
    expect(await refusal(readFirst(agency(), 'registry.changes.v1', 'ccss.everything'))).toMatch(
      TOPIC_REFUSED,
    );
  });

  it('cannot read an internal topic, which holds whole person records', async () => {
    expect(await refusal(readFirst(agency(), 'registry.events.v1', 'ccss.everything'))).toMatch(
      TOPIC_REFUSED,
    );
  });

  it.each(['registry.changes.ccss.v1', 'registry.changes.v1', 'registry.events.v1', 'ccss.own.v1'])(
    'cannot write anywhere: %s',
    async (topic) => {
      expect(await refusal(write(agency(), topic))).toMatch(TOPIC_REFUSED);
    },
  );

  it('does not even see that internal topics exist', async () => {
    const admin = client(agency()).admin();
    await admin.connect();
    try {
      expect(await admin.listTopics()).toEqual(['registry.changes.ccss.v1']);
    } finally {
      await admin.disconnect();
    }
  });
});

describe('a service', () => {
  it('writes its own log', async () => {
    await expect(write(site.kafka.sasl('consent'), 'consent.events.v1')).resolves.toBeUndefined();
  });

  it("cannot write another service's log", async () => {
    expect(await refusal(write(site.kafka.sasl('consent'), 'registry.events.v1'))).toMatch(
      TOPIC_REFUSED,
    );
  });

  it('reads what it consumes, in its own groups only', async () => {
    await expect(
      readFirst(site.kafka.sasl('audit'), 'registry.events.v1', 'audit.registry-accesses'),
    ).resolves.toBe('seed');
    expect(
      await refusal(readFirst(site.kafka.sasl('audit'), 'registry.events.v1', 'registry.replica')),
    ).toMatch(/GROUP_AUTHORIZATION_FAILED/);
  });

  it('cannot create topics (they come from the KafkaTopics)', async () => {
    const admin = client(site.kafka.sasl('registry')).admin();
    await admin.connect();
    try {
      expect(
        await refusal(
          admin.createTopics({ topics: [{ topic: 'registry.events.v2', numPartitions: 1 }] }),
        ),
      ).toMatch(TOPIC_REFUSED);
    } finally {
      await admin.disconnect();
    }
  });
});

describe('authentication', () => {
  it('refuses a wrong password', async () => {
    const wrong = { ...site.kafka.sasl('registry'), password: 'not-the-password' };
    await expect(write(wrong, 'registry.events.v1')).rejects.toMatchObject({
      name: 'KafkaJSSASLAuthenticationError',
      message: expect.stringContaining('authentication failed') as unknown,
    });
  });

  it('refuses a client without credentials', async () => {
    const admin = client(undefined).admin();
    await expect(admin.connect().then(() => admin.listTopics())).rejects.toThrow();
    await admin.disconnect();
  });
});

describe('a KafkaUser added to k8s/ after the cluster was formatted', () => {
  it('gets its credentials and ACLs on the next start; the others keep their passwords', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'backbone-kafka-users-'));
    const [port, controllerPort] = [await freePort(), await freePort()];
    const all = loadKafkaUsers();
    const withoutAgency = all.filter(({ name }) => name !== 'agency-ccss');
    const first = await startKafka({ dir, port, controllerPort, users: withoutAgency });
    const registryPassword = first.sasl('registry').password;
    await first.stop();
    expect(() => first.sasl('agency-ccss')).toThrow(RangeError);

    const topics = loadKafkaTopics('primary').filter(({ topic }) =>
      ['registry.changes.ccss.v1', 'registry.events.v1'].includes(topic),
    );
    const again = await startKafka({ dir, port, controllerPort, users: all, topics });
    try {
      expect(again.sasl('registry').password).toBe(registryPassword);
      const admin = new Kafka({
        clientId: 'added-user',
        brokers: [again.bootstrap],
        sasl: again.sasl('agency-ccss'),
        logLevel: logLevel.NOTHING,
      }).admin();
      await admin.connect();
      try {
        // Authenticated (an unknown user is refused before any request), and granted its ACLs:
        // it sees its feed and not the internal log.
        expect(await admin.listTopics()).toEqual(['registry.changes.ccss.v1']);
      } finally {
        await admin.disconnect();
      }
    } finally {
      await again.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
