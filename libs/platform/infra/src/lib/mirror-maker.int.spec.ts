// MirrorMaker 2 between two throw-away sites (two real single-node Kafka clusters). kafkajs is used
// directly here on purpose, as an outside reader of both clusters would: the assertions need what
// the platform's messaging library deliberately hides (explicit partitions, record timestamps,
// offsets on the target, committed group offsets, topic configs).
//
// Both clusters authenticate and authorize as every local cluster does: MirrorMaker runs as its
// KafkaUsers from k8s/ (`mirror-maker-source` on the source, `mirror-maker` on the target), the
// test's own clients as the super user. The test's topics are added to the source user's ACLs
// as an operator would add a topic to k8s/common/mirror-source-user.yaml.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import type { IHeaders, Producer } from 'kafkajs';

import { loadKafkaUsers } from './kafka-manifests';
import type { KafkaUserSpec } from './kafka-manifests';
import type { KafkaSasl } from './kafka-security';
import { startMirrorMaker } from './mirror-maker';
import type { MirrorMakerNode, MirrorMakerOptions } from './mirror-maker';
import { isAlive, waitUntil } from './processes';
import { startEphemeralSite } from './site';
import type { EphemeralSite } from './site';

const PARTITIONS = 3;
/** Mirrored, with records written before and after MirrorMaker starts. */
const EVENTS = 'x.events.v1';
/** Not matched by the filter: must never reach the target. */
const OTHER = 'x.other.v1';
/** Streams written while MirrorMaker is stopped (SIGTERM) or killed (SIGKILL) and restarted. */
const CUT = 'cut.events.v1';
const KILLED = 'kill.events.v1';
const TOPIC_FILTER = '.*\\.events\\.v1|platform\\.checkpoints\\.v1';
/** A source consumer group whose committed offsets show what MirrorMaker does with offsets. */
const GROUP = 'registry-projector';
const SENTINEL = 'test-sentinel';

/** A record as produced on the source and as read back on the target. */
interface Rec {
  readonly partition: number;
  readonly key: string | null;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timestamp: string;
}

/** A record read from the target, with the offset it got there. */
interface Mirrored extends Rec {
  readonly offset: number;
}

function client(bootstrap: string, sasl: KafkaSasl): Kafka {
  return new Kafka({
    clientId: 'mm2-spec',
    brokers: [bootstrap],
    sasl,
    logLevel: logLevel.NOTHING,
  });
}

/** The KafkaUsers of k8s/, the source user also reading the test's own topics. */
function usersWithTestTopics(topics: readonly string[]): KafkaUserSpec[] {
  return loadKafkaUsers().map((user) =>
    user.name === 'mirror-maker-source'
      ? {
          ...user,
          acls: [
            ...user.acls,
            ...topics.map((topic) => ({
              resourceType: 'topic' as const,
              resourceName: topic,
              patternType: 'literal' as const,
              operations: ['Read', 'Describe', 'DescribeConfigs'] as const,
            })),
          ],
        }
      : user,
  );
}

async function waitFor(what: string, condition: () => Promise<boolean>, ms = 30_000) {
  if (!(await waitUntil(condition, ms, 100))) throw new Error(`timed out waiting for ${what}`);
}

function headerText(headers: IHeaders | undefined): Record<string, string> {
  const text: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    // Binary header values compare as hex, so a byte changed on the way is seen.
    if (Buffer.isBuffer(value)) text[name] = value.toString('hex');
  }
  return text;
}

/** What {@link readMirrored} read from a mirrored topic. */
interface ReadBack {
  /** The records, sentinels left out, in the order read. */
  readonly records: Mirrored[];
  /** Records read per partition, sentinels included: all that precede the last sentinel. */
  readonly readPerPartition: number[];
}

/**
 * Reads every record of `topic` on `target` with a `read_committed` consumer, exactly: first it
 * writes a fresh sentinel into every source partition; records keep their order per partition,
 * so once each sentinel is read back, everything mirrored before it has been read too.
 */
