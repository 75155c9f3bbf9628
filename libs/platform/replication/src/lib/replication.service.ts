import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { PoolClient } from 'pg';

import { ApplicationError } from '@gov/platform-chassis';
import {
  EVENT_STORE,
  LogDigester,
  ReplayBacklog,
  ReplicaConsumer,
} from '@gov/platform-event-sourcing';
import type {
  HaltedStream,
  LogDigest,
  ProjectionDigest,
  PostgresEventStore,
  ReplicaDeadLetter,
} from '@gov/platform-event-sourcing';
import { ConsumerGroupFactory } from '@gov/platform-messaging';

import { SiteRole } from './site-role';
import type { RoleChange, SiteRoleName } from './site-role';

/** Injection token of the {@link ReplicationModuleOptions}. */
export const REPLICATION_OPTIONS = Symbol('REPLICATION_OPTIONS');

/** Configuration of the replication of one service. */
export interface ReplicationModuleOptions {
  /** The service, as status and digests name it (`registry`). */
  readonly serviceName: string;
  /** The site's role, shared with the event store's write gate. */
  readonly siteRole: SiteRole;
  /**
   * The mirrored topics a replica rebuilds from, on its own cluster: the primary's internal
   * event topics as MirrorMaker 2 names them (`primary.registry.events.v1`).
   */
  readonly replicaTopics: readonly string[];
  /** The replica's consumer group (`registry.replica`). */
  readonly replicaGroupId: string;
  /** Most bytes the replica fetches per partition at once (see `ReplicaConsumer`). */
  readonly replicaFetchBytes?: number;
  /**
   * Work of the service itself when its site becomes the primary, in the promotion's
   * transaction, after the log was cut to its gapless head: state that is not in the log but
   * derives from it, such as number allocators, is brought up to the log here. Read the log
   * through `store`'s methods, on `client`.
   */
  readonly onPromote?: (client: PoolClient, store: PostgresEventStore) => Promise<void>;
  /**
   * Where the replica reports how far behind its mirrored topics it is; give the same one to
   * the service's relays (`holdWhile: () => backlog.catchingUp`) so that they wait while the
   * replica catches up.
   */
  readonly backlog?: ReplayBacklog;
}

/** How often a replica whose mirrored topics do not exist yet tries again. */
const REPLICA_RETRY_MS = 2_000;

/** `T` as it travels in JSON: big integers as decimal strings, dates as ISO 8601 strings. */
type Json<T> = { readonly [K in keyof T]: T[K] extends bigint | Date ? string : T[K] };

/** What the status endpoint reports. */
export interface ReplicationStatus {
  readonly service: string;
  readonly role: SiteRoleName;
  /** Since when and why, when an operator set the role. */
  readonly roleChange: RoleChange | null;
  /** The gapless head of the log: every position up to here is stored. */
  readonly head: string;
  /** When the event at `head` was recorded on the site that wrote it; null for an empty log. */
  readonly headRecordedAt: string | null;
  /** The highest position stored (a replica may hold events beyond a gap). */
  readonly highestStored: string;
  /** Events appended but not yet positioned (a primary between commit and sequencing). */
  readonly unpositioned: number;
  /** Where each outbox relay of the service has published to. */
  readonly relays: Readonly<Record<string, string>>;
  readonly replica: {
    readonly running: boolean;
    /** Why a replica is not replaying yet (its mirrored topic does not exist yet), if so. */
    readonly waiting: string | null;
    readonly appliedSinceStart: number;
    /**
     * From the arrival of the first batch that stored events since the start to the storing of
     * the latest (ISO 8601), or `null`: `appliedSinceStart` over it is the replay's rate.
     */
    readonly replayWindow: { readonly from: string; readonly to: string } | null;
    /** Records behind the end of the mirrored topics (decimal); 0 when live. */
    readonly backlog: string;
    /** Whether the replica is catching up (its relays hold meanwhile). */
    readonly catchingUp: boolean;
    /** As JSON: the position as a decimal string, times as ISO 8601. */
    readonly halted: readonly Json<HaltedStream>[];
    readonly deadLetters: readonly Json<ReplicaDeadLetter>[];
  };
  readonly at: string;
}

/** A projection whose rows can be digested (the event store's `ProjectionRunner` is one). */
export interface DigestibleProjection {
  digest(): Promise<ProjectionDigest>;
}

/** A service's digest: its log at a position, and each projection at its checkpoint. */
export interface ServiceDigest extends LogDigest {
  readonly service: string;
  readonly projections: readonly ProjectionDigest[];
}

/** The outcome of a promotion. */
export interface Promotion {
  readonly role: SiteRoleName;
  /** The log position the promoted site continues from. */
  readonly position: string;
  /** Replicated events beyond a gap, removed because the log must be gapless: lost (RPO). */
  readonly discarded: number;
  readonly changedAt: string;
}

/**
 * Replication of one service's log between the primary site and the embassy: runs the
 * {@link ReplicaConsumer} while the site is a replica, computes digests, and carries out the
 * operator's decisions (fence the primary, promote the replica).
 */
