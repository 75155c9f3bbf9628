import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { launch } from './component';
import type { RunningComponent } from './component';
import { InfraError } from './errors';
import { ensureKafkaJars, kafkaJvmArgs } from './kafka';
import { scramJaasConfig } from './kafka-security';
import { freePort, isAlive } from './processes';
import { readState } from './state';

/** One end of a replication flow: the alias MirrorMaker 2 knows a cluster by, and its address. */
export interface MirrorCluster {
  /**
   * Alias of the cluster, e.g. `primary` or `embassy`. The source alias prefixes every mirrored
   * topic (`primary.registry.events.v1`) and names MM2's internal topics, so keep it stable.
   */
  readonly alias: string;
  /** Bootstrap address, e.g. `127.0.0.1:19092`. */
  readonly bootstrap: string;
  /**
   * SCRAM-SHA-512 credentials of MirrorMaker's user on this cluster: `mirror-maker-source` on
   * the source; `mirror-maker` (embassy) or `mirror-maker-failback` (primary) on the target,
   * as in k8s/. Absent: no authentication (a cluster without SASL).
   */
  readonly sasl?: { readonly username: string; readonly password: string };
}

/** Options for {@link startMirrorMaker}. */
export interface MirrorMakerOptions {
  /** Directory for this node's config, log and `node.json`; reused across restarts. */
  readonly dir: string;
  /** The cluster read from (the active site). MirrorMaker never writes to it. */
  readonly source: MirrorCluster;
  /** The cluster written to (the replica site); it holds all of MirrorMaker's state. */
  readonly target: MirrorCluster;
  /**
   * Source topics to mirror: MirrorMaker 2's `topics` filter, a comma-separated list of Java
   * regular expressions, each matched against the whole topic name, e.g.
   * `.*\.events\.v1|platform\.checkpoints\.v1`.
   */
  readonly topics: string;
  /** Stop MirrorMaker when this process exits, however it exits. */
  readonly ownerPid?: number | undefined;
  /** Maximum JVM heap in MiB (default 384). */
  readonly heapMb?: number;
  /**
   * Loopback port of MirrorMaker's internal REST listener, which exactly-once needs (KIP-710).
   * Default: the port of the instance already running from `dir`, else a free port.
   */
  readonly restPort?: number;
  /** Environment variable that sets `restPort`, named in error messages. */
  readonly portVariable?: string;
}

/** A running dedicated MirrorMaker 2 node replicating one flow, source → target. */
export interface MirrorMakerNode extends RunningComponent {
  readonly source: MirrorCluster;
  readonly target: MirrorCluster;
  readonly restPort: number;
}

/** Upper bound for a start on a loaded machine; a start takes about 5 s on an idle one. */
const READY_TIMEOUT_MS = 90_000;

