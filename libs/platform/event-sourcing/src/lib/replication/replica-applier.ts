// The replica side of the data embassy: rebuilding a service's event store from its log as
// mirrored to another site, event for event.
//
// The log arrives as Kafka records keyed by stream: in order within a stream (one partition per
// stream), interleaved arbitrarily across streams. Every event carries the primary's global
// position, so the replica stores it under the same position, id, stream version, hashes and
// times, and the log it builds is the primary's, not a re-sequenced copy. What it can serve is
// the gapless prefix: `log_head` moves to the highest position below which every position is
// present, and `readAll` (hence projections and the replica's own relay) never reads past it.
import type { Buffer } from 'node:buffer';

import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

import { computeContentHash } from '../event-store/content-hash';
import type { PositionedEvent } from '../event-store/event-store';
import { translatePgError } from '../postgres/pg-errors';
import type { PostgresEventStore } from '../postgres/postgres-event-store';
import { REQUIRED_MIGRATION } from '../postgres/migrations';
import { quoteSchema } from '../postgres/schema-name';
import { COPY_COLUMNS, encodeCopyRows } from './copy-rows';

/** Why a replicated stream was stopped. */
export type HaltReason =
  /** The event's content hash is not the hash of its own content. */
  | 'content-hash'
  /** Its `previous_hash` is not the content hash of the stream's event before it. */
  | 'broken-chain'
  /** A version is missing before it. */
  | 'gap'
  /** Another event is already stored at its stream version (the histories diverge). */
  | 'diverged';

/** A stream the replica stopped applying, and why. */
export interface HaltedStream {
  readonly streamId: string;
  /** The stream version of the event that could not be applied. */
  readonly atVersion: number;
  readonly eventId: string;
  readonly globalPosition: bigint;
  readonly reason: HaltReason;
  readonly detail: string;
  readonly detectedAt: Date;
}

/** What one {@link ReplicaApplier.apply} did. */
export interface ReplicaApplyResult {
  /** Events stored. */
  readonly applied: number;
  /** Events already stored (a redelivery), skipped. */
  readonly duplicates: number;
  /** Events of halted streams, not applied (including the one that halted its stream). */
  readonly heldBack: number;
  /** Streams halted by this batch. */
  readonly halted: readonly HaltedStream[];
  /** The gapless head afterwards: every position up to it is stored. */
  readonly head: bigint;
}

/** Where a replica stands. */
export interface ReplicaProgress {
  /** Every position up to this one is stored (what reads, projections and digests see). */
  readonly head: bigint;
  /** `recordedAt` (on the primary) of the event at `head`; `null` for an empty log. */
  readonly headRecordedAt: Date | null;
  /** The highest position stored, beyond gaps that later events of other streams will fill. */
  readonly highestStored: bigint;
  readonly halted: readonly HaltedStream[];
}

interface StreamHead {
  version: number;
  contentHash: Uint8Array | null;
}

type StoredBatch = Omit<ReplicaApplyResult, 'head'>;

/**
 * Up to this many halted streams are read whole for every batch; beyond, the batch's stream ids
 * are matched on the server. A halt needs an operator, so there are rarely more than a few.
 */
const HALTED_READ_WHOLE = 1_000;

/** SQLSTATE of a unique violation. */
const UNIQUE_VIOLATION = '23505';

/**
 * How much of the stored state a batch is checked against. `fresh`: the stream heads are read
 * only for streams whose first event in the batch continues a stored history (version > 1); a
 * stream that starts in the batch is taken as new, which the unique keys prove when its events
 * are stored (a clash fails the attempt, and the batch is checked again `complete`ly). During a
 * rebuild almost every stream starts in its batch, so most batches need no lookups at all.
 */
type CheckMode = 'fresh' | 'complete';

/**
 * Applies replicated events to a {@link PostgresEventStore} on the replica site.
 *
 * A batch's events are stored in one transaction, then the head moves in a second, short one
 * under the `log_head` row lock (a crash in between leaves the batch unacknowledged: its
 * redelivery stores nothing new and moves the head). Batches of different partitions hold
 * different streams and are stored side by side. For each event, in the order given (which must keep each stream's
 * order, as a Kafka partition does):
 *
 * - an event at or below its stream's stored version is a redelivery when the same event id is
 *   stored there, and skipped; any other event there means the histories diverge;
 * - otherwise it must be the stream's next version, its content hash must be the hash of its
 *   content, and its `previous_hash` must be the content hash of the stream's previous event;
 * - an event that fails a check halts its stream: it and every later event of that stream are
 *   held back (recorded in `halted_streams`, reported), while the other streams go on. The head
 *   cannot pass the halted event's position, so reads stop at the last consistent state, loudly.
 *
 * The checks read what they need in one statement (halted streams, and the heads of streams that
 * continue in the batch: see {@link CheckMode}) and the rows go in by one binary COPY.
 *
 * Redelivery is therefore harmless: applying the same events again changes nothing, which is
 * what makes the consumer's at-least-once delivery exactly-once in the store, and what lets the
 * replica resume from anywhere after a crash without trusting Kafka offsets.
 */
