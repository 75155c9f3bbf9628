import type { PoolClient } from 'pg';

import {
  SpanKind,
  batchParent,
  inSpan,
  relayLagEvents,
  relayLagSeconds,
  relayPublished,
  spanContextFrom,
} from '@gov/platform-observability';

import { toEnvelopeRecord } from '../envelope/envelope';
import { REQUIRED_MIGRATION } from '../postgres/migrations';
import { translatePgError } from '../postgres/pg-errors';
import type { EnvelopeRecord } from '../envelope/envelope';
import type { PositionedEvent } from '../event-store/event-store';
import type { PostgresEventStore } from '../postgres/postgres-event-store';
import { quoteSchema } from '../postgres/schema-name';

/**
 * Publishes records to Kafka and resolves once the brokers acknowledged them (acks=all), keeping
 * the order of records with the same key. `EventPublisher` of `@gov/platform-messaging` is one.
 */
export interface RecordPublisher<M> {
  publish(topic: string, messages: readonly M[]): Promise<void>;
}

/** The publisher of an {@link OutboxRelay} of envelopes (the default mapping). */
export type EnvelopePublisher = RecordPublisher<EnvelopeRecord>;

/** Where the relay reports what it does; Nest's `Logger` fits. */
export interface RelayLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string, error?: unknown): void;
}

/**
 * How a relay turns a batch of the log into what it publishes: items of type `T` (what
 * `afterPublish` receives and `publishedCount` counts), each published as one record `M`.
 */
export interface RelayMapping<T, M> {
  /**
   * Read the log upcast (`readAll`, current payload schemas) instead of as stored
   * (`readAllStored`, on the leader's connection, the bytes the content hashes cover).
   */
  readonly upcast?: boolean;
  /**
   * The items of a batch of the log (in log order), in publishing order; none is fine (the
   * checkpoint still moves past the batch). `warn` reports through the relay's logger. A failure
   * fails the batch: nothing of it is published, and it is retried from the checkpoint.
   */
  readonly select: (
    events: readonly PositionedEvent[],
    warn: (message: string) => void,
  ) => readonly T[] | Promise<readonly T[]>;
  /** The Kafka record of an item. */
  readonly toRecord: (item: T) => M;
}

/** The default mapping: every event of the log, as stored, as its `EventEnvelope` record. */
export const ENVELOPE_MAPPING: RelayMapping<PositionedEvent, EnvelopeRecord> = {
  select: (events) => events,
  toRecord: toEnvelopeRecord,
};

/** The settings of an {@link OutboxRelay}, whatever it publishes. */
export interface OutboxRelaySettings<T, M> {
  /** The store whose log is relayed. */
  readonly store: PostgresEventStore;
  /** The Kafka publisher. */
  readonly publisher: RecordPublisher<M>;
  /** The topic published to, e.g. `registry.events.v1`; it must exist. */
  readonly topic: string;
  /** Names the checkpoint (row of `relay_checkpoints`) and the leader lock; the topic by default. */
  readonly name?: string;
  /** Events read per iteration (and per checkpoint and Kafka publish); 500 by default. */
  readonly batchSize?: number;
  /** Events positioned per sequencer run; 2 000 by default. */
  readonly sequencerBatchSize?: number;
  /** Idle poll interval (ms), cut short by {@link OutboxRelay.notify}; 20 by default. */
  readonly idlePollMs?: number;
  /**
   * How long an idle relay waits after {@link OutboxRelay.notify} before it reads (ms), so that
   * the appends of that moment go out as one batch: one sequencer run, one read, one Kafka
   * request and one checkpoint for all of them instead of each. Adds at most this much to the
   * time an event takes to reach Kafka; 0 publishes each append at once. 5 by default (Kafka's
   * own producer default `linger.ms`).
   */
  readonly lingerMs?: number;
  /** How often a standby instance tries to become leader (ms); 1 000 by default. */
  readonly standbyPollMs?: number;
  /** Delay after a failure (ms), doubling up to `maxErrorBackoffMs`; 100 by default. */
  readonly errorBackoffMs?: number;
  /** Upper bound of the failure backoff (ms); 5 000 by default. */
  readonly maxErrorBackoffMs?: number;
  /** Where progress and failures are reported; the console by default. */
  readonly logger?: RelayLogger;
  /**
   * Called after the brokers acknowledged a batch and before its checkpoint is saved, with the
   * batch's items (the events, by default). For metrics, and for tests that crash the relay at
   * exactly that point.
   */
  readonly afterPublish?: (items: readonly T[]) => void | Promise<void>;
  /** What the relay calls itself in its log messages; `outbox relay` by default. */
  readonly label?: string;
  /**
   * Namespace of the leader lock (`<namespace>:<schema>:<name>`); `gov.event-store.relay` by
   * default. Instances that must exclude each other need the same one.
   */
  readonly lockNamespace?: string;
  /** The operation named in translated database errors; `relay` by default. */
  readonly operation?: string;
  /**
   * While this answers `true`, the relay starts no iteration (it asks again every
   * `idlePollMs`, at least every 100 ms). A replica catching up holds its relays so that the
   * replay gets the cores; they resume where their checkpoints stand.
   */
  readonly holdWhile?: () => boolean;
}

