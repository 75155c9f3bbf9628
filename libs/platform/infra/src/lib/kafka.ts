import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { KafkaClusterAdmin } from '@gov/platform-messaging';

import { launch } from './component';
import type { RunningComponent } from './component';
import { InfraError } from './errors';
import { loadKafkaUsers } from './kafka-manifests';
import type { KafkaTopicSpec, KafkaUserSpec } from './kafka-manifests';
import {
  KAFKA_ADMIN_USER,
  KAFKA_SASL_MECHANISM,
  aclBindings,
  formatScramArguments,
  generateCredentials,
  readCredentials,
  scramJaasConfig,
  withNewUsers,
  writeCredentials,
} from './kafka-security';
import type { KafkaCredentials, KafkaSasl } from './kafka-security';
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
  /**
   * The SCRAM users and their ACLs; default: every `KafkaUser` under `k8s/`
   * ({@link loadKafkaUsers}), so the local cluster grants what a real site grants.
   */
  readonly users?: readonly KafkaUserSpec[];
  /**
   * Topics the super user creates at every start where missing (existing ones are left as they
   * are), e.g. a site's `KafkaTopic`s ({@link loadKafkaTopics}): the services' users may not
   * create topics. None by default.
   */
  readonly topics?: readonly KafkaTopicSpec[];
}

/**
 * A running single-node KRaft cluster (combined broker and controller) whose client listener
 * requires SASL/SCRAM-SHA-512 and whose authorizer allows only what the ACLs grant.
 */
export interface KafkaNode extends RunningComponent {
  /** Bootstrap address for clients: `127.0.0.1:<port>` (SASL_PLAINTEXT). */
  readonly bootstrap: string;
  readonly port: number;
  readonly controllerPort: number;
  /** The cluster's SCRAM credentials (from `<dir>/credentials.json`). */
  readonly credentials: KafkaCredentials;
  /**
   * SASL settings for a client: the super user by default, else the named KafkaUser.
   *
   * @throws RangeError for a user the cluster does not know.
   */
  sasl(user?: string): KafkaSasl;
}

/** The file in a node's folder that keeps its SCRAM passwords (mode 0600, never committed). */
export const CREDENTIALS_FILE = 'credentials.json';

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
 * Starts (or reuses) a single-node Kafka cluster in KRaft mode from the cached jars, waits
 * until the broker lists itself to its super user, then grants the ACLs of `users` (every
 * KafkaUser of k8s/ by default) and creates `topics` where missing.
 *
 * Clients must authenticate with SCRAM-SHA-512 ({@link KafkaNode.sasl}); the authorizer allows
 * only what an ACL grants. The SCRAM users are created when the storage is formatted, with
 * passwords generated then and kept in `<dir>/credentials.json`.
 *
 * @throws {@link InfraError} `missing-prerequisite` for data formatted before authentication.
 */
export async function startKafka(options: KafkaOptions): Promise<KafkaNode> {
  const classPath = ensureKafkaJars();
  const dataDir = join(options.dir, 'data');
  const configFile = join(options.dir, 'server.properties');
  const log4jFile = join(options.dir, 'log4j.properties');
  const credentialsFile = join(options.dir, CREDENTIALS_FILE);
  const adminConfigFile = join(options.dir, 'admin.properties');
  const { port, controllerPort } = options;
  const users = options.users ?? loadKafkaUsers();
  const bootstrap = `127.0.0.1:${port}`;

  mkdirSync(options.dir, { recursive: true });
  const formatted = existsSync(join(dataDir, 'meta.properties'));
  const stored = formatted ? readCredentials(credentialsFile) : undefined;
  if (formatted && stored === undefined) {
    throw new InfraError(
      'missing-prerequisite',
      `the Kafka data in ${options.dir} was formatted before the local clusters required authentication (no ${CREDENTIALS_FILE})`,
      { hint: `stop it and remove ${options.dir}; the next start formats it with SCRAM users` },
    );
  }
  // Users added to k8s/ since the cluster was formatted get their SCRAM credentials after the
  // start, through the admin; the others were created by the storage format.
  const added = stored ? users.filter((user) => stored.users[user.name] === undefined) : [];
  const credentials = stored ? withNewUsers(stored, users) : generateCredentials(users);
  writeFileSync(adminConfigFile, adminClientProperties(credentials.admin), { mode: 0o600 });

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
      writeFileSync(
        configFile,
        serverProperties(port, controllerPort, dataDir, credentials.admin.password),
        { mode: 0o600 },
      );
      writeFileSync(log4jFile, LOG4J);
      if (!formatted) {
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
            ...formatScramArguments(credentials),
          ],
          'formatting Kafka storage',
        );
        writeCredentials(credentialsFile, credentials);
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
        const brokers = await clusterAdmin(bootstrap, credentials.admin).describeBrokers();
        return brokers.some((broker) => broker.port === port);
      } catch {
        return false;
      }
    },
  });
  try {
    for (const user of added)
      addScramUser(classPath, log4jFile, adminConfigFile, bootstrap, user.name, credentials);
    if (added.length > 0) writeCredentials(credentialsFile, credentials);
    const admin = clusterAdmin(bootstrap, credentials.admin);
    try {
      await admin.grantAcls(aclBindings(users));
      if (options.topics && options.topics.length > 0) {
        await admin.ensureTopics(
          options.topics.map(({ topic, numPartitions, configs }) => ({
            topic,
            numPartitions,
            configs,
          })),
        );
      }
    } finally {
      await admin.close();
    }
  } catch (error) {
    if (component.startedHere) await component.stop();
    throw error;
  }
  return {
    ...component,
    bootstrap,
    port,
    controllerPort,
    credentials,
    sasl(user) {
      if (user === undefined) return credentials.admin;
      const password = credentials.users[user];
      if (password === undefined) {
        throw new RangeError(
          `Kafka user ${user} is not a KafkaUser of k8s/ (see ${credentialsFile})`,
        );
      }
      return { mechanism: KAFKA_SASL_MECHANISM, username: user, password };
    },
  };
}