export class ReplicaApplier {
  private readonly schema: string;

  constructor(private readonly store: PostgresEventStore) {
    this.schema = quoteSchema(store.schema);
  }

  /**
   * Applies `events` (each with the primary's global position): all of them or none, then the
   * head over whatever is now gapless.
   *
   * @throws `EventStoreError` when the database fails; nothing of the batch is applied.
   */
  async apply(events: readonly PositionedEvent[]): Promise<ReplicaApplyResult> {
    await this.store.verifySchema();
    let client: PoolClient;
    try {
      client = await this.store.pool.connect();
    } catch (error) {
      // Refused while the database is down: translated like any other failure (unavailable).
      throw this.translate(error);
    }
    // The server ending the connection while the client is out of the pool (a shutdown between
    // two statements) would be an unhandled 'error' event, fatal to the process; the next
    // statement on the client fails instead, as unavailable.
    client.on('error', ignoreConnectionError);
    let failed: unknown;
    try {
      // Two transactions: the events, then the head. Batches of different partitions touch
      // different streams, so their inserts may run side by side; only moving the head is
      // serialised (the log_head row lock), after the events it moves over are committed.
      await client.query('BEGIN');
      let result = await this.storeEvents(client, events, 'fresh').catch((error: unknown) => {
        if (isUniqueViolation(error)) return undefined;
        throw error;
      });
      if (result === undefined) {
        // A stream taken as new is stored (a redelivery, or a diverging history), or one would
        // halt: again with every head read, which tells a redelivery from a break event by event.
        await client.query('ROLLBACK');
        await client.query('BEGIN');
        result = await this.storeEvents(client, events, 'complete');
      }
      await client.query('COMMIT');
      await client.query('BEGIN');
      const head = await this.advanceHead(client, await this.lockHead(client));
      await client.query('COMMIT');
      return { ...result, head };
    } catch (error) {
      failed = error;
      await client.query('ROLLBACK').catch(() => undefined);
      throw this.translate(error);
    } finally {
      client.removeListener('error', ignoreConnectionError);
      client.release(failed instanceof Error ? failed : undefined);
    }
  }

  /** The replica's head, the highest stored position and the halted streams. */
  async progress(): Promise<ReplicaProgress> {
    await this.store.verifySchema();
    try {
      const { rows } = await this.store.pool.query<{
        head: string;
        head_recorded_at: Date | null;
        highest: string | null;
      }>(
        `SELECT h.position AS head,
                (SELECT recorded_at FROM ${this.schema}.events
                  WHERE global_position = h.position) AS head_recorded_at,
                (SELECT max(global_position) FROM ${this.schema}.events) AS highest
         FROM ${this.schema}.log_head h`,
      );
      const row = rows[0];
      return {
        head: BigInt(row?.head ?? '0'),
        headRecordedAt: row?.head_recorded_at ?? null,
        highestStored: BigInt(row?.highest ?? '0'),
        halted: await this.haltedStreams(),
      };
    } catch (error) {
      throw this.translate(error);
    }
  }

  /** Streams stopped because their replicated history broke, oldest first. */
  async haltedStreams(): Promise<HaltedStream[]> {
    const { rows } = await this.store.pool.query<{
      stream_id: string;
      at_version: string;
      event_id: string;
      global_position: string;
      reason: HaltReason;
      detail: string;
      detected_at: Date;
    }>(`SELECT * FROM ${this.schema}.halted_streams ORDER BY detected_at, stream_id`);
    return rows.map((row) => ({
      streamId: row.stream_id,
      atVersion: Number(row.at_version),
      eventId: row.event_id,
      globalPosition: BigInt(row.global_position),
      reason: row.reason,
      detail: row.detail,
      detectedAt: row.detected_at,
    }));
  }

  private async lockHead(client: PoolClient): Promise<bigint> {
    const { rows } = await client.query<{ position: string }>(
      `SELECT position FROM ${this.schema}.log_head FOR UPDATE`,
    );
    return BigInt(rows[0]?.position ?? '0');
  }

