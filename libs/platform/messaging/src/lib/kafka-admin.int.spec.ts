import { KafkaAdmin } from './kafka-admin.service';
import {
  closedPort,
  partitionCount,
  rejection,
  silentBroker,
  startMessaging,
  topicConfig,
  uniqueName,
} from './testing/kafka-test-support';

describe('KafkaAdmin over a real broker', () => {
  it('creates missing topics and accepts existing ones', async () => {
    const app = await startMessaging();
    try {
      const admin = app.get(KafkaAdmin);
      const existing = uniqueName('existing');
      const fresh = uniqueName('fresh');
      await admin.ensureTopics([{ topic: existing, numPartitions: 2 }]);

      await admin.ensureTopics([
        { topic: existing, numPartitions: 2 },
        { topic: fresh, numPartitions: 3, configs: { 'retention.ms': '-1' } },
      ]);
      await admin.ensureTopics([{ topic: fresh, numPartitions: 3 }]);

      expect(await partitionCount(existing)).toBe(2);
      expect(await partitionCount(fresh)).toBe(3);
      expect(await topicConfig(fresh, 'retention.ms')).toBe('-1');
      const listed = await admin.listTopics();
      expect(listed).toEqual(expect.arrayContaining([existing, fresh]));
      expect(listed).toEqual([...listed].sort());
    } finally {
      await app.close();
    }
  });

  it('rejects an invalid topic declaration', async () => {
    const app = await startMessaging();
    try {
      const error = await rejection(
        app
          .get(KafkaAdmin)
          .ensureTopics([
            { topic: uniqueName('bad'), numPartitions: 1, configs: { 'cleanup.policy': 'shred' } },
          ]),
      );

      expect(error.kind).toBe('rejected');
      expect(error.context.operation).toBe('admin.ensureTopics');
    } finally {
      await app.close();
    }
  });

  it('is ready when the cluster answers', async () => {
    const app = await startMessaging();
    try {
      const readiness = app.get(KafkaAdmin);

      expect(readiness.name).toBe('kafka');
      await expect(readiness.check()).resolves.toBeUndefined();
    } finally {
      await app.close();
    }
  });

  it('is not ready, quickly, when no broker listens', async () => {
    const app = await startMessaging({
      brokers: [await closedPort()],
      readinessTimeoutMs: 3_000,
      logLevel: 'nothing',
    });
    try {
      const startedAt = Date.now();
      const error = await rejection(app.get(KafkaAdmin).check());

      expect(error.kind).toBe('unavailable');
      expect(Date.now() - startedAt).toBeLessThan(3_000);
    } finally {
      await app.close();
    }
  });

  it('is not ready when the broker does not answer in time', async () => {
    const broker = await silentBroker();
    const app = await startMessaging({
      brokers: [broker.address],
      readinessTimeoutMs: 300,
      logLevel: 'nothing',
    });
    try {
      const error = await rejection(app.get(KafkaAdmin).check());

      expect(error.kind).toBe('timeout');
      expect(error.context.operation).toBe('readiness');
    } finally {
      await app.close();
      await broker.close();
    }
  });
});
