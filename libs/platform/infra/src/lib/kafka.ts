import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { launch } from './component';
import type { RunningComponent } from './component';
import { InfraError } from './errors';
import { probeKafkaMetadata } from './kafka-probe';
import { cacheDir, repoRoot } from './paths';
import { runOrThrow } from './processes';

/** Options for {@link startKafka}. */
export interface KafkaOptions {
  /** Directory for this node's config, log and data; reused across restarts. */
  readonly dir: string;
  readonly port: number;
  readonly controllerPort: number;
  /** Stop the node when this process exits, however it exits. */
  readonly ownerPid?: number | undefined;
  /** Maximum JVM heap in MiB (default 768). */
  readonly heapMb?: number;
  /** Environment variable that sets `port`, named in error messages. */
  readonly portVariable?: string;
}

/** A running single-node KRaft cluster (combined broker and controller). */
export interface KafkaNode extends RunningComponent {
  /** Bootstrap address for clients: `127.0.0.1:<port>`. */
  readonly bootstrap: string;
  readonly port: number;
  readonly controllerPort: number;
}

const POM = (): string => join(repoRoot(), 'tools/kafka/pom.xml');

/** The Kafka version pinned in tools/kafka/pom.xml (the only place that names it). */
export function kafkaVersion(): string {
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(POM(), 'utf8'));
  if (!match?.[1])
    throw new InfraError('missing-prerequisite', 'tools/kafka/pom.xml has no kafka.version', {});
  return match[1];
}

/**
 * Resolves the official Apache Kafka jars from Maven Central into the cache (once) and
 * returns the JVM class path. The copy goes to a temporary folder first and is renamed into
 * place, so concurrent or interrupted resolutions never leave a half-filled folder behind.
 */
export function ensureKafkaJars(): string {
  const version = kafkaVersion();
  const libs = join(cacheDir(), 'kafka', version, 'libs');
  if (!existsSync(join(libs, '.complete'))) {
    requireJava17();
    const staging = `${libs}.${process.pid}.tmp`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    runOrThrow(
      'mvn',
      [
        '-q',
        '-B',
        '-f',
        POM(),
        'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies',
        '-DincludeScope=runtime',
        `-DoutputDirectory=${staging}`,
      ],
      `resolving Apache Kafka ${version} from Maven Central (mvn)`,
    );
    writeFileSync(join(staging, '.complete'), `${version}\n`);
    rmSync(libs, { recursive: true, force: true });
    try {
      renameSync(staging, libs);
    } catch (error) {
      // Another process won the race; its copy is complete, ours is redundant.
      rmSync(staging, { recursive: true, force: true });
      if (!existsSync(join(libs, '.complete'))) throw error;
    }
  }
  return `${libs}/*`;
}

/** Kafka 3.9 runs on Java 8-21, Kafka 4.x and MirrorMaker 2 need 17: require 17 for both. */
function requireJava17(): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  const match = /version "(\d+)/.exec(`${result.stderr}${result.stdout}`);
  const major = match?.[1] ? Number(match[1]) : undefined;
  if (result.error || major === undefined || major < 17) {
    throw new InfraError('missing-prerequisite', 'Java 17 or newer is required to run Kafka', {
      found: major === undefined ? 'no java on PATH' : `Java ${major}`,
      hint: 'apt-get install openjdk-17-jre-headless',
    });
  }
}

/**
 * Starts (or reuses) a single-node Kafka cluster in KRaft mode from the cached jars and
 * waits until the broker answers a Metadata request listing itself.
 */
export async function startKafka(options: KafkaOptions): Promise<KafkaNode> {
  const classPath = ensureKafkaJars();
  const dataDir = join(options.dir, 'data');
  const configFile = join(options.dir, 'server.properties');
  const log4jFile = join(options.dir, 'log4j.properties');
  const { port, controllerPort } = options;

  const component = await launch({
    name: `kafka@${port}`,
    stateFile: join(options.dir, 'node.json'),
    logFile: join(options.dir, 'kafka.log'),
    ports: [port, controllerPort],
    portVariable: options.portVariable ?? 'KAFKA_PORT',
    stopSignal: 'SIGTERM',
    readyTimeoutMs: 90_000,
    ownerPid: options.ownerPid,
    prepare() {
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(configFile, serverProperties(port, controllerPort, dataDir));
      writeFileSync(log4jFile, LOG4J);
      if (!existsSync(join(dataDir, 'meta.properties'))) {
        runOrThrow(
          'java',
          [
            '-cp',
            classPath,
            `-Dlog4j.configuration=file:${log4jFile}`,
            'kafka.tools.StorageTool',
            'format',
            '-t',
            clusterId(),
            '-c',
            configFile,
          ],
          'formatting Kafka storage',
        );
      }
    },
    daemon() {
      return {
        command: 'java',
        args: [
          ...kafkaJvmArgs({ initialHeapMb: 256, maxHeapMb: options.heapMb ?? 768, log4jFile }),
          '-cp',
          classPath,
          'kafka.Kafka',
          configFile,
        ],
        cwd: options.dir,
      };
    },
    async ready() {
      try {
        const { brokers } = await probeKafkaMetadata('127.0.0.1', port);
        return brokers.some((broker) => broker.port === port);
      } catch {
        return false;
      }
    },
  });
  return { ...component, bootstrap: `127.0.0.1:${port}`, port, controllerPort };
}

function serverProperties(port: number, controllerPort: number, dataDir: string): string {
  return `# Written by libs/platform/infra on every start; edit the code, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${controllerPort}
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=${dataDir}
# One node: every internal topic has replication factor 1 and min ISR 1.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
default.replication.factor=1
min.insync.replicas=1
num.partitions=3
# Topics are created explicitly by the services, with their retention; a typo must not
# silently create a new topic.
auto.create.topics.enable=false
group.initial.rebalance.delay.ms=0
`;
}

const LOG4J = `log4j.rootLogger=WARN, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaRaftServer=INFO
log4j.logger.kafka.server.BrokerServer=INFO
`;

/** JVM options of the Kafka distribution's daemons (broker, MirrorMaker 2): G1, short pauses. */
export function kafkaJvmArgs(options: {
  readonly initialHeapMb: number;
  readonly maxHeapMb: number;
  readonly log4jFile: string;
}): string[] {
  return [
    `-Xms${options.initialHeapMb}m`,
    `-Xmx${options.maxHeapMb}m`,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=file:${options.log4jFile}`,
  ];
}

/**
 * A random KRaft cluster id: 16 bytes in base64url, as Kafka's own `Uuid.randomUuid()` makes
 * them, and like it never starting with `-`, which the storage tool's argument parser would take
 * for an option (one id in 64 did, and the site failed to start).
 */
export function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}