@Injectable()
export class ReplicationService implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Replication');
  private readonly replica: ReplicaConsumer;
  private readonly digester: LogDigester;
  private readonly backlog: ReplayBacklog;
  private replicaRunning = false;
  /** Why the replica is not running although this site is a replica (its topic is missing). */
  private replicaWaiting: string | null = null;
  private starting: Promise<void> = Promise.resolve();
  private retryTimer: NodeJS.Timeout | undefined;
  private shuttingDown = false;
  /** Serialises role changes. */
  /** Role changes (and the replica's start) one at a time. */
  private readonly roleChanges = new SerialQueue();
  /**
   * Digests one at a time (the digester continues from its last position), apart from role
   * changes: a long first digest must not hold up a promotion.
   */
  private readonly digests = new SerialQueue();
  private readonly projections: DigestibleProjection[] = [];

  constructor(
    @Inject(REPLICATION_OPTIONS) private readonly options: ReplicationModuleOptions,
    @Inject(EVENT_STORE) private readonly store: PostgresEventStore,
    groups: ConsumerGroupFactory,
  ) {
    this.backlog = options.backlog ?? new ReplayBacklog();
    this.replica = new ReplicaConsumer({
      store,
      groups,
      topics: options.replicaTopics,
      groupId: options.replicaGroupId,
      ...(options.replicaFetchBytes === undefined
        ? {}
        : { maxBytesPerPartition: options.replicaFetchBytes }),
      backlog: this.backlog,
      events: {
        halted: (stream) => {
          this.logger.error(
            `stream ${stream.streamId} HALTED at version ${stream.atVersion} (position ${stream.globalPosition}): ${stream.reason}: ${stream.detail}`,
          );
        },
        deadLettered: (record) => {
          this.logger.error(
            `dead-lettered ${record.topic}/${record.partition}@${record.offset}: ${record.reason}: ${record.error}`,
          );
        },
      },
    });
    this.digester = new LogDigester(store);
  }

  get role(): SiteRole {
    return this.options.siteRole;
  }

  async onModuleInit(): Promise<void> {
    await this.store.verifySchema();
    await this.role.load(this.store);
    this.logger.log(
      `site role: ${this.role.current}${this.role.lastChange ? ` (set by an operator: ${this.role.lastChange.reason})` : ' (configured)'}`,
    );
  }

  /**
   * A replica starts replaying in the background: its mirrored topics appear only once
   * MirrorMaker 2 has seen the primary's (a new platform, a new service), and until then the
   * service serves its (empty) state and reports `replica.running: false` with the reason.
   */
  onApplicationBootstrap(): void {
    if (this.role.current === 'replica') this.startReplicaWhenPossible();
  }

  async onModuleDestroy(): Promise<void> {
    this.shuttingDown = true;
    clearTimeout(this.retryTimer);
    await this.starting;
    await this.stopReplica();
  }

  async status(): Promise<ReplicationStatus> {
    const progress = await this.replica.status();
    const relays = await this.store.relayPositions();
    const unpositioned = await this.store.unpositionedCount();
    return {
      service: this.options.serviceName,
      role: this.role.current,
      roleChange: this.role.lastChange ?? null,
      head: progress.head.toString(),
      headRecordedAt: progress.headRecordedAt?.toISOString() ?? null,
      highestStored: progress.highestStored.toString(),
      unpositioned,
      relays: Object.fromEntries(
        [...relays].map(([name, position]) => [name, position.toString()]),
      ),
      replica: {
        running: this.replicaRunning,
        waiting:
          this.role.current === 'replica' && !this.replicaRunning ? this.replicaWaiting : null,
        appliedSinceStart: progress.appliedSinceStart,
        replayWindow: progress.replayWindow && {
          from: progress.replayWindow.from.toISOString(),
          to: progress.replayWindow.to.toISOString(),
        },
        backlog: progress.backlog.toString(),
        catchingUp: this.backlog.catchingUp,
        halted: progress.halted.map((stream) => ({
          ...stream,
          globalPosition: stream.globalPosition.toString(),
          detectedAt: stream.detectedAt.toISOString(),
        })),
        deadLetters: progress.deadLetters.map((record) => ({
          ...record,
          at: record.at.toISOString(),
        })),
      },
      at: new Date().toISOString(),
    };
  }

  /**
   * Adds a projection (a read model of the service) to the digests. Call before the service
   * serves requests (`onModuleInit`).
   */
  addProjection(projection: DigestibleProjection): void {
    this.projections.push(projection);
  }

  /**
   * The digest of the log up to `position` (the head by default), with the digest of each
   * projection at its own checkpoint: a projection is comparable between sites whose
   * checkpoints are equal (after a drain, both at the head). `projections: false` leaves them
   * out: each is a full read of the projection's tables.
   *
   * @throws `ApplicationError` 409 when the log does not reach `position` yet.
   */
  async digest(
    position?: bigint,
    options: { readonly projections?: boolean } = {},
  ): Promise<ServiceDigest> {
    const head = await this.store.headPosition();
    const at = position ?? head;
    if (at > head) {
      throw ApplicationError.conflict(
        `the log of ${this.options.serviceName} reaches position ${head}, not ${at} yet`,
        { extensions: { code: 'POSITION_NOT_REACHED', head: head.toString() } },
      );
    }
    const digest = await this.digests.run(() => this.digester.digestAt(at));
    const projections =
      options.projections === false
        ? []
        : await Promise.all(this.projections.map((p) => p.digest()));
    return { service: this.options.serviceName, ...digest, projections };
  }

  /** Planned failover, step one: the primary stops writing; its relay goes on publishing. */
  fence(reason: string): Promise<RoleChange> {
    return this.roleChanges.run(async () => {
      if (this.role.current !== 'primary') {
        throw ApplicationError.conflict(
          `only a primary can be fenced; this site is ${this.role.current}`,
        );
      }
      const change = await this.store.recordSiteRole('fenced', reason);
      this.role.apply(change);
      this.logger.warn(`FENCED: this site refuses writes from now on (${reason})`);
      return change;
    });
  }

  /**
   * Makes this site the primary: a replica stops replaying, its log is cut to the gapless head
   * (events beyond a gap cannot be kept: their predecessors in the log are missing), the
   * service's own promotion work runs, and the role is recorded, all in one transaction. A
   * fenced primary is simply unfenced (failback without a swap).
   */
  promote(reason: string): Promise<Promotion> {
    return this.roleChanges.run(async () => {
      if (this.role.current === 'primary') {
        throw ApplicationError.conflict('this site is already the primary');
      }
      await this.stopReplica();
      const client = await this.store.pool.connect();
      let failed: unknown;
      try {
        await client.query('BEGIN');
        const { position, discarded } = await this.store.cutToGaplessHead(client);
        await this.options.onPromote?.(client, this.store);
        const change = await this.store.recordSiteRole('primary', reason, client);
        await client.query('COMMIT');
        this.role.apply(change);
        this.logger.warn(
          `PROMOTED to primary at position ${String(position)}${discarded > 0 ? `; ${discarded} replicated events beyond a gap discarded` : ''} (${reason})`,
        );
        return {
          role: change.role,
          position: position.toString(),
          discarded,
          changedAt: change.changedAt.toISOString(),
        };
      } catch (error) {
        failed = error;
        await client.query('ROLLBACK').catch(() => undefined);
        if (this.role.current === 'replica') await this.startReplica().catch(() => undefined);
        throw error;
      } finally {
        client.release(failed instanceof Error ? failed : undefined);
      }
    });
  }

  /**
   * Failback, first step on the former primary: a fenced site becomes a replica of the site
   * that was promoted, and catches up from its log (`replicaTopics`, e.g.
   * `embassy.registry.events.v1` once MirrorMaker 2 runs the other way). The events it holds are
   * recognised as the same events and skipped; should its log have diverged (events the other
   * site never received), the diverging streams halt and are reported: then rebuild this site
   * from an empty database instead.
   */
  demote(reason: string): Promise<RoleChange> {
    return this.roleChanges.run(async () => {
      if (this.role.current !== 'fenced') {
        throw ApplicationError.conflict(
          `only a fenced site becomes a replica; this site is ${this.role.current}${this.role.current === 'primary' ? ': fence it first' : ''}`,
        );
      }
      // First the consumer (it fails while the mirrored topic does not exist yet), then the role.
      await this.startReplica();
      const change = await this.store.recordSiteRole('replica', reason);
      this.role.apply(change);
      this.logger.warn(
        `DEMOTED to replica of ${this.options.replicaTopics.join(', ')} (${reason})`,
      );
      return change;
    });
  }

  private startReplicaWhenPossible(attempt = 1): void {
    this.starting = this.roleChanges.run(async () => {
      if (this.shuttingDown || this.role.current !== 'replica') return;
      try {
        await this.startReplica();
        this.replicaWaiting = null;
      } catch (error) {
        this.replicaWaiting = error instanceof Error ? error.message : String(error);
        // Expected until MirrorMaker 2 creates the mirrored topic: said once, then at debug.
        const waiting = `cannot replay ${this.options.replicaTopics.join(', ')} yet (${this.replicaWaiting}); retrying every ${REPLICA_RETRY_MS} ms`;
        if (attempt === 1) this.logger.warn(waiting);
        else this.logger.debug(waiting);
        // Checked again when it fires: a shutdown meanwhile ends the retries.
        this.retryTimer = setTimeout(() => {
          this.startReplicaWhenPossible(attempt + 1);
        }, REPLICA_RETRY_MS);
        this.retryTimer.unref();
      }
    });
  }

  private async startReplica(): Promise<void> {
    if (this.replicaRunning) return;
    await this.replica.start();
    this.replicaRunning = true;
    this.logger.log(`replaying ${this.options.replicaTopics.join(', ')}`);
  }

  private async stopReplica(): Promise<void> {
    if (!this.replicaRunning) return;
    this.replicaRunning = false;
    await this.replica.stop();
  }
}

/** Runs work one piece after the other, whether the previous one succeeded or not. */
class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work, work);
    this.tail = run.catch(() => undefined);
    return run;
  }
}