async function readMirrored(
  source: Kafka,
  target: Kafka,
  sourceTopic: string,
  targetTopic: string,
): Promise<ReadBack> {
  const run = randomUUID();
  const producer = source.producer({ idempotent: true });
  await producer.connect();
  await producer.send({
    topic: sourceTopic,
    acks: -1,
    messages: Array.from({ length: PARTITIONS }, (_, partition) => ({
      partition,
      key: null,
      value: 'sentinel',
      headers: { [SENTINEL]: run },
    })),
  });
  await producer.disconnect();

  const pending = new Set(Array.from({ length: PARTITIONS }, (_, partition) => partition));
  const records: Mirrored[] = [];
  const readPerPartition = Array.from({ length: PARTITIONS }, () => 0);
  const consumer = target.consumer({
    groupId: `reader-${run}`,
    readUncommitted: false,
    maxWaitTimeInMs: 250,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: targetTopic, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ partition, message }) => {
        readPerPartition[partition] = (readPerPartition[partition] ?? 0) + 1;
        const sentinel = message.headers?.[SENTINEL];
        if (sentinel !== undefined) {
          if (String(sentinel) === run) pending.delete(partition);
        } else {
          records.push({
            partition,
            offset: Number(message.offset),
            key: message.key === null ? null : message.key.toString(),
            value: message.value?.toString() ?? '',
            headers: headerText(message.headers),
            timestamp: message.timestamp,
          });
        }
        return Promise.resolve();
      },
    });
    await waitFor(`the sentinels on ${targetTopic}`, () => Promise.resolve(pending.size === 0));
  } finally {
    await consumer.disconnect();
  }
  return { records, readPerPartition };
}

/** The records of one partition, without target offsets, in the order read. */
function inPartition(records: readonly Rec[], partition: number): Rec[] {
  return records
    .filter((record) => record.partition === partition)
    .map(({ partition: p, key, value, headers, timestamp }) => ({
      partition: p,
      key,
      value,
      headers,
      timestamp,
    }));
}

/** Writes `records` with explicit partitions, keys, headers and timestamps. */
async function produce(producer: Producer, topic: string, records: readonly Rec[]) {
  await producer.send({
    topic,
    acks: -1,
    messages: records.map((record) => ({
      partition: record.partition,
      key: record.key,
      value: record.value,
      headers: Object.fromEntries(
        Object.entries(record.headers).map(([name, hex]) => [name, Buffer.from(hex, 'hex')]),
      ),
      timestamp: record.timestamp,
    })),
  });
}

function batch(label: string, count: number, firstTimestamp: number): Rec[] {
  return Array.from({ length: count }, (_, i) => ({
    partition: i % PARTITIONS,
    // Every seventh record has no key: a null key must stay null, not become "".
    key: i % 7 === 0 ? null : `stream-${String(i % 5)}`,
    value: `${label}-${String(i)}`,
    headers: {
      'event-id': Buffer.from(`${label}-${String(i)}`).toString('hex'),
      binary: Buffer.from([0, 255, i % 256]).toString('hex'),
    },
    timestamp: String(firstTimestamp + i),
  }));
}

/**
 * Decodes a MirrorMaker checkpoint (connect-mirror `Checkpoint`): key = group, topic, partition;
 * value = version, upstream offset, downstream offset, metadata. Strings are int16-length UTF-8.
 */
function decodeCheckpoint(key: Buffer, value: Buffer) {
  let at = 0;
  const text = (buffer: Buffer): string => {
    const length = buffer.readInt16BE(at);
    const result = buffer.toString('utf8', at + 2, at + 2 + length);
    at += 2 + length;
    return result;
  };
  const group = text(key);
  const topic = text(key);
  const partition = key.readInt32BE(at);
  at = 2; // skip the value's version header
  const upstreamOffset = Number(value.readBigInt64BE(at));
  const downstreamOffset = Number(value.readBigInt64BE(at + 8));
  return { group, topic, partition, upstreamOffset, downstreamOffset };
}

