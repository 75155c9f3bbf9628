import type { ClientBase, Pool, PoolClient, QueryConfig, QueryResultRow } from 'pg';

import { eventStoreAppendDuration, inSpan, traceHeadersOf } from '@gov/platform-observability';

import {
  checkAppend,
  checkFromVersion,
  checkReadAll,
  checkStreamId,
  prepareEvents,
} from '../event-store/append-preparation';
import type { NormalizedMetadata, PreparedEvent } from '../event-store/append-preparation';
import {
  ConcurrencyError,
  InvalidArgumentError,
  SchemaNotMigratedError,
} from '../event-store/event-store-errors';
import type {
  AppendMetadata,
  AppendResult,
  EventStore,
  ExpectedVersion,
  NewEvent,
  PositionedEvent,
  RecordedEvent,
} from '../event-store/event-store';
import { UpcasterRegistry } from '../event-store/upcasting';
import type { Upcaster } from '../event-store/upcasting';
import { CompanionConflictError, currentDeferral, shiftPlaceholders } from './deferred-append';
import type { AppendDeferral, CompanionWrite, GuardWrite } from './deferred-append';
import { REQUIRED_MIGRATION } from './migrations';
import { EVENT_ID_CONSTRAINT, STREAM_VERSION_CONSTRAINT, translatePgError } from './pg-errors';
import type { PgErrorContext } from './pg-errors';
import { quoteSchema } from './schema-name';
import { runSequencer } from './sequencer';
import type { SequencerOptions, SequencerRun } from './sequencer';

/** A role of the site as the store records it (see `SiteRole` of the replication library). */
export type StoredSiteRole = 'primary' | 'replica' | 'fenced';

/** The role an operator recorded for the site, with why and when. */
export interface RecordedSiteRole {
  readonly role: StoredSiteRole;
  readonly reason: string;
  readonly changedAt: Date;
}

/** Configuration of a {@link PostgresEventStore}. */
export interface PostgresEventStoreOptions {
  /** The connection pool; the store never ends it (its owner does). */
  readonly pool: Pool;
  /** The PostgreSQL schema holding this service's store, e.g. `registry`. */
  readonly schema: string;
  /** The service name recorded as every event's producer, e.g. `registry`. */
  readonly producer: string;
  /** Upcasters applied by `readStream` and `readAll`. */
  readonly upcasters?: readonly Upcaster[];
  /**
   * Called before every append; throws (a {@link ReadOnlyStoreError}) when this site must not
   * write its log now: a replica, or a primary fenced for a failover. Replicated events are
   * stored by the `ReplicaApplier`, which does not go through it.
   */
  readonly writeGate?: () => void;
}

/** Default number of events one sequencer run positions. */
export const DEFAULT_SEQUENCER_BATCH = 2_000;

/** Parameters per event in the append statement (after the shared ones). */
const APPEND_PARAMS_PER_EVENT = 8;
/** Parameters of an append shared by all its events: stream, expected version, metadata. */
const APPEND_FIXED_PARAMS = 10;
/** Most events {@link PostgresEventStore.startStreams} writes in one statement (parameters). */
const MAX_EVENTS_PER_STATEMENT = 5_000;
/** Appends of up to this many events use a statement prepared on each connection. */
const PREPARED_APPEND_SIZES = 8;

/** How often an `'any'` append re-reads the stream head after losing a race, before giving up. */
const ANY_VERSION_ATTEMPTS = 10;

/** The columns of a store's `events` table that make an event, as `pg` reads them. */
export interface EventColumns {
  event_id: string;
  event_type: string;
  payload_schema_version: number;
  stream_id: string;
  stream_version: string;
  global_position: string | null;
  producer: string;
  occurred_at: Date;
  recorded_at: Date;
  correlation_id: string;
  causation_id: string | null;
  traceparent: string | null;
  tracestate: string | null;
  content_hash: Buffer;
  previous_hash: Buffer | null;
  data_subject_key_id: string | null;
  payload: Buffer;
  actor_kind: string | null;
  actor_id: string | null;
  actor_organisation_id: string | null;
}

interface EventRow extends QueryResultRow, EventColumns {}

const EVENT_COLUMNS = `event_id, event_type, payload_schema_version, stream_id, stream_version,
  global_position, producer, occurred_at, recorded_at, correlation_id, causation_id, traceparent,
  tracestate, content_hash, previous_hash, data_subject_key_id, payload, actor_kind, actor_id,
  actor_organisation_id`;

/**
 * The {@link EventStore} on PostgreSQL: one `events` table per service schema.
 *
 * - **Append** is a single `INSERT ... SELECT` (its own transaction): it looks up the expected
 *   predecessor by the (stream_id, stream_version) index for its hash, inserts all events in one
 *   multi-row statement, and relies on the unique key (stream_id, stream_version) to turn a
 *   concurrent append into a {@link ConcurrencyError}. No per-append `NOTIFY` (it would
 *   serialize commits); the in-process relay is woken through {@link onAppended}.
 * - **Global order**: events get their dense `global_position` after commit from the sequencer
 *   ({@link sequence}), which the outbox relay runs; `readAll` returns positioned events only.
 * - The store checks once, on first use, that its schema is migrated and refuses to work
 *   otherwise ({@link SchemaNotMigratedError}).
 */