/**
 * Configuration of an {@link OutboxRelay}: its settings and, unless it publishes the log's
 * envelopes (the default), its {@link RelayMapping}.
 */
export type OutboxRelayOptions<T = PositionedEvent, M = EnvelopeRecord> = OutboxRelaySettings<
  T,
  M
> &
  (RelayMapping<PositionedEvent, EnvelopeRecord> extends RelayMapping<T, M>
    ? { readonly mapping?: RelayMapping<T, M> }
    : { readonly mapping: RelayMapping<T, M> });

/** How often a held relay asks whether it may go on (ms), at least. */
const HOLD_POLL_MS = 100;

/** What the relay is doing. */
export type RelayRole = 'stopped' | 'standby' | 'leader';

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
 * The transactional outbox relay: publishes every committed event of a store to Kafka, in log
 * order, at least once. It is also the platform's one checkpointed publisher over an event log:
 * with a {@link RelayMapping} it publishes whatever a batch of the log maps to (the registry's
 * change feed publishes record snapshots this way).
 *
 * One iteration: run the sequencer (positions newly committed events), read the positioned
 * events after the relay's checkpoint, map them (by default: each as its `EventEnvelope` record,
 * key = stream id, header `event-id`), publish the records in one call, wait for the
 * acknowledgement, then save the checkpoint. A crash before the acknowledgement loses nothing
 * (the events are still in PostgreSQL, after the checkpoint); a crash between acknowledgement
 * and checkpoint publishes the batch again after a restart, same event ids, same bytes, which
 * consumers deduplicate. Log order implies version order per stream. A mapping or publishing
 * failure is retried from the checkpoint with backoff, never skipped.
 *
 * Only one instance relays a store at a time: the leader holds a session advisory lock on a
 * connection it keeps, and does all its work on that connection, so losing the connection
 * (crash, network) both ends its leadership and stops its work. Other instances stand by and
 * take over within `standbyPollMs` of the lock's release.
 *
 * It polls every `idlePollMs` when idle (an idle poll is one read-only query), immediately again
 * after a full batch, and at once when {@link notify} is called (the store calls it after each
 * append in this process).
 */
export class OutboxRelay<T = PositionedEvent, M = EnvelopeRecord> {
  private readonly store: PostgresEventStore;
  private readonly publisher: RecordPublisher<M>;
  private readonly topic: string;
  private readonly name: string;
  private readonly batchSize: number;
  private readonly sequencerBatchSize: number;
  private readonly idlePollMs: number;
  private readonly lingerMs: number;
  private readonly holdWhile: (() => boolean) | undefined;
  private readonly standbyPollMs: number;
  private readonly errorBackoffMs: number;
  private readonly maxErrorBackoffMs: number;
  private readonly logger: RelayLogger;
  private readonly afterPublish: OutboxRelaySettings<T, M>['afterPublish'];
  private readonly mapping: RelayMapping<T, M>;
  private readonly label: string;
  private readonly lockNamespace: string;
  private readonly operation: string;
  private readonly schema: string;