describe('MirrorMaker 2, dedicated mode, between two local sites', () => {
  let primary: EphemeralSite;
  let embassy: EphemeralSite;
  let source: Kafka;
  let target: Kafka;
  let options: MirrorMakerOptions;
  let mirror: MirrorMakerNode;
  /** Undone in reverse order by afterAll, also when beforeAll fails halfway. */
  const cleanup: (() => Promise<void> | void)[] = [];
  const before = batch('before', 30, Date.UTC(2024, 0, 1));
  /**
   * Committed by GROUP on the source before MirrorMaker starts, per partition: positions inside
   * `before` (10 records per partition), so the next record to read is one of them.
   */
  const groupOffsets = [4, 7, 9];

  beforeAll(async () => {
    const kafkaUsers = usersWithTestTopics([EVENTS, OTHER, CUT, KILLED]);
    const sites = await Promise.allSettled([
      startEphemeralSite('mm2-primary', process.pid, { kafkaUsers }),
      startEphemeralSite('mm2-embassy', process.pid, { kafkaUsers }),
    ]);
    for (const site of sites) {
      if (site.status === 'fulfilled') cleanup.push(() => site.value.stop());
    }
    const [first, second] = sites;
    if (first.status === 'rejected') throw first.reason;
    if (second.status === 'rejected') throw second.reason;
    [primary, embassy] = [first.value, second.value];
    source = client(primary.kafka.bootstrap, primary.kafka.sasl());
    target = client(embassy.kafka.bootstrap, embassy.kafka.sasl());
    const admin = source.admin();
    await admin.connect();
    try {
      await admin.createTopics({
        topics: [EVENTS, OTHER, CUT, KILLED].map((topic) => ({
          topic,
          numPartitions: PARTITIONS,
          // Event logs are kept forever: the mirror must keep them forever too.
          configEntries: [{ name: 'retention.ms', value: '-1' }],
        })),
      });
      const producer = source.producer({ idempotent: true });
      await producer.connect();
      await produce(producer, EVENTS, before);
      await produce(producer, OTHER, batch('other', 6, Date.UTC(2024, 0, 2)));
      await producer.disconnect();
      await admin.setOffsets({
        groupId: GROUP,
        topic: EVENTS,
        partitions: groupOffsets.map((offset, partition) => ({
          partition,
          offset: String(offset),
        })),
      });
    } finally {
      await admin.disconnect();
    }

    const dir = mkdtempSync(join(tmpdir(), 'backbone-mm2-'));
    cleanup.push(() => {
      rmSync(dir, { recursive: true, force: true });
    });
    options = {
      dir,
      source: {
        alias: 'primary',
        bootstrap: primary.kafka.bootstrap,
        sasl: primary.kafka.sasl('mirror-maker-source'),
      },
      target: {
        alias: 'embassy',
        bootstrap: embassy.kafka.bootstrap,
        sasl: embassy.kafka.sasl('mirror-maker'),
      },
      topics: TOPIC_FILTER,
      ownerPid: process.pid,
    };
    mirror = await startMirrorMaker(options);
    // The node running at the end: the restart tests replace it.
    cleanup.push(() => mirror.stop());
  }, 120_000);

  afterAll(async () => {
    for (const undo of cleanup.reverse()) await undo();
  });

  it('mirrors a matching topic as primary.<topic>: same partitions, order, keys, headers, values', async () => {
    const after = batch('after', 30, Date.UTC(2024, 0, 3));
    const producer = source.producer({ idempotent: true });
    await producer.connect();
    await produce(producer, EVENTS, after);
    await producer.disconnect();

    const { records: mirrored, readPerPartition } = await readMirrored(
      source,
      target,
      EVENTS,
      `primary.${EVENTS}`,
    );

    for (let partition = 0; partition < PARTITIONS; partition += 1) {
      expect(inPartition(mirrored, partition)).toEqual(
        inPartition([...before, ...after], partition),
      );
    }
    const admin = target.admin();
    await admin.connect();
    try {
      const topics = await admin.listTopics();
      expect(topics).toContain(`primary.${EVENTS}`);
      // The filter is matched against whole names; nothing else and nothing unprefixed arrives.
      expect(topics.filter((topic) => topic.includes('other'))).toEqual([]);
      expect(topics).not.toContain(EVENTS);
      // All of MirrorMaker's own state lives on the target; the source is only read.
      expect(topics).toContain('mm2-offsets.primary.internal');
      const sourceAdmin = source.admin();
      await sourceAdmin.connect();
      const sourceTopics = await sourceAdmin.listTopics();
      await sourceAdmin.disconnect();
      expect(sourceTopics.filter((topic) => !topic.startsWith('__')).sort()).toEqual(
        [CUT, EVENTS, KILLED, OTHER].sort(),
      );

      const { topics: metadata } = await admin.fetchTopicMetadata({
        topics: [`primary.${EVENTS}`],
      });
      expect(metadata[0]?.partitions).toHaveLength(PARTITIONS);
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: `primary.${EVENTS}`,
            configNames: ['retention.ms'],
          },
        ],
      });
      expect(resources[0]?.configEntries[0]?.configValue).toBe('-1');

      // Exactly-once writes are transactional: each mirrored batch is followed by a commit
      // marker, which takes an offset of its own. A plain (at-least-once) mirror would end each
      // partition right after the records read (the last sentinel is the last one written).
      const ends = await admin.fetchTopicOffsets(`primary.${EVENTS}`);
      for (const { partition, high } of ends) {
        expect(Number(high)).toBeGreaterThan(readPerPartition[partition] ?? 0);
      }
    } finally {
      await admin.disconnect();
    }
  });

  it('reuses the running node when started again with the same directory', async () => {
    const again = await startMirrorMaker(options);
    expect(again.startedHere).toBe(false);
    expect(again.pid).toBe(mirror.pid);
    expect(again.restPort).toBe(mirror.restPort);
  });

  it('writes checkpoints for source groups but no offsets into the target groups', async () => {
    // What happens to consumer offsets: MirrorMaker translates the source group's committed
    // offsets into checkpoints on primary.checkpoints.internal. The translation comes from sparse
    // offset syncs and lands at or before the true position (re-reads, never skips), and target
    // offsets differ from source ones (commit markers). With sync.group.offsets off, the target
    // group itself has no offsets. The embassy tracks progress on event positions, never on this.
    const { records: mirrored } = await readMirrored(source, target, EVENTS, `primary.${EVENTS}`);
    const checkpoints = new Map<number, ReturnType<typeof decodeCheckpoint>>();
    const consumer = target.consumer({ groupId: `checkpoints-${randomUUID()}` });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: 'primary.checkpoints.internal', fromBeginning: true });
      await consumer.run({
        eachMessage: ({ message }) => {
          if (message.key && message.value) {
            const checkpoint = decodeCheckpoint(message.key, message.value);
            if (checkpoint.group === GROUP) checkpoints.set(checkpoint.partition, checkpoint);
          }
          return Promise.resolve();
        },
      });
      await waitFor('a checkpoint of every partition', () =>
        Promise.resolve(checkpoints.size === PARTITIONS),
      );
    } finally {
      await consumer.disconnect();
    }

    for (const [partition, committed] of groupOffsets.entries()) {
      const checkpoint = checkpoints.get(partition);
      expect(checkpoint).toMatchObject({ topic: `primary.${EVENTS}`, upstreamOffset: committed });
      // Safe, not exact: a consumer starting there re-reads, never skips, the record the group
      // would read next (its mirrored copy). Here only each partition's first record got an
      // offset sync, so the translated offset is 1 wherever the group really is.
      const next = mirrored.filter((r) => r.partition === partition)[committed];
      expect(next?.value).toBe(`before-${String(committed * PARTITIONS + partition)}`);
      expect(checkpoint?.downstreamOffset).toBeLessThanOrEqual(next?.offset ?? -1);
    }

    const admin = target.admin();
    await admin.connect();
    try {
      const [offsets] = await admin.fetchOffsets({ groupId: GROUP, topics: [`primary.${EVENTS}`] });
      expect(offsets?.partitions.map(({ offset }) => offset)).toEqual(['-1', '-1', '-1']);
    } finally {
      await admin.disconnect();
    }
  });

  /**
   * Writes ~1,000 records/s to `topic` while `cut` stops MirrorMaker and a new one starts from
   * the same directory, then checks that a read_committed reader of the mirror sees each record
   * exactly once, in the source's order per partition.
   */
  async function streamAcrossRestart(topic: string, cut: () => Promise<void>): Promise<void> {
    const producer = source.producer({ idempotent: true });
    await producer.connect();
    const written: Rec[] = [];
    const stopLoad = new AbortController();
    const load = (async () => {
      while (!stopLoad.signal.aborted) {
        const next = Array.from({ length: 10 }, (_, i) => {
          const n = written.length + i;
          return {
            partition: n % PARTITIONS,
            key: `stream-${String(n % 11)}`,
            value: String(n),
            headers: {},
            timestamp: String(Date.now()),
          };
        });
        await produce(producer, topic, next);
        written.push(...next);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    try {
      await waitFor('a second of load', () => Promise.resolve(written.length >= 1_000));
      await cut();
      mirror = await startMirrorMaker(options);
      expect(mirror.startedHere).toBe(true);
      const resumedAt = written.length;
      await waitFor('a second of load after the restart', () =>
        Promise.resolve(written.length >= resumedAt + 1_000),
      );
    } finally {
      stopLoad.abort();
      await load;
      await producer.disconnect();
    }

    const { records: mirrored } = await readMirrored(source, target, topic, `primary.${topic}`);
    const seen = new Map<string, number>();
    for (const record of mirrored) seen.set(record.value, (seen.get(record.value) ?? 0) + 1);
    const doubled = [...seen].filter(([, count]) => count > 1);
    expect(doubled).toEqual([]);
    expect(seen.size).toBe(written.length);
    for (let partition = 0; partition < PARTITIONS; partition += 1) {
      expect(inPartition(mirrored, partition).map((r) => r.value)).toEqual(
        inPartition(written, partition).map((r) => r.value),
      );
    }
  }

  it('resumes after a stop (a link cut) from its committed offsets: nothing lost or doubled', async () => {
    await streamAcrossRestart(CUT, async () => {
      const stopped = mirror;
      await stopped.stop();
      await stopped.stop(); // idempotent
      expect(isAlive(stopped.pid)).toBe(false);
    });
  });

  it('resumes after a SIGKILL mid-transaction: read_committed sees every record exactly once', async () => {
    await streamAcrossRestart(KILLED, async () => {
      const killed = mirror;
      process.kill(killed.pid, 'SIGKILL');
      await waitFor('MirrorMaker to die', () => Promise.resolve(!isAlive(killed.pid)));
    });
  });
});