  /**
   * Checks and stores `events` in the caller's transaction. `undefined` when a `fresh` check
   * cannot decide (a stream taken as new would halt): nothing is written then.
   */
  private async storeEvents(
    client: PoolClient,
    events: readonly PositionedEvent[],
    mode: 'complete',
  ): Promise<StoredBatch>;
  private async storeEvents(
    client: PoolClient,
    events: readonly PositionedEvent[],
    mode: CheckMode,
  ): Promise<StoredBatch | undefined>;
  private async storeEvents(
    client: PoolClient,
    events: readonly PositionedEvent[],
    mode: CheckMode,
  ): Promise<StoredBatch | undefined> {
    const firstVersions = new Map<string, number>();
    for (const event of events) {
      if (!firstVersions.has(event.streamId)) {
        firstVersions.set(event.streamId, event.streamVersion);
      }
    }
    const lookups: string[] = [];
    for (const [streamId, version] of firstVersions) {
      if (mode === 'complete' || version > 1) lookups.push(streamId);
    }
    const looked = new Set(lookups);
    const { halted, heads } = await this.storedState(client, [...firstVersions.keys()], lookups);
    const accepted: PositionedEvent[] = [];
    const redelivered: PositionedEvent[] = [];
    const newHalts: HaltedStream[] = [];
    let heldBack = 0;
    const halt = (event: PositionedEvent, reason: HaltReason, detail: string): void => {
      halted.add(event.streamId);
      heldBack += 1;
      newHalts.push({
        streamId: event.streamId,
        atVersion: event.streamVersion,
        eventId: event.eventId,
        globalPosition: event.globalPosition,
        reason,
        detail,
        detectedAt: new Date(),
      });
    };
    for (const event of events) {
      if (halted.has(event.streamId)) {
        heldBack += 1;
        continue;
      }
      const stored = heads.get(event.streamId) ?? { version: 0, contentHash: null };
      if (event.streamVersion <= stored.version) {
        redelivered.push(event);
        continue;
      }
      const problem = checkNext(event, stored);
      if (problem) {
        // Taken as new without a look, and nothing of it accepted yet (whose insert would prove
        // it new): the event may as well be a stored one, redelivered.
        if (!looked.has(event.streamId) && !heads.has(event.streamId)) return undefined;
        halt(event, problem.reason, problem.detail);
        continue;
      }
      accepted.push(event);
      heads.set(event.streamId, { version: event.streamVersion, contentHash: event.contentHash });
    }
    const diverged = await this.diverging(client, redelivered);
    for (const event of diverged) {
      halt(event, 'diverged', `another event is stored at version ${event.streamVersion}`);
    }
    // A stream halted by a diverging redelivery keeps nothing of this batch after it.
    const applicable = accepted.filter((event) => {
      const stop = newHalts.find((h) => h.streamId === event.streamId);
      if (stop && event.streamVersion > stop.atVersion) {
        heldBack += 1;
        return false;
      }
      return true;
    });
    if (applicable.length > 0) await this.insert(client, applicable);
    if (newHalts.length > 0) await this.recordHalts(client, newHalts);
    return {
      applied: applicable.length,
      duplicates: redelivered.length - diverged.length,
      heldBack,
      halted: newHalts,
    };
  }

  /**
   * Which of `streamIds` are halted, and the stored head (version and content hash) of each of
   * `lookups`: one statement while few streams are halted (the usual case, none), whose halted
   * part reads them all rather than sending every stream id of the batch to be matched.
   */
  private async storedState(
    client: PoolClient,
    streamIds: readonly string[],
    lookups: readonly string[],
  ): Promise<{ halted: Set<string>; heads: Map<string, StreamHead> }> {
    const { rows } = await client.query<{
      stream_id: string;
      stream_version: string | null;
      content_hash: Buffer | null;
    }>(
      `(SELECT stream_id, NULL::bigint AS stream_version, NULL::bytea AS content_hash
        FROM ${this.schema}.halted_streams LIMIT ${String(HALTED_READ_WHOLE + 1)})
       UNION ALL
       SELECT s.stream_id, e.stream_version, e.content_hash
       FROM unnest($1::text[]) AS s(stream_id)
       CROSS JOIN LATERAL (
         SELECT stream_version, content_hash FROM ${this.schema}.events
         WHERE stream_id = s.stream_id ORDER BY stream_version DESC LIMIT 1) e`,
      [lookups],
    );
    let halted = new Set<string>();
    const heads = new Map<string, StreamHead>();
    for (const row of rows) {
      if (row.stream_version === null || row.content_hash === null) {
        halted.add(row.stream_id);
      } else {
        heads.set(row.stream_id, {
          version: Number(row.stream_version),
          contentHash: new Uint8Array(row.content_hash),
        });
      }
    }
    if (halted.size > HALTED_READ_WHOLE) halted = await this.haltedAmong(client, streamIds);
    return { halted, heads };
  }

  private async haltedAmong(
    client: PoolClient,
    streamIds: readonly string[],
  ): Promise<Set<string>> {
    const { rows } = await client.query<{ stream_id: string }>(
      `SELECT stream_id FROM ${this.schema}.halted_streams WHERE stream_id = ANY($1::text[])`,
      [streamIds],
    );
    return new Set(rows.map((row) => row.stream_id));
  }