  private currentRole: RelayRole = 'stopped';
  private checkpoint = 0n;
  private publishedItems = 0;
  private client: PoolClient | undefined;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private woken = false;
  private wake: (() => void) | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(options: OutboxRelayOptions<T, M>) {
    this.store = options.store;
    this.publisher = options.publisher;
    this.topic = options.topic;
    this.name = options.name ?? options.topic;
    this.batchSize = options.batchSize ?? 500;
    this.sequencerBatchSize = options.sequencerBatchSize ?? 2_000;
    this.idlePollMs = options.idlePollMs ?? 20;
    this.lingerMs = options.lingerMs ?? 5;
    this.holdWhile = options.holdWhile;
    this.standbyPollMs = options.standbyPollMs ?? 1_000;
    this.errorBackoffMs = options.errorBackoffMs ?? 100;
    this.maxErrorBackoffMs = options.maxErrorBackoffMs ?? 5_000;
    this.logger = options.logger ?? consoleLogger;
    this.afterPublish = options.afterPublish;
    // Without a mapping the options' type guarantees T and M are the envelope mapping's.
    this.mapping = options.mapping ?? (ENVELOPE_MAPPING as unknown as RelayMapping<T, M>);
    this.label = options.label ?? 'outbox relay';
    this.lockNamespace = options.lockNamespace ?? 'gov.event-store.relay';
    this.operation = options.operation ?? 'relay';
    this.schema = quoteSchema(options.store.schema);
  }

  /** `leader` while this instance relays, `standby` while another one does. */
  get role(): RelayRole {
    return this.currentRole;
  }

  /** The last position this instance knows to be published (its checkpoint). */
  get publishedPosition(): bigint {
    return this.checkpoint;
  }

  /** How many items this instance has published (duplicates after a retry included). */
  get publishedCount(): number {
    return this.publishedItems;
  }

  /** The topic published to. */
  get topicName(): string {
    return this.topic;
  }

  /**
   * Starts relaying in the background (as leader, or as standby until the leader goes away).
   * Returns at once; failures are logged and retried, never thrown.
   */
  start(): void {
    if (this.loop) {
      return;
    }
    this.stopping = false;
    this.currentRole = 'standby';
    this.unsubscribe = this.store.onAppended(() => {
      this.notify();
    });
    this.loop = this.run();
  }

