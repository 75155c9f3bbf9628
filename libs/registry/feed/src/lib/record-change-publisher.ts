import type { PoolClient } from 'pg';

import { REQUIRED_MIGRATION, translatePgError } from '@gov/platform-event-sourcing';
import type { PostgresEventStore, RelayLogger, RelayRole } from '@gov/platform-event-sourcing';
import type { OutboundMessage } from '@gov/platform-messaging';

import { REGISTRY_CHANGES_TOPIC, toFeedMessage } from './feed-topic';
import { RecordStates } from './record-states';
import type { SourcedChange } from './record-states';

/**
 * Publishes records to Kafka and resolves once the brokers acknowledged them (acks=all), keeping
 * the order of records with the same key. `EventPublisher` of `@gov/platform-messaging` is one.
 */
export interface FeedPublisher {
  publish(topic: string, messages: readonly OutboundMessage[]): Promise<void>;
}

/** Configuration of a {@link RecordChangePublisher}. */
export interface RecordChangePublisherOptions {
  /** The registry's event store, whose log the feed is derived from. */
  readonly store: PostgresEventStore;
  /** The Kafka publisher (idempotent, acks=all). */
  readonly publisher: FeedPublisher;
  /** The feed topic; `registry.changes.v1` by default. It must exist. */
  readonly topic?: string;
  /** Names the checkpoint row in `relay_checkpoints` and the leader lock; the topic by default. */
  readonly name?: string;
  /** Log events read (and checkpointed) per iteration; 500 by default. */
  readonly batchSize?: number;
  /** Events positioned per sequencer run; 2 000 by default. */
  readonly sequencerBatchSize?: number;
  /** Idle poll interval (ms), cut short by {@link RecordChangePublisher.notify}; 50 by default. */
  readonly idlePollMs?: number;
  /** How often a standby instance tries to become leader (ms); 1 000 by default. */
  readonly standbyPollMs?: number;
  /** Delay after a failure (ms), doubling up to `maxErrorBackoffMs`; 100 by default. */
  readonly errorBackoffMs?: number;
  /** Upper bound of the failure backoff (ms); 5 000 by default. */
  readonly maxErrorBackoffMs?: number;
  /** How many records' latest states are kept between batches; 10 000 by default. */
  readonly stateCacheSize?: number;
  /** Where progress and failures are reported; the console by default. */
  readonly logger?: RelayLogger;
  /**
   * Called after the brokers acknowledged a batch's changes and before its checkpoint is saved.
   * For metrics, and for tests that fail the publisher at exactly that point.
   */
  readonly afterPublish?: (changes: readonly SourcedChange[]) => void | Promise<void>;
}

const consoleLogger: RelayLogger = {
  log: (message) => {
    console.log(message);
  },
  warn: (message) => {
    console.warn(message);
  },
  error: (message, error) => {
    console.error(message, error);
  },
};

/**
 * The publisher of the registry's public change feed (`registry.changes.v1`): one
 * `gov.registry.v1.RecordChange` per change of a person's or a business's record, carrying the
 * complete record after the change, keyed by the record id.
 *
 * It reads the registry's own event log, not its internal topic: the log is where the record
 * streams are, to fold the record after each change, and a checkpoint on log positions is exact.
 * One iteration, as the outbox relay's: run the sequencer, read the positioned events after
 * the checkpoint (row `name` of `relay_checkpoints`), fold each record stream up to each of its
 * events, publish the changes and wait for the acknowledgement, then save the checkpoint.
 *
 * Delivery is at least once, which is what the contract promises: a crash before the
 * acknowledgement loses nothing (the events are still after the checkpoint); a crash between
 * acknowledgement and checkpoint publishes the batch again after a restart, as the same messages
 * (same `record_version`, same snapshot), which subscribers skip by `record_version`. Log order
 * is version order per stream, and one publish call keeps the order per key, so each record's
 * changes reach its partition in version order.
 *
 * A record event that cannot be decoded (or an event type this code does not know in a record
 * stream) fails the iteration, which is retried with backoff and logged, rather than skipped:
 * skipping would publish later snapshots folded without it, i.e. wrong records. The feed then
 * stalls, loudly, until the code that can read the event is deployed.
 *
 * Only one instance publishes at a time: the leader holds a session advisory lock on a
 * connection it keeps and checkpoints on; the others stand by and take over within
 * `standbyPollMs` of its release. It polls every `idlePollMs` when idle, at once again after a
 * full batch, and when {@link notify} is called (the store calls it after each append in this
 * process).
 */