export class PostgresEventStore implements EventStore {
  /** The pool the store works on (shared with projections and inboxes of the same service). */
  readonly pool: Pool;
  /** The schema name, unquoted. */
  readonly schema: string;
  /** The producer recorded on every event. */
  readonly producer: string;

  private readonly quotedSchema: string;
  private readonly upcasters: UpcasterRegistry;
  private readonly listeners = new Set<(streamId: string) => void>();
  private verified: Promise<void> | undefined;
  private readonly appendStatements = new Map<string, { name?: string; text: string }>();
  private readonly sql: ReturnType<typeof statements>;
  private readonly writeGate: () => void;
  /** Appends committed through this instance so far (see {@link sequence}). */
  private appendsCommitted = 0;
  /** The sequencer run in flight in this process, and the appends committed when it began. */
  private sequencing: { readonly run: Promise<SequencerRun>; readonly after: number } | undefined;

  constructor(options: PostgresEventStoreOptions) {
    this.writeGate = options.writeGate ?? (() => undefined);
    this.pool = options.pool;
    this.schema = options.schema;
    this.producer = options.producer;
    if (!options.producer) {
      throw new InvalidArgumentError('producer', 'must be a non-empty service name');
    }
    this.quotedSchema = quoteSchema(options.schema);
    this.sql = statements(this.quotedSchema, options.schema);
    this.upcasters = new UpcasterRegistry(options.upcasters);
  }

  /**
   * Resolves when the schema has every migration this code needs; the result is remembered.
   *
   * @throws {@link SchemaNotMigratedError} when it has not (checked again on the next call).
   */
  verifySchema(): Promise<void> {
    this.verified ??= this.checkMigrations().catch((error: unknown) => {
      this.verified = undefined;
      throw error;
    });
    return this.verified;
  }