  /**
   * Stops gracefully: a batch being published is finished and checkpointed, then leadership is
   * released (a standby takes over) and the connection returned. Safe to call more than once.
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

  /** Wakes the relay now instead of at its next poll: new events were committed. */
  notify(): void {
    this.woken = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    let failures = 0;
    // Whether events are known to wait: the last batch was full, or an append woke the relay.
    let pending = false;
    while (!this.stopping) {
      if (this.holdWhile?.()) {
        await this.pause(Math.max(this.idlePollMs, HOLD_POLL_MS), false);
        continue;
      }
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
        busy = await this.iterate(this.client, pending);
        failures = 0;
      } catch (error) {
        failures += 1;
        this.logger.error(
          `${this.label} ${this.name}: iteration failed (${failures} in a row); retrying from position ${this.checkpoint + 1n}`,
          error instanceof KeepSession ? error.cause : error,
        );
        // Mapping and Kafka failures leave the database session healthy: keep leadership and
        // retry from the checkpoint. Anything else may have broken the session: give it up.
        if (!(error instanceof KeepSession)) {
          this.resign(error);
        }
        await this.pause(
          Math.min(this.maxErrorBackoffMs, this.errorBackoffMs * 2 ** (failures - 1)),
          false,
        );
        continue;
      }
      pending = busy;
      if (!busy) {
        pending = await this.pause(this.idlePollMs, true);
        if (pending && this.lingerMs > 0) await this.pause(this.lingerMs, false);
      }
    }
    await this.release();
  }

  /** One relay iteration on the leader's connection; whether more work is waiting. */
  private async iterate(client: PoolClient, pending: boolean): Promise<boolean> {
    const run = await this.store.sequence(this.sequencerBatchSize, client, { pending });
    if (run.head <= this.checkpoint) {
      this.reportLag(0n, undefined);
      return run.assigned >= this.sequencerBatchSize;
    }
    const from = this.checkpoint + 1n;
    // As stored by default: consumers of envelopes verify the content hash over these bytes.
    const events = this.mapping.upcast
      ? await this.store.readAll(from, this.batchSize)
      : await this.store.readAllStored(from, this.batchSize, client);
    const last = events.at(-1);
    if (!last) {
      return false;
    }
    this.reportLag(run.head - this.checkpoint, events[0]?.recordedAt);
    let items: readonly T[];
    try {
      items = await this.mapping.select(events, (message) => {
        this.logger.warn(`${this.label} ${this.name}: ${message}`);
      });
      if (items.length > 0) {
        await this.publishTraced(events, items);
      }
    } catch (error) {
      throw new KeepSession(error);
    }
    await this.afterPublish?.(items);
    this.publishedItems += items.length;
    relayPublished.inc({ topic: this.topic }, items.length);
    await this.saveCheckpoint(client, last.globalPosition);
    this.checkpoint = last.globalPosition;
    return events.length >= this.batchSize || run.assigned >= this.sequencerBatchSize;
  }

  /**
   * Publishes a batch as a producer span in the trace of the requests that appended its events
   * (their child if they all belong to one trace, else linked to each). The records carry each
   * event's own trace context (envelope and headers), so consumers continue its request's trace.
   */
  private publishTraced(events: readonly PositionedEvent[], items: readonly T[]): Promise<void> {
    const { parent, links } = batchParent(
      events.map((event) => spanContextFrom(event.traceparent, event.tracestate)),
    );
    return inSpan(
      `publish ${this.topic}`,
      {
        kind: SpanKind.PRODUCER,
        parent,
        links,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'publish',
          'messaging.destination.name': this.topic,
          'messaging.batch.message_count': items.length,
        },
      },
      () =>
        this.publisher.publish(
          this.topic,
          items.map((item) => this.mapping.toRecord(item)),
        ),
    );
  }

  /**
   * Relay lag as the leader sees it when it reads the log: events positioned after the
   * checkpoint, and how long ago the oldest of them was recorded (0 when caught up).
   */
  private reportLag(events: bigint, oldestRecordedAt: Date | undefined): void {
    const labels = { topic: this.topic };
    relayLagEvents.set(labels, Number(events));
    relayLagSeconds.set(
      labels,
      oldestRecordedAt ? Math.max(0, (Date.now() - oldestRecordedAt.getTime()) / 1000) : 0,
    );
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
        `${this.label} ${this.name}: leading, publishing to ${this.topic} from position ${this.checkpoint + 1n}`,
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

  /**
   * Gives up leadership after a failure. The connection is destroyed rather than reused: its
   * state is unknown, and closing it releases the lock on the server even if it is half-broken.
   */
  private resign(error: unknown): void {
    if (this.client) {
      this.giveBack(this.client, error);
      this.client = undefined;
    }
    if (!this.stopping) {
      this.currentRole = 'standby';
    }
  }

  private async release(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) {
      return;
    }
    try {
      await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [this.lockName()]);
      this.giveBack(client);
    } catch (error) {
      this.giveBack(client, error);
    }
    this.logger.log(`${this.label} ${this.name}: stopped at position ${this.checkpoint}`);
  }

  /** Returns a connection to the pool; destroys it after a failure (its state is unknown). */
  private giveBack(client: PoolClient, failure?: unknown): void {
    client.removeListener('error', this.onConnectionError);
    client.release(failure === undefined ? undefined : failure instanceof Error ? failure : true);
  }

  private readonly onConnectionError = (error: Error): void => {
    this.logger.warn(`${this.label} ${this.name}: connection error: ${error.message}`);
  };

  private translate(error: unknown): Error {
    return translatePgError(error, {
      operation: this.operation,
      schema: this.store.schema,
      requiredMigration: REQUIRED_MIGRATION,
    });
  }

  private lockName(): string {
    return `${this.lockNamespace}:${this.store.schema}:${this.name}`;
  }

  /**
   * Waits `ms`, or less if stopped or (when `wakeable`) notified; whether it was notified (then
   * new events wait).
   */
  private pause(ms: number, wakeable: boolean): Promise<boolean> {
    if (this.stopping || (wakeable && this.woken)) {
      const notified = wakeable && this.woken;
      this.woken = false;
      return Promise.resolve(notified);
    }
    return new Promise((resolve) => {
      const done = (notified: boolean): void => {
        clearTimeout(timer);
        this.wake = undefined;
        if (wakeable) this.woken = false;
        resolve(notified);
      };
      const timer = setTimeout(() => {
        done(false);
      }, ms);
      this.wake = () => {
        if (wakeable || this.stopping) {
          done(wakeable && !this.stopping);
        }
      };
    });
  }
}

/**
 * A failure of a batch's mapping or publishing: nothing about the database session is known
 * bad, so the leader keeps it and retries from its checkpoint.
 */
class KeepSession extends Error {
  constructor(cause: unknown) {
    super('batch failed', { cause });
  }
}