/**
 * Starts (or reuses) Apache Kafka MirrorMaker 2 in dedicated mode
 * (`org.apache.kafka.connect.mirror.MirrorMaker <dir>/mm2.properties --clusters <target>`) from
 * the same cached Apache jars as the broker, replicating the topics matching `topics` from
 * `source` to `target`. MirrorMaker keeps its state (connector configuration, the source offsets
 * it has replicated up to) in internal topics on the target, so stopping it and starting it again
 * from the same `dir` is a link cut: it resumes where it stopped, no record lost or doubled.
 *
 * **Topic names.** The default replication policy prefixes each mirrored topic with the source
 * alias: `registry.events.v1` on the primary becomes `primary.registry.events.v1` on the embassy.
 * Kept on purpose. The origin of every record is visible in its topic name, and MirrorMaker
 * refuses to mirror a topic back to the cluster its prefix names, so when the roles are swapped
 * for failback (a second flow embassy → primary) nothing loops: the embassy's own writes after
 * promotion go to `registry.events.v1` there and arrive on the primary as
 * `embassy.registry.events.v1`, while `primary.registry.events.v1` is never sent back. Identity
 * naming would merge both sites' writes into one topic and needs loop prevention by hand.
 *
 * **Exactly once** (Kafka 3.5+, KIP-618 in dedicated mode via KIP-710): the target's
 * `exactly.once.source.support = enabled` makes each replication task a transactional producer
 * that commits the replicated records together with the source offsets it has reached (stored in
 * `mm2-offsets.<source>.internal` on the target). After any crash, the open transaction is
 * aborted and the task resumes from the last committed offsets. This needs the internal REST
 * listener between MirrorMaker nodes (`dedicated.mode.enable.internal.rest`) and a source consumer
 * with `isolation.level = read_committed`, so aborted source transactions are not copied. Readers
 * of the mirrored topics must also use `read_committed`; a `read_uncommitted` reader can see
 * records of a transaction that a crash aborted, and so see them twice.
 *
 * **Consumer offsets are not carried over.** MirrorMaker writes checkpoints for the source's
 * consumer groups to `<source>.checkpoints.internal` on the target (upstream offset translated
 * to a downstream one). The translation is approximate: it is interpolated from sparse offset
 * syncs and lands at or before the true position, and mirrored offsets differ from the source
 * ones anyway (transaction markers take offsets on the target). `sync.group.offsets.enabled` is
 * off, so nothing is written into the target's consumer groups. The platform never relies on
 * any of it: the embassy tracks progress on the events' own log positions.
 *
 * **Readiness.** The process is alive and its log shows `MirrorSourceConnector` started; when
 * that connector found matching source topics, also that a replication task finished starting
 * as an `ExactlyOnceWorkerSourceTask` (its transactional producer is initialised, so exactly-once
 * is in force). With no matching topic yet, new ones are picked up within
 * `refresh.topics.interval.seconds` and mirrored from their first record.
 *
 * Local clusters have one node, so every replication factor is 1. In Kubernetes, Strimzi's
 * `KafkaMirrorMaker2` runs the same connectors with the cluster's replication factors
 * (docs/adr/0004-mirrormaker2.md).
 */
export async function startMirrorMaker(options: MirrorMakerOptions): Promise<MirrorMakerNode> {
  validateAliases(options.source, options.target);
  const classPath = ensureKafkaJars();
  const configFile = join(options.dir, 'mm2.properties');
  const log4jFile = join(options.dir, 'log4j.properties');
  const logFile = join(options.dir, 'mirror-maker.log');
  const stateFile = join(options.dir, 'node.json');
  const { source, target } = options;
  const name = `mirror-maker ${source.alias}->${target.alias}`;
  mkdirSync(options.dir, { recursive: true });
  const restPort = options.restPort ?? runningRestPort(stateFile) ?? (await freePort());
  let progress: ReplicationProgress = NOT_STARTED;

  try {
    const component = await launch({
      name,
      stateFile,
      logFile,
      ports: [restPort],
      portVariable: options.portVariable ?? 'MIRROR_MAKER_REST_PORT',
      stopSignal: 'SIGTERM',
      readyTimeoutMs: READY_TIMEOUT_MS,
      ownerPid: options.ownerPid,
      prepare() {
        // One log per process: readiness reads this start's lines only. The previous run's log
        // is kept beside it for a look after a crash.
        if (existsSync(logFile)) renameSync(logFile, `${logFile}.1`);
        writeFileSync(configFile, mm2Properties(options, restPort), { mode: 0o600 });
        writeFileSync(log4jFile, LOG4J);
      },
      daemon() {
        return {
          command: 'java',
          args: [
            ...kafkaJvmArgs({ initialHeapMb: 128, maxHeapMb: options.heapMb ?? 384, log4jFile }),
            '-cp',
            classPath,
            'org.apache.kafka.connect.mirror.MirrorMaker',
            configFile,
            '--clusters',
            target.alias,
          ],
          cwd: options.dir,
        };
      },
      ready() {
        progress = replicationProgress(readLog(logFile));
        return Promise.resolve(progress.ready);
      },
    });
    return { ...component, source, target, restPort };
  } catch (error) {
    if (error instanceof InfraError && error.kind === 'not-ready') {
      throw new InfraError('not-ready', error.message.split('\n')[0] ?? name, {
        waitingFor: progress.waitingFor,
        ...error.context,
      });
    }
    throw error;
  }
}

