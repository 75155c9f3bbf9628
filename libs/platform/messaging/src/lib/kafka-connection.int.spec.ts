// The Kafka client's SASL settings against the run's real cluster, which requires
// SCRAM-SHA-512 and grants only what the KafkaUsers of k8s/ allow, as a Strimzi listener does.
import { testInfra, testKafkaUser } from '@gov/platform-testing';
import type { TestKafkaSasl } from '@gov/platform-testing';

import { KafkaAdmin } from './kafka-admin.service';
import { KafkaConnection } from './kafka-connection';
import type { MessagingModuleOptions } from './messaging.options';

// A topic the registry's user may write and that no test reads from the beginning: the run's
// cluster is shared, and a record that is no envelope on registry.events.v1 would stall every
// later reader of the registry's log.
const TOPIC = 'registry.keys.v1';

function connection(sasl: TestKafkaSasl | undefined): KafkaConnection {
  const options: MessagingModuleOptions = {
    clientId: 'scram-test',
    brokers: testInfra().kafkaBrokers,
    logLevel: 'nothing',
    ...(sasl === undefined ? {} : { sasl }),
  };
  return new KafkaConnection(options);
}

describe('KafkaConnection with SASL over a cluster that requires SCRAM-SHA-512', () => {
  beforeAll(async () => {
    // Topics come from the super user: a service's user may not create them.
    const admin = new KafkaAdmin(connection(testInfra().kafkaSasl));
    await admin.ensureTopics([{ topic: TOPIC, numPartitions: 6 }]);
    await admin.onApplicationShutdown();
  });

  it('publishes as its user with the right password', async () => {
    const producer = connection(testKafkaUser('registry')).kafka.producer();
    await producer.connect();
    try {
      // Acknowledged by every in-sync replica: the broker took the record from this user.
      const sent = await producer.send({
        topic: TOPIC,
        acks: -1,
        messages: [{ key: 'k', value: 'v' }],
      });
      expect(sent).toEqual([expect.objectContaining({ topicName: TOPIC, errorCode: 0 })]);
    } finally {
      await producer.disconnect();
    }
  });

  it('fails readiness naming the refusal with a wrong password', async () => {
    const admin = new KafkaAdmin(
      connection({ ...testKafkaUser('registry'), password: 'wrong-password' }),
    );
    try {
      await expect(admin.check()).rejects.toMatchObject({
        kind: 'rejected',
        message: expect.stringMatching(/SASL .*authentication failed/) as unknown,
      });
    } finally {
      await admin.onApplicationShutdown();
    }
  });

  it('fails readiness saying that the cluster wants SASL when no credentials are set', async () => {
    const admin = new KafkaAdmin(connection(undefined));
    try {
      await expect(admin.check()).rejects.toMatchObject({
        kind: 'rejected',
        message: expect.stringContaining('readiness: SASL authentication required') as unknown,
      });
    } finally {
      await admin.onApplicationShutdown();
    }
  });

  it('fails the start-up topic check the same way, instead of a bare closed connection', async () => {
    const admin = new KafkaAdmin(connection(undefined));
    try {
      await expect(admin.ensureTopics([{ topic: TOPIC, numPartitions: 6 }])).rejects.toMatchObject({
        kind: 'rejected',
        message: expect.stringContaining(
          'admin.ensureTopics: SASL authentication required',
        ) as unknown,
      });
    } finally {
      await admin.onApplicationShutdown();
    }
  });
});