  /** Of `events` (at versions already stored), those whose stored event has another id. */
  private async diverging(
    client: PoolClient,
    events: readonly PositionedEvent[],
  ): Promise<PositionedEvent[]> {
    if (events.length === 0) return [];
    const { rows } = await client.query<{ i: string }>(
      `SELECT r.i FROM unnest($1::text[], $2::bigint[], $3::uuid[]) WITH ORDINALITY
                         AS r(stream_id, stream_version, event_id, i)
       JOIN ${this.schema}.events e
         ON e.stream_id = r.stream_id AND e.stream_version = r.stream_version
       WHERE e.event_id <> r.event_id`,
      [
        events.map((e) => e.streamId),
        events.map((e) => e.streamVersion),
        events.map((e) => e.eventId),
      ],
    );
    return rows.map((row) => events[Number(row.i) - 1]).filter((e) => e !== undefined);
  }

  /** Stores `events` with one binary COPY: no SQL or text parsed per row on the server. */
  private insert(client: PoolClient, events: readonly PositionedEvent[]): Promise<void> {
    const rows = encodeCopyRows(events);
    return new Promise((resolve, reject) => {
      const copy = client.query(
        copyFrom(
          `COPY ${this.schema}.events (${COPY_COLUMNS.join(', ')}) FROM STDIN (FORMAT binary)`,
        ),
      );
      copy.on('error', reject);
      copy.on('finish', resolve);
      copy.end(rows);
    });
  }

  private async recordHalts(client: PoolClient, halts: readonly HaltedStream[]): Promise<void> {
    await client.query(
      `INSERT INTO ${this.schema}.halted_streams
         (stream_id, at_version, event_id, global_position, reason, detail)
       SELECT * FROM unnest($1::text[], $2::bigint[], $3::uuid[], $4::bigint[], $5::text[],
                            $6::text[])
       ON CONFLICT (stream_id) DO NOTHING`,
      [
        halts.map((h) => h.streamId),
        halts.map((h) => h.atVersion),
        halts.map((h) => h.eventId),
        halts.map((h) => h.globalPosition.toString()),
        halts.map((h) => h.reason),
        halts.map((h) => h.detail),
      ],
    );
  }

  /**
   * Moves `log_head` over every stored position that directly follows it: to the end of the
   * run of consecutive positions that starts right after the head. The query walks the
   * position index from the head and stops at the first position whose successor is missing,
   * so its cost is the length of that run, not the number of events stored beyond a gap.
   */
  private async advanceHead(client: PoolClient, from: bigint): Promise<bigint> {
    const { rows } = await client.query<{ position: string | null }>(
      `SELECT CASE WHEN EXISTS (SELECT 1 FROM ${this.schema}.events WHERE global_position = $1 + 1)
              THEN (SELECT e.global_position FROM ${this.schema}.events e
                    WHERE e.global_position > $1
                      AND NOT EXISTS (SELECT 1 FROM ${this.schema}.events n
                                      WHERE n.global_position = e.global_position + 1)
                    ORDER BY e.global_position LIMIT 1)
              END AS position`,
      [from.toString()],
    );
    const position = rows[0]?.position;
    if (position === null || position === undefined) return from;
    const head = BigInt(position);
    await client.query(`UPDATE ${this.schema}.log_head SET position = $1`, [position]);
    return head;
  }

  private translate(error: unknown): Error {
    return translatePgError(error, {
      operation: 'replicate',
      schema: this.store.schema,
      requiredMigration: REQUIRED_MIGRATION,
    });
  }
}

/** Why `event` cannot follow `stored` in its stream, if it cannot. */
function checkNext(
  event: PositionedEvent,
  stored: StreamHead,
): { reason: HaltReason; detail: string } | undefined {
  const hash = computeContentHash(
    event.streamId,
    event.streamVersion,
    event.eventType,
    event.payload,
  );
  if (!sameBytes(hash, event.contentHash)) {
    return { reason: 'content-hash', detail: 'the content hash does not match the content' };
  }
  if (event.streamVersion !== stored.version + 1) {
    return {
      reason: 'gap',
      detail: `version ${event.streamVersion} follows stored version ${stored.version}`,
    };
  }
  if (!sameBytes(event.previousHash, stored.contentHash)) {
    return {
      reason: 'broken-chain',
      detail: `previous_hash does not match the content hash of version ${stored.version}`,
    };
  }
  return undefined;
}

function isUniqueViolation(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown }).code === UNIQUE_VIOLATION
  );
}

function ignoreConnectionError(): void {
  // Handled where the next statement fails.
}

function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  // A loop over 32 bytes: no Buffer views allocated for every event checked.
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i += 1) {
    if (a[i] !== b[i]) return false;
  }
  return true;
}
