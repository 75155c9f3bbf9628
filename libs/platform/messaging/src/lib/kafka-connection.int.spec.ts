// The Kafka client's SASL settings against a real broker that requires SCRAM-SHA-512, as a
// Strimzi listener does: a one-node KRaft cluster from the same Apache jars as the test
// harness's, with its users created when its storage is formatted.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  ensureKafkaJars,
  freePort,
  startWatchdog,
  stopProcess,
  stopWatchdog,
  waitUntil,
} from '@gov/platform-infra';

import { KafkaConnection } from './kafka-connection';
import type { MessagingModuleOptions } from './messaging.options';

const USER = 'registry';
const PASSWORD = 'registry-password';

interface ScramBroker {
  readonly bootstrap: string;
  stop(): Promise<void>;
}

async function startScramBroker(): Promise<ScramBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'kafka-scram-'));
  const [port, controllerPort] = [await freePort(), await freePort()];
  const classPath = ensureKafkaJars();
  const log4j = join(dir, 'log4j.properties');
  writeFileSync(
    log4j,
    'log4j.rootLogger=WARN, stdout\nlog4j.appender.stdout=org.apache.log4j.ConsoleAppender\nlog4j.appender.stdout.layout=org.apache.log4j.PatternLayout\n',
  );
  const config = join(dir, 'server.properties');
  writeFileSync(
    config,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=SASL_PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=SASL_PLAINTEXT://127.0.0.1:${port}`,
      'listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT',
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=SASL_PLAINTEXT',
      'sasl.enabled.mechanisms=SCRAM-SHA-512',
      'sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512',
      'listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="admin-password";',
      `log.dirs=${join(dir, 'data')}`,
      'offsets.topic.replication.factor=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      '',
    ].join('\n'),
  );
  const java = (args: string[]) =>
    spawnSync('java', ['-cp', classPath, `-Dlog4j.configuration=file:${log4j}`, ...args], {
      encoding: 'utf8',
    });
  const clusterId = java(['kafka.tools.StorageTool', 'random-uuid']).stdout.trim();
  const format = java([
    'kafka.tools.StorageTool',
    'format',
    '-t',
    clusterId,
    '-c',
    config,
    '--add-scram',
    'SCRAM-SHA-512=[name=admin,password=admin-password]',
    '--add-scram',
    `SCRAM-SHA-512=[name=${USER},password=${PASSWORD}]`,
  ]);
  if (format.status !== 0) throw new Error(`formatting failed: ${format.stderr}`);
  const out = openSync(join(dir, 'kafka.log'), 'a');
  const child = spawn(
    'java',
    ['-Xmx384m', '-cp', classPath, `-Dlog4j.configuration=file:${log4j}`, 'kafka.Kafka', config],
    { stdio: ['ignore', out, out] },
  );
  closeSync(out);
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start Kafka');
  const watchdog = startWatchdog(process.pid, pid, 'SIGKILL');
  const bootstrap = `127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    await stopProcess(pid, 'SIGTERM');
    stopWatchdog(watchdog);
    rmSync(dir, { recursive: true, force: true });
  };
  const up = await waitUntil(
    async () => (await listTopics(bootstrap, PASSWORD)) !== 'refused',
    60_000,
    500,
  );
  if (!up) {
    await stop();
    throw new Error('the SCRAM broker did not accept its user within 60 s');
  }
  return { bootstrap, stop };
}

function connection(bootstrap: string, password: string): KafkaConnection {
  const options: MessagingModuleOptions = {
    clientId: 'scram-test',
    brokers: [bootstrap],
    logLevel: 'nothing',
    sasl: { mechanism: 'scram-sha-512', username: USER, password },
  };
  return new KafkaConnection(options);
}

/** The topics, or `refused` when the broker does not let the client in. */
async function listTopics(bootstrap: string, password: string): Promise<string[] | 'refused'> {
  const admin = connection(bootstrap, password).probe.admin();
  try {
    await admin.connect();
    return await admin.listTopics();
  } catch {
    return 'refused';
  } finally {
    await admin.disconnect();
  }
}

describe('KafkaConnection with SASL over a broker that requires SCRAM-SHA-512', () => {
  let broker: ScramBroker | undefined;
  const bootstrap = (): string => {
    if (broker === undefined) throw new Error('the SCRAM broker did not start');
    return broker.bootstrap;
  };
  beforeAll(async () => {
    broker = await startScramBroker();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('publishes as its user with the right password', async () => {
    const kafka = connection(bootstrap(), PASSWORD).kafka;
    const admin = kafka.admin();
    const producer = kafka.producer();
    await admin.connect();
    await producer.connect();
    try {
      await admin.createTopics({ topics: [{ topic: 'scram.events.v1', numPartitions: 1 }] });
      await producer.send({ topic: 'scram.events.v1', messages: [{ key: 'k', value: 'v' }] });
      const offsets = await admin.fetchTopicOffsets('scram.events.v1');
      expect(offsets.map((partition) => partition.high)).toEqual(['1']);
    } finally {
      await producer.disconnect();
      await admin.disconnect();
    }
  });

  it('is refused with a wrong password', async () => {
    expect(await listTopics(bootstrap(), 'wrong-password')).toBe('refused');
  });
});