  /**
   * Calls `listener` with the stream id after each append through this instance has committed
   * (not after {@link appendInTransaction}, whose commit the caller makes). The outbox relay
   * uses it to publish without waiting for its next poll.
   *
   * @returns A function that removes the listener.
   */
  onAppended(listener: (streamId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async append(
    streamId: string,
    expectedVersion: ExpectedVersion,
    events: readonly NewEvent[],
    metadata: AppendMetadata,
  ): Promise<AppendResult> {
    const meta = checkAppend(streamId, expectedVersion, events, metadata);
    this.writeGate();
    await this.verifySchema();
    const deferral = currentDeferral();
    if (deferral?.accepts() && expectedVersion !== 'any') {
      return this.hold(deferral, streamId, expectedVersion, events, meta);
    }
    await deferral?.flush();
    const result = await this.observed(streamId, events.length, (traced) =>
      this.appendOn(this.pool, false, streamId, expectedVersion, events, traced(meta)),
    );
    this.appended(streamId);
    return result;
  }

  /**
   * Holds an append in the request's {@link AppendDeferral} and answers what it will store: the
   * same event ids, versions and hashes; `recordedAt` is the time of this call (the stored
   * one is the commit statement's), and the first event's `previousHash` is `null` when the
   * stream had events (the statement looks it up).
   */
  private hold(
    deferral: AppendDeferral,
    streamId: string,
    expected: number,
    events: readonly NewEvent[],
    meta: NormalizedMetadata,
  ): AppendResult {
    const prepared = prepareEvents(streamId, expected + 1, null, events);
    deferral.hold({
      abandon: () => undefined,
      run: async (companion) => {
        await this.observed(streamId, events.length, (traced) =>
          this.insertPrepared(
            this.pool,
            false,
            streamId,
            expected,
            prepared,
            traced(meta),
            companion,
          ),
        );
        this.appended(streamId);
      },
    });
    const recordedAt = new Date();
    return {
      streamVersion: expected + prepared.length,
      events: prepared.map((event) =>
        toAppended(event, streamId, meta, this.producer, {
          recorded_at: recordedAt,
          previous_hash: null,
        }),
      ),
    };
  }

  /** After an append through this instance committed: counts it and tells the listeners. */
  private appended(streamId: string): void {
    this.appendsCommitted += 1;
    for (const listener of this.listeners) {
      listener(streamId);
    }
  }

  /**
   * Appends inside a transaction the caller controls on `client` (after its `BEGIN`), so the
   * events commit together with the caller's other writes (an inbox entry, say). Same checks and
   * errors as {@link append}; after any error the transaction must be rolled back. The events
   * are positioned after the caller's `COMMIT`; call the relay's `notify()` then.
   *
   * A transaction that already wrote before appending may be older than the stream's last
   * event; it then fails with a {@link ConcurrencyError} (`conflict: 'stale-transaction'`),
   * because the global log orders events by transaction: retry in a new transaction.
   */
  async appendInTransaction(
    client: ClientBase,
    streamId: string,
    expectedVersion: ExpectedVersion,
    events: readonly NewEvent[],
    metadata: AppendMetadata,
  ): Promise<AppendResult> {
    const meta = checkAppend(streamId, expectedVersion, events, metadata);
    this.writeGate();
    await this.verifySchema();
    await currentDeferral()?.flush();
    return this.observed(streamId, events.length, (traced) =>
      this.appendOn(client, true, streamId, expectedVersion, events, traced(meta)),
    );
  }

  /**
   * Starts many new streams in one statement, inside a transaction the caller controls on
   * `client` (bulk registration): each stream's events get versions from 1, and every stream
   * must not exist yet. Far fewer round trips than one append per stream; same checks and
   * errors as {@link appendInTransaction} (an existing stream fails the statement with a
   * {@link ConcurrencyError}, which aborts the caller's transaction: check first when streams
   * may exist). Positioned after the caller's `COMMIT`.
   *
   * @returns One result per stream, in order.
   */
  async startStreams(
    client: ClientBase,
    streams: readonly { readonly streamId: string; readonly events: readonly NewEvent[] }[],
    metadata: AppendMetadata,
  ): Promise<AppendResult[]> {
    if (streams.length === 0) return [];
    const total = streams.reduce((n, s) => n + s.events.length, 0);
    if (total > MAX_EVENTS_PER_STATEMENT) {
      throw new InvalidArgumentError(
        'streams',
        `at most ${MAX_EVENTS_PER_STATEMENT} events per call, got ${total}`,
      );
    }
    const seen = new Set<string>();
    let meta: NormalizedMetadata | undefined;
    for (const { streamId, events } of streams) {
      meta = checkAppend(streamId, 0, events, metadata);
      if (seen.has(streamId)) throw new InvalidArgumentError('streams', `${streamId} repeated`);
      seen.add(streamId);
    }
    if (!meta) throw new InvalidArgumentError('streams', 'none given');
    this.writeGate();
    await this.verifySchema();
    await currentDeferral()?.flush();
    const prepared = streams.map(({ streamId, events }) => ({
      streamId,
      events: prepareEvents(streamId, 1, null, events),
    }));
    const values: unknown[] = metadataValues(meta, this.producer);
    const rows: string[] = [];
    for (const { streamId, events } of prepared) {
      for (const e of events) {
        const at = values.length;
        values.push(
          e.eventId,
          streamId,
          e.streamVersion,
          e.eventType,
          e.payloadSchemaVersion,
          e.payload,
          e.occurredAt,
          e.contentHash,
          e.previousHash,
          e.dataSubjectKeyId,
        );
        const p = (k: number) => `$${at + k + 1}`;
        rows.push(
          `(${p(0)}::uuid, ${p(1)}, ${p(2)}::bigint, ${p(3)}, ${p(4)}::integer, ${p(5)}::bytea, ${p(6)}::timestamptz, $1, $2, $3, $4, ${p(7)}::bytea, ${p(8)}::bytea, ${p(9)}, $5, $6, $7, $8)`,
        );
      }
    }
    let recorded: { event_id: string; recorded_at: Date }[];
    try {
      ({ rows: recorded } = await client.query<{ event_id: string; recorded_at: Date }>(
        `INSERT INTO ${this.quotedSchema}.events (event_id, stream_id, stream_version, event_type,
           payload_schema_version, payload, occurred_at, correlation_id, causation_id,
           traceparent, tracestate, content_hash, previous_hash, data_subject_key_id, producer,
           actor_kind, actor_id, actor_organisation_id)
         VALUES ${rows.join(',\n')}
         RETURNING event_id, recorded_at`,
        values,
      ));
    } catch (error) {
      // The clashing stream is named in the server's detail: `(stream_id, stream_version)=(s, 1)`.
      const detail = (error as { detail?: unknown }).detail;
      const streamId =
        typeof detail === 'string'
          ? /\)=\((.*), \d+\) already exists/.exec(detail)?.[1]
          : undefined;
      throw this.translate(error, {
        operation: 'append',
        expectedVersion: 0,
        ...(streamId === undefined ? {} : { streamId }),
      });
    }
    const recordedAt = new Map(
      recorded.map((row) => [row.event_id, { recorded_at: row.recorded_at, previous_hash: null }]),
    );
    return prepared.map(({ streamId, events }) => ({
      streamVersion: events.length,
      events: events.map((event) =>
        toAppended(event, streamId, meta, this.producer, recordedAt.get(event.eventId)),
      ),
    }));
  }

  async readStream(streamId: string, fromVersion = 1): Promise<RecordedEvent[]> {
    checkStreamId(streamId);
    checkFromVersion(fromVersion);
    const rows = await this.query<EventRow>({ operation: 'readStream', streamId }, this.pool, {
      name: this.sql.readStream.name,
      text: this.sql.readStream.text,
      values: [streamId, fromVersion],
    });
    return rows.map((row) => this.upcast(toRecordedEvent(row)));
  }

  readAll(fromPosition: bigint, limit: number): Promise<PositionedEvent[]> {
    return this.readLog(fromPosition, limit, true, this.pool);
  }

  /**
   * Like {@link readAll}, but without upcasting: the events exactly as stored, whose payloads
   * their content hashes cover. The outbox relay publishes these; integrity checks verify them.
   *
   * @param client - A connection to read on; the pool by default.
   */
  readAllStored(
    fromPosition: bigint,
    limit: number,
    client?: ClientBase,
  ): Promise<PositionedEvent[]> {
    return this.readLog(fromPosition, limit, false, client ?? this.pool);
  }

  async headPosition(): Promise<bigint> {
    const rows = await this.query<{ position: string }>(
      { operation: 'headPosition' },
      this.pool,
      this.sql.head,
    );
    return BigInt(rows[0]?.position ?? '0');
  }

  /**
   * Runs the sequencer once: assigns global positions to up to `limit` committed events, in a
   * short transaction of its own (one round trip). The outbox relay calls it before each batch;
   * call it yourself only where no relay runs (tests, tools).
   *
   * Several relays of one store in this process (the events topic, a change feed) would each
   * run it for the same events: a call while a run is in flight waits for that run instead,
   * unless an append through this instance committed since the run began (its snapshot may
   * miss that append). Events of other processes are positioned by the next run, as before.
   *
   * @param client - A connection not in a transaction; one from the pool by default.
   * @param options - `pending: true` when the caller knows events are waiting.
   */
  async sequence(
    limit: number = DEFAULT_SEQUENCER_BATCH,
    client?: ClientBase,
    options: SequencerOptions = {},
  ): Promise<SequencerRun> {
    await this.verifySchema();
    const inFlight = this.sequencing;
    if (inFlight && inFlight.after === this.appendsCommitted) {
      try {
        return await inFlight.run;
      } catch {
        // That run's connection failed; this caller's own may be fine.
      }
    }
    const run = this.runSequencer(limit, client, options);
    const entry = { run, after: this.appendsCommitted };
    this.sequencing = entry;
    try {
      return await run;
    } finally {
      if (this.sequencing === entry) this.sequencing = undefined;
    }
  }

  private async runSequencer(
    limit: number,
    client: ClientBase | undefined,
    options: SequencerOptions,
  ): Promise<SequencerRun> {
    let owned: PoolClient | undefined;
    try {
      const target = client ?? (owned = await this.pool.connect());
      return await runSequencer(target, this.quotedSchema, limit, options);
    } catch (error) {
      throw this.translate(error, { operation: 'sequence' });
    } finally {
      owned?.release();
    }
  }

  /**
   * The highest `N` among the streams named `prefix` followed by a decimal number `N` (`B1`,
   * `B42`, `B123456` for prefix `B`), or `undefined` when there is none. For a service that
   * numbers its streams from an allocator outside the log and must move that allocator past the
   * log (an embassy promoted after replaying it).
   *
   * Reads only the stream index's range of `prefix`, not the log: its cost follows the number
   * of such streams' events. The range relies on every id that starts with `prefix` sorting
   * between `prefix` and its successor, as it does in the `C` collation of the platform's
   * databases (and in linguistic collations for a prefix of letters and digits).
   *
   * @param prefix - At least one character; numbers of up to 18 digits.
   * @param client - A connection to read on (the caller's transaction); the pool by default.
   */
  async highestStreamNumber(prefix: string, client?: ClientBase): Promise<bigint | undefined> {
    const last = prefix.codePointAt(prefix.length - 1);
    if (last === undefined) throw new InvalidArgumentError('prefix', 'must not be empty');
    // The successor of the prefix: its last character one code point higher.
    const range = { from: prefix, to: prefix.slice(0, -1) + String.fromCodePoint(last + 1) };
    const rows = await this.query<{ n: string | null }>(
      { operation: 'highestStreamNumber' },
      client ?? this.pool,
      {
        text: `SELECT max(substr(stream_id, $3)::bigint)::text AS n FROM ${this.quotedSchema}.events
               WHERE stream_id >= $1 AND stream_id < $2 AND stream_version = 1
                 AND stream_id ~ $4`,
        values: [range.from, range.to, prefix.length + 1, `^${escapeRegExp(prefix)}[0-9]{1,18}$`],
      },
    );
    const n = rows[0]?.n;
    return n === null || n === undefined ? undefined : BigInt(n);
  }

  /**
   * For each distinct value of the first `prefixLength` characters among the stream ids in
   * `[from, to)`, the greatest stream id with it, in descending order. A registry whose stream
   * ids are a date and a sequence number (`YYYYMMDD` + `SSS` + check digits) learns the last
   * sequence number of every date this way.
   *
   * A skip scan of the stream index, one probe per distinct prefix: it reads as many index
   * entries as there are prefixes, not as there are streams or events. Same collation remark as
   * {@link highestStreamNumber}; ids of one prefix are compared as strings, so give them one
   * length.
   *
   * @param client - A connection to read on (the caller's transaction); the pool by default.
   */
  async lastStreamIdPerPrefix(
    range: { readonly from: string; readonly to: string },
    prefixLength: number,
    client?: ClientBase,
  ): Promise<string[]> {
    if (!Number.isInteger(prefixLength) || prefixLength < 1) {
      throw new InvalidArgumentError(
        'prefixLength',
        `must be a positive integer, got ${prefixLength}`,
      );
    }
    const events = `${this.quotedSchema}.events`;
    const rows = await this.query<{ stream_id: string }>(
      { operation: 'lastStreamIdPerPrefix' },
      client ?? this.pool,
      {
        // Every id that starts with a prefix sorts at or after the prefix itself, so the next
        // probe, below the prefix, lands in the previous prefix's last id.
        text: `WITH RECURSIVE last(stream_id) AS (
                 (SELECT stream_id FROM ${events} WHERE stream_id >= $1 AND stream_id < $2
                  ORDER BY stream_id DESC LIMIT 1)
                 UNION ALL
                 SELECT (SELECT e.stream_id FROM ${events} e
                         WHERE e.stream_id >= $1 AND e.stream_id < left(l.stream_id, $3)
                         ORDER BY e.stream_id DESC LIMIT 1)
                 FROM last l WHERE l.stream_id IS NOT NULL)
               SELECT stream_id FROM last WHERE stream_id IS NOT NULL`,
        values: [range.from, range.to, prefixLength],
      },
    );
    return rows.map((row) => row.stream_id);
  }

  /**
   * Of `streamIds`, those the store holds (whose first event is stored): for a writer that
   * picks stream ids itself and must skip the taken ones before it starts streams.
   *
   * @param client - A connection to read on (the caller's transaction); the pool by default.
   */
  async existingStreams(streamIds: readonly string[], client?: ClientBase): Promise<Set<string>> {
    const rows = await this.query<{ stream_id: string }>(
      { operation: 'existingStreams' },
      client ?? this.pool,
      {
        name: this.sql.existing.name,
        text: this.sql.existing.text,
        values: [streamIds],
      },
    );
    return new Set(rows.map((row) => row.stream_id));
  }

  /** How many events are appended but not positioned yet (committed since the sequencer ran). */
  async unpositionedCount(): Promise<number> {
    const rows = await this.query<{ n: string }>(
      { operation: 'unpositionedCount' },
      this.pool,
      `SELECT count(*) AS n FROM ${this.quotedSchema}.events WHERE global_position IS NULL`,
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** Where each outbox relay of this store has published to, by relay name, in name order. */
  async relayPositions(): Promise<Map<string, bigint>> {
    const rows = await this.query<{ name: string; position: string }>(
      { operation: 'relayPositions' },
      this.pool,
      `SELECT name, position FROM ${this.quotedSchema}.relay_checkpoints ORDER BY name`,
    );
    return new Map(rows.map((row) => [row.name, BigInt(row.position)]));
  }

  /**
   * The role an operator last recorded for this site (table `site_role`), or `undefined` when
   * none was ever recorded and the service's configuration decides.
   */
  async recordedSiteRole(): Promise<RecordedSiteRole | undefined> {
    const rows = await this.query<{ role: StoredSiteRole; reason: string; changed_at: Date }>(
      { operation: 'recordedSiteRole' },
      this.pool,
      `SELECT role, reason, changed_at FROM ${this.quotedSchema}.site_role`,
    );
    const row = rows[0];
    return row && { role: row.role, reason: row.reason, changedAt: row.changed_at };
  }

  /**
   * Records the site's role, replacing the previous one. Not subject to the write gate: it is
   * how a replica becomes writable.
   *
   * @param client - The caller's transaction (a promotion records the role with the cut of the
   *   log); the pool by default.
   */
  async recordSiteRole(
    role: StoredSiteRole,
    reason: string,
    client?: ClientBase,
  ): Promise<RecordedSiteRole> {
    const rows = await this.query<{ changed_at: Date }>(
      { operation: 'recordSiteRole' },
      client ?? this.pool,
      {
        text: `INSERT INTO ${this.quotedSchema}.site_role (singleton, role, reason) VALUES (true, $1, $2)
               ON CONFLICT (singleton) DO UPDATE
                 SET role = EXCLUDED.role, reason = EXCLUDED.reason, changed_at = now()
               RETURNING changed_at`,
        values: [role, reason],
      },
    );
    return { role, reason, changedAt: rows[0]?.changed_at ?? new Date() };
  }

  /**
   * Promotion of a replica: cuts the log to its gapless head in `client`'s transaction. Events
   * stored beyond a gap (their predecessors in the log never arrived) are deleted: a primary's
   * log must be gapless, and its own appends continue right after the head. The `log_head` row
   * stays locked until the transaction ends, so no replica batch moves it meanwhile.
   *
   * @param client - A connection in a transaction, committed by the caller with the rest of the
   *   promotion.
   * @returns The head the site continues from, and how many events were discarded (lost: RPO).
   */
  async cutToGaplessHead(client: ClientBase): Promise<{ position: bigint; discarded: number }> {
    const head = await this.query<{ position: string }>(
      { operation: 'cutToGaplessHead' },
      client,
      `SELECT position FROM ${this.quotedSchema}.log_head FOR UPDATE`,
    );
    const position = head[0]?.position ?? '0';
    const cut = await this.query<{ n: string }>({ operation: 'cutToGaplessHead' }, client, {
      text: `WITH cut AS (DELETE FROM ${this.quotedSchema}.events WHERE global_position > $1
                          RETURNING 1)
             SELECT count(*) AS n FROM cut`,
      values: [position],
    });
    return { position: BigInt(position), discarded: Number(cut[0]?.n ?? 0) };
  }

  private async readLog(
    fromPosition: bigint,
    limit: number,
    upcast: boolean,
    queryable: Pool | ClientBase,
  ): Promise<PositionedEvent[]> {
    checkReadAll(fromPosition, limit);
    const rows = await this.query<EventRow>({ operation: 'readAll' }, queryable, {
      name: this.sql.readAll.name,
      text: this.sql.readAll.text,
      values: [fromPosition.toString(), limit],
    });
    return rows.map((row) => {
      const event = toRecordedEvent(row) as PositionedEvent;
      return upcast ? this.upcast(event) : event;
    });
  }

  private translate(
    error: unknown,
    context: Omit<PgErrorContext, 'schema' | 'requiredMigration'>,
  ): ReturnType<typeof translatePgError> {
    return translatePgError(error, {
      ...context,
      schema: this.schema,
      requiredMigration: REQUIRED_MIGRATION,
    });
  }

  /**
   * An append as a span (`event-store append`, child of the request's) and in the append
   * latency histogram. `traced` gives the events the append span's trace context, so the
   * relay and every consumer continue the request's trace; without tracing the metadata's own
   * context (the caller's `traceparent`, if any) stays.
   */
  private async observed<R>(
    streamId: string,
    count: number,
    append: (traced: (meta: NormalizedMetadata) => NormalizedMetadata) => Promise<R>,
  ): Promise<R> {
    const started = process.hrtime.bigint();
    let outcome = 'error';
    try {
      const result = await inSpan(
        'event-store append',
        {
          attributes: {
            'event_store.schema': this.schema,
            'event_store.stream_id': streamId,
            'event_store.events': count,
          },
        },
        (span) =>
          append((meta) => {
            const trace = traceHeadersOf(span);
            return trace
              ? { ...meta, traceparent: trace.traceparent, tracestate: trace.tracestate ?? null }
              : meta;
          }),
      );
      outcome = 'ok';
      return result;
    } finally {
      eventStoreAppendDuration.observe(
        { schema: this.schema, outcome },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    }
  }

  private async appendOn(
    queryable: Pool | ClientBase,
    inTransaction: boolean,
    streamId: string,
    expectedVersion: ExpectedVersion,
    events: readonly NewEvent[],
    meta: NormalizedMetadata,
  ): Promise<AppendResult> {
    // A caller-chosen version is tried once. 'any' means "after whatever is there": re-read the
    // head and try again when a concurrent append got in between (impossible inside the
    // caller's transaction, which the failed insert has aborted).
    const attempts = expectedVersion === 'any' && !inTransaction ? ANY_VERSION_ATTEMPTS : 1;
    for (let attempt = 1; ; attempt += 1) {
      const expected =
        expectedVersion === 'any'
          ? await this.currentVersion(queryable, streamId)
          : expectedVersion;
      try {
        return await this.insert(queryable, inTransaction, streamId, expected, events, meta);
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || attempt >= attempts) {
          throw error;
        }
      }
    }
  }

  private insert(
    queryable: Pool | ClientBase,
    inTransaction: boolean,
    streamId: string,
    expected: number,
    events: readonly NewEvent[],
    meta: NormalizedMetadata,
  ): Promise<AppendResult> {
    // The predecessor's hash is filled in by the statement (previous_hash NULL for the first).
    const prepared = prepareEvents(streamId, expected + 1, null, events);
    return this.insertPrepared(queryable, inTransaction, streamId, expected, prepared, meta);
  }

  private async insertPrepared(
    queryable: Pool | ClientBase,
    inTransaction: boolean,
    streamId: string,
    expected: number,
    prepared: readonly PreparedEvent[],
    meta: NormalizedMetadata,
    extras: { readonly companion?: CompanionWrite; readonly guard?: GuardWrite } = {},
  ): Promise<AppendResult> {
    const { companion, guard } = extras;
    const context = { operation: 'append', streamId, expectedVersion: expected };
    const values = appendValues(streamId, expected, prepared, meta, this.producer);
    if (guard) values.push(...guard.values);
    if (companion) values.push(...companion.values);
    let rows: { event_id: string; recorded_at: Date; previous_hash: Buffer | null }[];
    try {
      ({ rows } = await queryable.query<{
        event_id: string;
        recorded_at: Date;
        previous_hash: Buffer | null;
      }>({ ...this.appendStatement(prepared.length, extras), values }));
    } catch (error) {
      if (companion && isCompanionClash(error)) {
        throw new CompanionConflictError(companion.name, { cause: error });
      }
      const failure = this.translate(error, context);
      if (failure instanceof ConcurrencyError) {
        // The failed statement aborted a caller's transaction: look on another connection.
        const actual = await this.currentVersion(this.pool, streamId).catch(() => undefined);
        throw this.translate(error, { ...context, actualVersion: actual });
      }
      throw failure;
    }
    if (rows.length !== prepared.length) {
      throw await this.diagnoseNotApplied(queryable, inTransaction, streamId, expected);
    }
    const stored = new Map(rows.map((row) => [row.event_id, row]));
    return {
      streamVersion: expected + prepared.length,
      events: prepared.map((event) =>
        toAppended(event, streamId, meta, this.producer, stored.get(event.eventId)),
      ),
    };
  }

  /** Why the guarded insert inserted nothing: the stream is elsewhere, or the caller's tx is old. */
  private async diagnoseNotApplied(
    queryable: Pool | ClientBase,
    inTransaction: boolean,
    streamId: string,
    expected: number,
  ): Promise<ConcurrencyError> {
    const rows = await this.query<{ stream_version: string; younger: boolean }>(
      { operation: 'append', streamId },
      queryable,
      { text: this.sql.diagnose, values: [streamId] },
    );
    const actual = Number(rows[0]?.stream_version ?? 0);
    if (inTransaction && actual === expected && rows[0]?.younger === true) {
      return new ConcurrencyError(streamId, expected, actual, 'stale-transaction');
    }
    return new ConcurrencyError(streamId, expected, actual);
  }

  /**
   * The append statement for `count` events. One row of scalar parameters per event: PostgreSQL
   * parses them much faster than array parameters (unnest of text-encoded arrays halved the
   * append rate in measurements). Statements for small counts, the usual case, are prepared on
   * each connection; larger ones are parsed each time.
   */
  private appendStatement(
    count: number,
    extras: { readonly companion?: CompanionWrite; readonly guard?: GuardWrite } = {},
  ): { name?: string; text: string } {
    const { companion, guard } = extras;
    const key = `${count}:${guard?.name ?? ''}:${companion?.name ?? ''}`;
    const cached = this.appendStatements.get(key);
    if (cached) {
      return cached;
    }
    const events = `${this.quotedSchema}.events`;
    const rows = Array.from({ length: count }, (_, i) => {
      const p = (k: number) => `$${APPEND_FIXED_PARAMS + 1 + i * APPEND_PARAMS_PER_EVENT + k}`;
      return `(${p(0)}::uuid, ${p(1)}::text, ${p(2)}::integer, ${p(3)}::bytea, ${p(4)}::timestamptz, ${p(5)}::bytea, ${p(6)}::bytea, ${p(7)}::text, ${i + 1})`;
    });
    // The guards: a predecessor at the expected version must be visible (or 0 expected), and
    // it must not come from a transaction younger than this one (it would be positioned after
    // the new events: the sequencer orders by transaction id). The unique key
    // (stream_id, stream_version) rejects a concurrent append of the same versions.
    const insert = `
      INSERT INTO ${events} (event_id, stream_id, stream_version, event_type,
        payload_schema_version, payload, occurred_at, correlation_id, causation_id,
        traceparent, tracestate, content_hash, previous_hash, data_subject_key_id, producer,
        actor_kind, actor_id, actor_organisation_id)
      SELECT e.event_id, $1, $2::bigint + e.ord, e.event_type, e.payload_schema_version,
        e.payload, e.occurred_at, $3, $4, $5, $6, e.content_hash,
        CASE WHEN e.ord = 1 THEN head.content_hash ELSE e.previous_hash END,
        e.data_subject_key_id, $7, $8, $9, $10
      FROM (VALUES ${rows.join(',\n        ')})
           AS e(event_id, event_type, payload_schema_version, payload, occurred_at,
                content_hash, previous_hash, data_subject_key_id, ord)
      LEFT JOIN head ON true
      WHERE ($2::bigint = 0 OR head.content_hash IS NOT NULL)
        AND (head.transaction_id IS NULL OR head.transaction_id <= pg_current_xact_id())
        ${guard ? 'AND EXISTS (SELECT 1 FROM guard)' : ''}
      ORDER BY e.ord
      RETURNING event_id, recorded_at, previous_hash`;
    const head = `head AS (
        SELECT content_hash, transaction_id FROM ${events}
        WHERE stream_id = $1 AND stream_version = $2
      )`;
    // With a guard or a companion: the guard runs first (a CTE the insert requires a row of),
    // the insert becomes the CTE `appended`, which the companion reads; all of it is one
    // statement, so one transaction. Parameters: the append's, the guard's, the companion's.
    const own = APPEND_FIXED_PARAMS + count * APPEND_PARAMS_PER_EVENT;
    const text =
      companion || guard
        ? `WITH ${head},
        ${guard ? `guard AS (${shiftPlaceholders(guard.sql, own)}),` : ''}
        appended AS (${insert})
        ${companion ? `, companion AS (${shiftPlaceholders(companion.sql, own + (guard?.values.length ?? 0))})` : ''}
      SELECT event_id, recorded_at, previous_hash FROM appended`
        : `WITH ${head}${insert}`;
    const name = `es_append_${this.schema}_${count}${guard ? `_${guard.name}` : ''}${companion ? `_${companion.name}` : ''}`;
    const statement = count <= PREPARED_APPEND_SIZES ? { name, text } : { text };
    if (count <= PREPARED_APPEND_SIZES) {
      this.appendStatements.set(key, statement);
    }
    return statement;
  }

  private async currentVersion(queryable: Pool | ClientBase, streamId: string): Promise<number> {
    const rows = await this.query<{ stream_version: string }>(
      { operation: 'append', streamId },
      queryable,
      { name: this.sql.version.name, text: this.sql.version.text, values: [streamId] },
    );
    return Number(rows[0]?.stream_version ?? 0);
  }

  private async query<R extends QueryResultRow>(
    context: Omit<PgErrorContext, 'schema' | 'requiredMigration'>,
    queryable: Pool | ClientBase,
    config: QueryConfig | string,
  ): Promise<R[]> {
    await this.verifySchema();
    // A read of the request after its held append sees it (read-your-writes).
    await currentDeferral()?.flush();
    try {
      const result = await queryable.query<R>(config);
      return result.rows;
    } catch (error) {
      throw this.translate(error, context);
    }
  }

  private async checkMigrations(): Promise<void> {
    let current = 0;
    try {
      const { rows } = await this.pool.query<{ version: number | null }>(this.sql.migrationLevel);
      current = rows[0]?.version ?? 0;
    } catch (error) {
      const failure = this.translate(error, { operation: 'verifySchema' });
      if (!(failure instanceof SchemaNotMigratedError)) {
        throw failure;
      }
    }
    if (current < REQUIRED_MIGRATION) {
      throw new SchemaNotMigratedError(this.schema, current, REQUIRED_MIGRATION);
    }
  }

  private upcast<E extends RecordedEvent>(event: E): E {
    return this.upcasters.empty ? event : this.upcasters.apply(event);
  }
}

/** The store's SQL for one schema; prepared statements are named per schema. */
function statements(schema: string, name: string) {
  const events = `${schema}.events`;
  return {
    version: {
      name: `es_version_${name}`,
      text: `SELECT stream_version FROM ${events} WHERE stream_id = $1
             ORDER BY stream_version DESC LIMIT 1`,
    },
    diagnose: `
      SELECT stream_version,
             transaction_id > pg_current_xact_id_if_assigned() AS younger
      FROM ${events} WHERE stream_id = $1 ORDER BY stream_version DESC LIMIT 1`,
    readStream: {
      name: `es_read_stream_${name}`,
      text: `SELECT ${EVENT_COLUMNS} FROM ${events}
             WHERE stream_id = $1 AND stream_version >= $2 ORDER BY stream_version`,
    },
    readAll: {
      name: `es_read_all_${name}`,
      text: `SELECT ${EVENT_COLUMNS} FROM ${events}
             WHERE global_position >= $1
               AND global_position <= (SELECT position FROM ${schema}.log_head)
             ORDER BY global_position LIMIT $2`,
    },
    head: `SELECT position FROM ${schema}.log_head`,
    existing: {
      name: `es_existing_${name}`,
      text: `SELECT stream_id FROM ${events}
             WHERE stream_id = ANY($1::text[]) AND stream_version = 1`,
    },
    migrationLevel: `SELECT max(version) AS version FROM ${schema}.schema_migrations`,
  };
}

/**
 * What every event of one write shares, as statement parameters in this order: correlation id,
 * causation id, traceparent, tracestate, producer, actor kind, actor id, actor organisation.
 */
function metadataValues(meta: NormalizedMetadata, producer: string): unknown[] {
  return [
    meta.correlationId,
    meta.causationId,
    meta.traceparent,
    meta.tracestate,
    producer,
    meta.actor?.kind ?? null,
    meta.actor?.id ?? null,
    meta.actor?.organisationId ?? null,
  ];
}

function appendValues(
  streamId: string,
  expected: number,
  prepared: readonly PreparedEvent[],
  meta: NormalizedMetadata,
  producer: string,
): unknown[] {
  const values: unknown[] = [streamId, expected, ...metadataValues(meta, producer)];
  for (const e of prepared) {
    values.push(
      e.eventId,
      e.eventType,
      e.payloadSchemaVersion,
      e.payload,
      e.occurredAt,
      e.contentHash,
      e.previousHash,
      e.dataSubjectKeyId,
    );
  }
  return values;
}

function toAppended(
  event: PreparedEvent,
  streamId: string,
  meta: NormalizedMetadata,
  producer: string,
  row: { recorded_at: Date; previous_hash: Buffer | null } | undefined,
): RecordedEvent {
  return {
    eventId: event.eventId,
    eventType: event.eventType,
    payloadSchemaVersion: event.payloadSchemaVersion,
    streamId,
    streamVersion: event.streamVersion,
    globalPosition: null,
    producer,
    occurredAt: event.occurredAt,
    recordedAt: row?.recorded_at ?? new Date(),
    correlationId: meta.correlationId,
    causationId: meta.causationId,
    traceparent: meta.traceparent,
    tracestate: meta.tracestate,
    actor: meta.actor,
    contentHash: event.contentHash,
    // The first event's predecessor hash was looked up by the statement itself.
    previousHash: event.previousHash ?? (row?.previous_hash ? bytes(row.previous_hash) : null),
    dataSubjectKeyId: event.dataSubjectKeyId,
    payload: event.payload,
  };
}

/** The event a row of `events` holds (payload and hashes as views of the row's buffers). */
export function toRecordedEvent(row: EventColumns): RecordedEvent {
  return {
    eventId: row.event_id,
    eventType: row.event_type,
    payloadSchemaVersion: row.payload_schema_version,
    streamId: row.stream_id,
    streamVersion: Number(row.stream_version),
    globalPosition: row.global_position === null ? null : BigInt(row.global_position),
    producer: row.producer,
    occurredAt: row.occurred_at,
    recordedAt: row.recorded_at,
    correlationId: row.correlation_id,
    causationId: row.causation_id,
    traceparent: row.traceparent,
    tracestate: row.tracestate,
    actor:
      row.actor_kind === null || row.actor_id === null
        ? null
        : {
            kind: row.actor_kind,
            id: row.actor_id,
            organisationId: row.actor_organisation_id ?? undefined,
          },
    contentHash: bytes(row.content_hash),
    previousHash: row.previous_hash && bytes(row.previous_hash),
    dataSubjectKeyId: row.data_subject_key_id,
    payload: bytes(row.payload),
  };
}

/** A plain Uint8Array view of a driver Buffer (no copy), so both stores return the same type. */
function bytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A unique clash on anything but the events table's own keys: the companion's. */
function isCompanionClash(error: unknown): boolean {
  const fields = (typeof error === 'object' && error !== null ? error : {}) as {
    code?: unknown;
    constraint?: unknown;
  };
  return (
    fields.code === '23505' &&
    fields.constraint !== STREAM_VERSION_CONSTRAINT &&
    fields.constraint !== EVENT_ID_CONSTRAINT
  );
}
