// Helpers for this library's integration tests. Not exported from the library.
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { Logger } from '@nestjs/common';
import type { DynamicModule, INestApplicationContext } from '@nestjs/common';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import type { Admin } from 'kafkajs';

import { testInfra, uniqueName, waitFor } from '@gov/platform-testing';

import { MessagingModule } from '../messaging.module';
import { MessagingError } from '../messaging-error';
import type { MessagingModuleOptions } from '../messaging.options';

export { uniqueName };

/** The brokers of the run's throw-away Kafka cluster (from the test harness). */
export function testBrokers(): string[] {
  return testInfra().kafkaBrokers;
}

/** The super user of the run's cluster: the tests' own topics are outside every service's ACLs. */
export function testSasl(): MessagingModuleOptions['sasl'] {
  return testInfra().kafkaSasl;
}

/** Runs `work` with a connected kafkajs admin client on the test cluster, then disconnects. */
async function withAdmin<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Kafka({
    clientId: uniqueName('test-admin'),
    brokers: testBrokers(),
    sasl: testInfra().kafkaSasl,
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

/**
 * A Nest application context for `module`, logging only warnings and errors (the Kafka client's
 * included).
 */
export function createTestContext(module: DynamicModule): Promise<INestApplicationContext> {
  Logger.overrideLogger(['error', 'warn']);
  return NestFactory.createApplicationContext(module);
}

/** A Nest application context with the messaging module on the test brokers. */
export function startMessaging(
  overrides: Partial<MessagingModuleOptions> = {},
): Promise<INestApplicationContext> {
  return createTestContext(
    MessagingModule.forRoot({
      clientId: uniqueName('test'),
      brokers: testBrokers(),
      sasl: testInfra().kafkaSasl,
      ...overrides,
    }),
  );
}

export { waitFor };

/** A promise and its resolve function. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/**
 * The offsets `groupId` has committed for `topic`, by partition, read straight from the broker
 * (a committed offset is the next one to read; a partition without a commit counts as 0).
 */
export async function committedOffsets(
  groupId: string,
  topic: string,
): Promise<Map<number, number>> {
  return withAdmin(async (admin) => {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map(
      (offsets?.partitions ?? []).map(({ partition, offset }) => [
        partition,
        Math.max(Number(offset), 0),
      ]),
    );
  });
}

/** Number of partitions of `topic`, read straight from the broker. */
export async function partitionCount(topic: string): Promise<number> {
  return withAdmin(async (admin) => {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    return topics[0]?.partitions.length ?? 0;
  });
}

/** The value of configuration entry `name` of `topic`, read straight from the broker. */
export async function topicConfig(topic: string, name: string): Promise<string | undefined> {
  return withAdmin(async (admin) => {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: [name] }],
    });
    return resources[0]?.configEntries.find((entry) => entry.configName === name)?.configValue;
  });
}

/** The group's state as the coordinator reports it (`Stable`, `Empty`, `Dead`, ...). */
export async function groupState(groupId: string): Promise<string> {
  return withAdmin(async (admin) => {
    const { groups } = await admin.describeGroups([groupId]);
    return groups[0]?.state ?? 'Unknown';
  });
}

/** A TCP server that accepts connections and never answers: a broker that hangs. */
export async function silentBroker(): Promise<{ address: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${String(port)}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) {
          socket.destroy();
        }
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** An address where nothing listens. */
export async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
  return `127.0.0.1:${String(port)}`;
}

/** The MessagingError `promise` rejects with; fails if it resolves or rejects otherwise. */
export async function rejection(promise: Promise<unknown>): Promise<MessagingError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof MessagingError)) {
    throw new Error(`expected a MessagingError, got ${String(error)}`);
  }
  return error;
}
