import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';

import {
  MalformedKeyRecordError,
  SUBJECT_KEY_STORE,
  decodeKeyRecord,
  encodeKeyRecord,
} from '@gov/platform-data-protection';
import type { SubjectKeyStore } from '@gov/platform-data-protection';
import {
  ConsumerGroupFactory,
  DependencyUnavailableError,
  EventPublisher,
  KafkaAdmin,
  PermanentMessageError,
  joinWhenReady,
  retryThenDeadLetter,
} from '@gov/platform-messaging';
import type { ConsumerGroup, InboundMessage, TopicSpec } from '@gov/platform-messaging';

import { SiteRole } from '@gov/platform-replication';

import { BackgroundLoop } from '../background/background-loop';
import { SERVICE_OPTIONS } from '../event-sourced-service.options';
import type { EventSourcedServiceOptions } from '../event-sourced-service.options';

/** Key changes written to the keys topic per pass. */
const RELAY_BATCH = 500;

/**
 * A service's keys topic, named after its event topic: `registry.events.v1` → `registry.keys.v1`
 * (so that a test's renamed event topic gets a keys topic of its own too).
 */
export function keysTopicOf(eventsTopic: string): string {
  return eventsTopic.includes('.events.')
    ? eventsTopic.replace('.events.', '.keys.')
    : `${eventsTopic}.keys`;
}

/**
 * The keys topic: compacted, so that the latest record of a key (its destruction, once erased)
 * is what stays. Segments roll hourly and `max.compaction.lag.ms` makes the log cleaner compact
 * a destroyed key's earlier record (its wrapped material) within a day, on this cluster and on
 * the mirror alike.
 */
export function keysTopicSpec(topic: string): TopicSpec {
  return {
    topic,
    numPartitions: 3,
    configs: {
      'cleanup.policy': 'compact',
      'retention.ms': '-1',
      'segment.ms': String(3600_000),
      'max.compaction.lag.ms': String(24 * 3600_000),
      'min.cleanable.dirty.ratio': '0.1',
    },
  };
}

/** Longest wait between two looks at the key table when nothing woke the relay. */
const RELAY_IDLE_MS = 200;
/** Longest pause after consecutive failures. */
const RELAY_MAX_BACKOFF_MS = 5_000;

/**
 * Writes this site's key changes (new keys, destructions) to its keys topic, in the order the
 * store made them, keyed by key id, then moves the store's relay position. Its own loop, woken by
 * the store as soon as it makes or destroys a key, not a reactor: the keys must reach the other
 * site about as fast as the events sealed under them, also while the projections are busy. Only
 * where the site is writable (a replica makes no keys; a destruction it applied while replaying
 * goes out once it is promoted). At least once: a crash between the write and the position
 * writes the same states again, which consumers apply idempotently.
 */