/** What the log of the current process says about replication. */
interface ReplicationProgress {
  readonly ready: boolean;
  /** What readiness still waits for, for the error message. */
  readonly waitingFor: string;
}

const NOT_STARTED: ReplicationProgress = {
  ready: false,
  waitingFor: 'the MirrorSourceConnector to start (the worker must join its group on the target)',
};

/**
 * Readiness from the log: the connector line gives the number of matching source partitions;
 * when there are any, an exactly-once replication task must have started as well.
 */
function replicationProgress(log: string): ReplicationProgress {
  const connector = /Started MirrorSourceConnector with (\d+) topic-partitions\./.exec(log);
  if (!connector) return NOT_STARTED;
  if (Number(connector[1]) === 0) return { ready: true, waitingFor: '' };
  const task =
    /ExactlyOnceWorkerSourceTask\{id=MirrorSourceConnector-\d+\} Source task finished initialization and start/.test(
      log,
    );
  return task
    ? { ready: true, waitingFor: '' }
    : {
        ready: false,
        waitingFor:
          'an exactly-once MirrorSourceConnector task to start (ExactlyOnceWorkerSourceTask); ' +
          'a plain WorkerSourceTask means exactly.once.source.support is not in force',
      };
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The REST port of the instance still running from this directory, so a reuse matches it. */
function runningRestPort(stateFile: string): number | undefined {
  const previous = readState(stateFile);
  return previous && isAlive(previous.pid) ? previous.ports[0] : undefined;
}

const ALIAS = /^[A-Za-z][A-Za-z0-9_-]*$/;

/**
 * Aliases become topic prefixes (`<alias>.`), config keys (`<alias>.bootstrap.servers`,
 * `<source>-><target>.enabled`) and list entries (`clusters = a, b`), so dots, arrows, commas
 * and spaces would change the configuration's meaning.
 */
function validateAliases(source: MirrorCluster, target: MirrorCluster): void {
  for (const alias of [source.alias, target.alias]) {
    if (!ALIAS.test(alias)) {
      throw new RangeError(
        `MirrorMaker cluster alias "${alias}" must start with a letter and hold only letters, digits, "_" or "-"`,
      );
    }
  }
  if (source.alias === target.alias) {
    throw new RangeError(
      `MirrorMaker source and target need different aliases ("${source.alias}")`,
    );
  }
}

/** SASL settings of one cluster (`<alias>.security.protocol`, ...), or nothing without SASL. */
function clusterSecurity(cluster: MirrorCluster): string {
  if (!cluster.sasl) return '';
  const alias = cluster.alias;
  return `${alias}.security.protocol = SASL_PLAINTEXT
${alias}.sasl.mechanism = SCRAM-SHA-512
${alias}.sasl.jaas.config = ${propertyValue(scramJaasConfig(cluster.sasl))}
`;
}

/** A value for a Java .properties file: backslashes escaped, one line only. */
function propertyValue(value: string): string {
  if (/[\r\n]/.test(value))
    throw new RangeError(`a MirrorMaker setting has a line break: ${value}`);
  return value.replace(/\\/g, '\\\\');
}

function mm2Properties(options: MirrorMakerOptions, restPort: number): string {
  const source = options.source.alias;
  const target = options.target.alias;
  const flow = `${source}->${target}`;
  return `# Written by libs/platform/infra on every start; edit the code, not this file.
clusters = ${source}, ${target}
${source}.bootstrap.servers = ${propertyValue(options.source.bootstrap)}
${target}.bootstrap.servers = ${propertyValue(options.target.bootstrap)}

${clusterSecurity(options.source)}${clusterSecurity(options.target)}
# The Connect group on the target, as Strimzi's groupId (k8s/embassy/mirror-maker.yaml): its
# KafkaUser's group and transactional-id ACLs are granted under this prefix (exactly once uses
# <group>-configs and <group>-<connector>-<task> as transactional ids).
${target}.group.id = mirrormaker2-${source}

# One flow. Failback runs a second MirrorMaker the other way, never both flows in one process.
${flow}.enabled = true
${target}->${source}.enabled = false
${flow}.topics = ${propertyValue(options.topics)}
# <source>.<topic> on the target: origin visible, no loops when roles swap (see mirror-maker.ts).
replication.policy.class = org.apache.kafka.connect.mirror.DefaultReplicationPolicy

# Exactly once: transactional replication tasks writing to the target (KIP-618), which in
# dedicated mode needs the internal REST listener (KIP-710), and a source consumer that skips
# aborted transactions.
${target}.exactly.once.source.support = enabled
dedicated.mode.enable.internal.rest = true
listeners = http://127.0.0.1:${restPort}
${source}.consumer.isolation.level = read_committed

# Single-node clusters: replication factor 1 for mirrored and internal topics alike.
replication.factor = 1
offset.storage.replication.factor = 1
config.storage.replication.factor = 1
status.storage.replication.factor = 1
checkpoints.topic.replication.factor = 1
heartbeats.topic.replication.factor = 1
offset-syncs.topic.replication.factor = 1
# Keep every piece of MirrorMaker state on the target: the source is only ever read, and
# nothing is lost with it.
offset-syncs.topic.location = target

# Topics and their configuration. A new matching topic is found within 5 s and mirrored from
# its first record (a cheap metadata request on a local cluster). Mirrored topics are created
# with the source topic's non-default settings (retention.ms=-1 for the event logs) and kept in
# line every minute.
refresh.topics.interval.seconds = 5
sync.topic.configs.enabled = true
sync.topic.configs.interval.seconds = 60
# ACLs come from the KafkaUsers on each site (k8s/, applied locally by libs/platform/infra),
# never copied from the other site.
sync.topic.acls.enabled = false

# Consumer offsets: checkpoints are written to ${source}.checkpoints.internal for operators and
# tools, but never into the target's consumer groups. The embassy tracks progress on the
# events' own positions, not on translated offsets.
emit.checkpoints.enabled = true
emit.checkpoints.interval.seconds = 5
refresh.groups.interval.seconds = 30
sync.group.offsets.enabled = false
# Heartbeats would be written by this process into the target only (it targets one cluster),
# so they would prove nothing about the link; embassy-sync measures the link on event positions.
emit.heartbeats.enabled = false

# Latency at 1,000 events/s. A poll returns as soon as records arrive, and each polled batch is
# one transaction whose commit flushes the producer, so linger only gathers a batch. The poll
# timeout bounds how long an idle task takes to notice a stop.
consumer.poll.timeout.ms = 500
${target}.producer.linger.ms = 5

# Records up to 11 MiB (the letterbox's documents, whose topic raises max.message.bytes): the
# producer's default request limit (1 MiB) would refuse them. A consumer fetch returns a record
# larger than its fetch size anyway (KIP-74); the mirrored topic gets the source topic's
# max.message.bytes through the topic-config sync above.
${target}.producer.max.request.size = 12582912
# Offset commits of a non-transactional task (exactly-once off or "preparing"): at most 1 s of
# records would be copied again after a crash.
${target}.offset.flush.interval.ms = 1000

# One worker per target: after a SIGKILL the restarted worker takes the tasks over as soon as
# the dead member's session ends, instead of holding them for the usual 5 minutes.
${target}.scheduled.rebalance.max.delay.ms = 0
${target}.session.timeout.ms = 6000
${target}.heartbeat.interval.ms = 2000
# The jars carry ServiceLoader manifests: skip the slow class-path scan for plugins (once for
# the driver, once for the target's worker).
plugin.discovery = service_load
${target}.plugin.discovery = service_load
`;
}

// INFO only where readiness and diagnosis need it: the connectors, task start-up (which names the
// exactly-once task class) and transactional producers (which name their transactional.id).
const LOG4J = `log4j.rootLogger=WARN, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.org.apache.kafka.connect.mirror.MirrorMaker=INFO
log4j.logger.org.apache.kafka.connect.mirror.MirrorSourceConnector=INFO
log4j.logger.org.apache.kafka.connect.mirror.MirrorSourceTask=INFO
log4j.logger.org.apache.kafka.connect.mirror.MirrorCheckpointConnector=INFO
log4j.logger.org.apache.kafka.connect.runtime.AbstractWorkerSourceTask=INFO
log4j.logger.org.apache.kafka.clients.producer.KafkaProducer=INFO
`;