export class RecordChangePublisher {
  private readonly store: PostgresEventStore;
  private readonly publisher: FeedPublisher;
  private readonly topic: string;
  private readonly name: string;
  private readonly batchSize: number;
  private readonly sequencerBatchSize: number;
  private readonly idlePollMs: number;
  private readonly standbyPollMs: number;
  private readonly errorBackoffMs: number;
  private readonly maxErrorBackoffMs: number;
  private readonly logger: RelayLogger;
  private readonly afterPublish: RecordChangePublisherOptions['afterPublish'];
  private readonly states: RecordStates;
  private readonly schema: string;

  private currentRole: RelayRole = 'stopped';
  private checkpoint = 0n;
  private publishedChanges = 0;
  private client: PoolClient | undefined;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private woken = false;
  private wake: (() => void) | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(options: RecordChangePublisherOptions) {
    this.store = options.store;
    this.publisher = options.publisher;
    this.topic = options.topic ?? REGISTRY_CHANGES_TOPIC;
    this.name = options.name ?? this.topic;
    this.batchSize = options.batchSize ?? 500;
    this.sequencerBatchSize = options.sequencerBatchSize ?? 2_000;
    this.idlePollMs = options.idlePollMs ?? 50;
    this.standbyPollMs = options.standbyPollMs ?? 1_000;
    this.errorBackoffMs = options.errorBackoffMs ?? 100;
    this.maxErrorBackoffMs = options.maxErrorBackoffMs ?? 5_000;
    this.logger = options.logger ?? consoleLogger;
    this.afterPublish = options.afterPublish;
    this.states = new RecordStates(options.store, options.stateCacheSize);
    this.schema = `"${options.store.schema.replace(/"/g, '""')}"`;
  }

  /** `leader` while this instance publishes, `standby` while another one does. */
  get role(): RelayRole {
    return this.currentRole;
  }

  /** The last log position this instance knows to be published (its checkpoint). */
  get publishedPosition(): bigint {
    return this.checkpoint;
  }

  /** How many changes this instance has published (duplicates after a retry included). */
  get publishedCount(): number {
    return this.publishedChanges;
  }

  /** The feed topic. */
  get topicName(): string {
    return this.topic;
  }