/**
 * A service's Kafka settings for `node` as environment variables (`KAFKA_BROKERS`,
 * `KAFKA_SASL_MECHANISM`, `KAFKA_SASL_USERNAME`, `KAFKA_SASL_PASSWORD`): as the KafkaUser `user`,
 * or as the super user when `user` is omitted (tooling only).
 */
export function kafkaClientEnv(node: KafkaNode, user?: string): Record<string, string> {
  const sasl = node.sasl(user);
  return {
    KAFKA_BROKERS: node.bootstrap,
    KAFKA_SASL_MECHANISM: sasl.mechanism,
    KAFKA_SASL_USERNAME: sasl.username,
    KAFKA_SASL_PASSWORD: sasl.password,
  };
}

function clusterAdmin(bootstrap: string, sasl: KafkaSasl): KafkaClusterAdmin {
  return new KafkaClusterAdmin({
    clientId: 'infra-admin',
    brokers: [bootstrap],
    sasl,
    readinessTimeoutMs: 2_000,
  });
}

/** Java clients' settings for the super user: `--command-config` of Kafka's own tools. */
function adminClientProperties(admin: KafkaSasl): string {
  return `# Written by libs/platform/infra on every start: the super user, for Kafka's command-line tools.
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=${scramJaasConfig(admin)}
`;
}

/** Creates the SCRAM credentials of a user added to k8s/ after the cluster was formatted. */
function addScramUser(
  classPath: string,
  log4jFile: string,
  adminConfigFile: string,
  bootstrap: string,
  name: string,
  credentials: KafkaCredentials,
): void {
  runOrThrow(
    'java',
    [
      '-cp',
      classPath,
      `-Dlog4j.configuration=file:${log4jFile}`,
      'kafka.admin.ConfigCommand',
      '--bootstrap-server',
      bootstrap,
      '--command-config',
      adminConfigFile,
      '--alter',
      '--entity-type',
      'users',
      '--entity-name',
      name,
      '--add-config',
      `SCRAM-SHA-512=[password=${credentials.users[name] ?? ''}]`,
    ],
    `creating the SCRAM credentials of Kafka user ${name}`,
  );
}

function serverProperties(
  port: number,
  controllerPort: number,
  dataDir: string,
  adminPassword: string,
): string {
  return `# Written by libs/platform/infra on every start; edit the code, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${controllerPort}
# Clients authenticate with SCRAM-SHA-512 (no TLS on loopback); the broker talks to itself on
# the same listener as the super user. The controller listener stays PLAINTEXT on loopback:
# the node's broker reaches its controller there as ANONYMOUS, which must therefore be a super
# user (its registration needs ClusterAction before any ACL exists).
listeners=CLIENT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}
advertised.listeners=CLIENT://127.0.0.1:${port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=CLIENT
listener.security.protocol.map=CLIENT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.client.scram-sha-512.sasl.jaas.config=${scramJaasConfig({ username: KAFKA_ADMIN_USER, password: adminPassword })}
# ACLs from the KafkaUsers in k8s/ (libs/platform/infra kafka-manifests.ts); what no ACL
# allows is refused.
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:${KAFKA_ADMIN_USER};User:ANONYMOUS
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