@Injectable()
export class KeyRelay implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(KeyRelay.name);
  private readonly topic: string;
  private readonly loop: BackgroundLoop;
  private passing: Promise<number> = Promise.resolve(0);

  constructor(
    @Inject(SUBJECT_KEY_STORE) private readonly keys: SubjectKeyStore,
    private readonly publisher: EventPublisher,
    private readonly admin: KafkaAdmin,
    private readonly siteRole: SiteRole,
    @Inject(SERVICE_OPTIONS) options: EventSourcedServiceOptions,
  ) {
    this.topic = keysTopicOf(options.config.eventsTopic);
    this.loop = new BackgroundLoop({
      step: () => (this.siteRole.writable ? this.runOnce() : Promise.resolve(0)),
      idleMs: RELAY_IDLE_MS,
      maxBackoffMs: RELAY_MAX_BACKOFF_MS,
      logger: this.logger,
      failure: `writing ${this.topic} failed`,
      work: 'key relay',
    });
  }

  /** The topic on every site (a promoted embassy writes to its own), then the loop. */
  async onApplicationBootstrap(): Promise<void> {
    await this.admin.ensureTopics([keysTopicSpec(this.topic)]);
    this.loop.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.loop.stop();
  }

  /** Something changed in the key table: look at once. */
  notify(): void {
    this.loop.notify();
  }

  /**
   * Resolves once the keys that sealed `events` (their envelopes' key ids) are written to the
   * keys topic. The events relay awaits it before it publishes them, so that a key never
   * reaches Kafka after data sealed under it: a site rebuilt from the topics, or an embassy
   * promoted after losing the home site, would find data it can never open. Usually one look at
   * the key table (the relay is woken when a key is made, before the event is even appended).
   *
   * @throws when a key still awaits the relay after a pass (the events' batch is retried).
   */
  async relayedBefore(
    events: readonly { readonly dataSubjectKeyId: string | null }[],
  ): Promise<void> {
    const keyIds = [
      ...new Set(events.flatMap(({ dataSubjectKeyId: id }) => (id === null ? [] : [id]))),
    ];
    if (keyIds.length === 0 || !(await this.keys.awaitsRelay(this.topic, keyIds))) return;
    while ((await this.runOnce()) > 0) {
      // drain: the keys are written in the order the store made them
    }
    if (await this.keys.awaitsRelay(this.topic, keyIds)) {
      throw new Error(`keys of the batch are not written to ${this.topic} yet`);
    }
  }

  /**
   * One pass: the changes after the position, written and acknowledged; how many. Passes run
   * one at a time (the loop's and those the events relay asks for).
   */
  runOnce(): Promise<number> {
    const pass = this.passing.then(
      () => this.pass(),
      () => this.pass(),
    );
    this.passing = pass.catch(() => 0);
    return pass;
  }

  private async pass(): Promise<number> {
    const from = await this.keys.relayPosition(this.topic);
    const changes = await this.keys.changesSince(from, RELAY_BATCH);
    const last = changes.at(-1);
    if (last === undefined) return 0;
    await this.publisher.publish(
      this.topic,
      changes.map(({ record }) => ({ key: record.keyId, value: encodeKeyRecord(record) })),
    );
    await this.keys.saveRelayPosition(this.topic, last.position);
    return changes.length;
  }
}

/**
 * Applies the other site's keys topic, as MirrorMaker 2 mirrors it here
 * (`<replication source>.<service>.keys.v1`), to this site's key store: the embassy receives the
 * keys the home site seals with and their destructions; a home site that was failed over
 * receives those the promoted embassy made. On every site, whatever its role: applying is
 * idempotent and a destroyed key is never revived. A record that is not a valid key record goes
 * to the dead-letter topic; an unreachable database is waited for.
 */
@Injectable()
export class KeyReplicaConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(KeyReplicaConsumer.name);
  private group: ConsumerGroup | undefined;
  private stopped = false;
  private joining: Promise<void> | undefined;

  constructor(
    @Inject(SUBJECT_KEY_STORE) private readonly keys: SubjectKeyStore,
    private readonly groups: ConsumerGroupFactory,
    @Inject(SERVICE_OPTIONS) private readonly options: EventSourcedServiceOptions,
  ) {}

  onApplicationBootstrap(): void {
    const { config } = this.options;
    const topic = `${config.replicationSource}.${keysTopicOf(config.eventsTopic)}`;
    this.group = this.groups.create({
      groupId: `${config.replicationGroup}.keys`,
      topics: [topic],
      fromBeginning: true,
      handler: (message) => this.apply(message),
      onError: retryThenDeadLetter(),
    });
    // In the background: the mirrored topic exists only once the other site wrote a key.
    this.joining = joinWhenReady(this.group, {
      stopped: () => this.stopped,
      onRetry: (error) => {
        this.logger.debug({ topic, err: error }, `Keys topic ${topic} not joined yet; retrying`);
      },
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    await this.joining;
    await this.group?.stop();
  }

  private async apply(message: InboundMessage): Promise<void> {
    if (message.value.length === 0) {
      throw new PermanentMessageError('invalid', 'a keys topic record without a value');
    }
    let record;
    try {
      record = decodeKeyRecord(message.key, message.value);
    } catch (error) {
      if (error instanceof MalformedKeyRecordError) {
        throw new PermanentMessageError('undecodable', error.message, { cause: error });
      }
      throw error;
    }
    try {
      await this.keys.applyReplicated(record);
    } catch (error) {
      throw new DependencyUnavailableError('postgres', 'storing a replicated key failed', {
        cause: error,
      });
    }
  }
}