  /**
   * Starts publishing in the background (as leader, or as standby until the leader goes away).
   * Returns at once; failures are logged and retried, never thrown.
   */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.currentRole = 'standby';
    this.unsubscribe = this.store.onAppended(() => {
      this.notify();
    });
    this.loop = this.run();
  }

  /**
   * Stops gracefully: a batch being published is finished and checkpointed, then leadership is
   * released and the connection returned. Safe to call more than once.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.notify();
    await this.loop;
    this.loop = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.currentRole = 'stopped';
  }

  /** Wakes the publisher now instead of at its next poll: new events were committed. */
  notify(): void {
    this.woken = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      let busy: boolean;
      try {
        if (!this.client) {
          const client = await this.tryLead();
          if (!client) {
            await this.pause(this.standbyPollMs, false);
            continue;
          }
          this.client = client;
        }
        busy = await this.iterate(this.client);
        failures = 0;
      } catch (error) {
        failures += 1;
        this.logger.error(
          `change feed ${this.name}: iteration failed (${failures} in a row); retrying from position ${this.checkpoint + 1n}`,
          error instanceof KeepSession ? error.cause : error,
        );
        // Kafka and decoding failures leave the database session healthy: keep leadership and
        // retry from the checkpoint. Anything else may have broken the session: give it up.
        if (!(error instanceof KeepSession)) this.resign(error);
        await this.pause(
          Math.min(this.maxErrorBackoffMs, this.errorBackoffMs * 2 ** (failures - 1)),
          false,
        );
        continue;
      }
      if (!busy) await this.pause(this.idlePollMs, true);
    }
    await this.release();
  }

  /** One iteration on the leader's connection; whether more work is waiting. */
  private async iterate(client: PoolClient): Promise<boolean> {
    const run = await this.store.sequence(this.sequencerBatchSize, client);
    if (run.head <= this.checkpoint) return run.assigned >= this.sequencerBatchSize;
    // Upcast: the codecs decode the current payload schema.
    const events = await this.store.readAll(this.checkpoint + 1n, this.batchSize);
    const last = events.at(-1);
    if (!last) return false;
    let changes: readonly SourcedChange[];
    try {
      const batch = await this.states.changesOf(events);
      for (const { source, reason } of batch.skipped) {
        this.logger.warn(`change feed ${this.name}: event ${source.eventId} skipped: ${reason}`);
      }
      changes = batch.changes;
      if (changes.length > 0) {
        await this.publisher.publish(
          this.topic,
          changes.map(({ change, source }) => toFeedMessage(change, source.eventId)),
        );
      }
    } catch (error) {
      throw new KeepSession(error);
    }
    await this.afterPublish?.(changes);
    this.publishedChanges += changes.length;
    await this.saveCheckpoint(client, last.globalPosition);
    this.checkpoint = last.globalPosition;
    return events.length >= this.batchSize || run.assigned >= this.sequencerBatchSize;
  }

  /** Takes leadership if no other instance has it: a connection holding the lock, or none. */
  private async tryLead(): Promise<PoolClient | undefined> {
    let client: PoolClient;
    try {
      client = await this.store.pool.connect();
    } catch (error) {
      throw this.translate(error);
    }
    // A connection error while we hold the client would otherwise be an unhandled 'error'
    // event; the next query on it fails and the loop resigns.
    client.on('error', this.onConnectionError);
    try {
      const { rows } = await client.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked',
        [this.lockName()],
      );
      if (rows[0]?.locked !== true) {
        this.giveBack(client);
        return undefined;
      }
      const saved = await client.query<{ position: string }>(
        `SELECT position FROM ${this.schema}.relay_checkpoints WHERE name = $1`,
        [this.name],
      );
      this.checkpoint = BigInt(saved.rows[0]?.position ?? '0');
      this.currentRole = 'leader';
      this.logger.log(
        `change feed ${this.name}: leading, publishing to ${this.topic} from position ${this.checkpoint + 1n}`,
      );
      return client;
    } catch (error) {
      this.giveBack(client, error);
      throw this.translate(error);
    }
  }

  private async saveCheckpoint(client: PoolClient, position: bigint): Promise<void> {
    try {
      await client.query(
        `INSERT INTO ${this.schema}.relay_checkpoints (name, position) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = now()`,
        [this.name, position.toString()],
      );
    } catch (error) {
      throw this.translate(error);
    }
  }

  /** Gives up leadership after a failure; the connection is destroyed (its state is unknown). */
  private resign(error: unknown): void {
    if (this.client) {
      this.giveBack(this.client, error);
      this.client = undefined;
    }
    if (!this.stopping) this.currentRole = 'standby';
  }

  private async release(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    try {
      await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [this.lockName()]);
      this.giveBack(client);
    } catch (error) {
      this.giveBack(client, error);
    }
    this.logger.log(`change feed ${this.name}: stopped at position ${this.checkpoint}`);
  }

  private giveBack(client: PoolClient, failure?: unknown): void {
    client.removeListener('error', this.onConnectionError);
    client.release(failure === undefined ? undefined : failure instanceof Error ? failure : true);
  }

  private readonly onConnectionError = (error: Error): void => {
    this.logger.warn(`change feed ${this.name}: connection error: ${error.message}`);
  };

  private translate(error: unknown): Error {
    return translatePgError(error, {
      operation: 'change-feed',
      schema: this.store.schema,
      requiredMigration: REQUIRED_MIGRATION,
    });
  }

  private lockName(): string {
    return `gov.registry.change-feed:${this.store.schema}:${this.name}`;
  }

  /** Waits `ms`, or less if stopped or (when `wakeable`) notified. */
  private pause(ms: number, wakeable: boolean): Promise<void> {
    if (this.stopping || (wakeable && this.woken)) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        this.woken = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = () => {
        if (wakeable || this.stopping) done();
      };
    });
  }
}

/**
 * A failure of a batch's decoding or publishing: nothing about the database session is known
 * bad, so the leader keeps it and retries from its checkpoint.
 */
class KeepSession extends Error {
  constructor(cause: unknown) {
    super('batch failed', { cause });
  }
}
