import { DataSource } from 'typeorm';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Pool } from 'pg';

import { PG_POOL } from '@gov/platform-chassis';
import { EVENT_STORE, ProjectionRunner } from '@gov/platform-event-sourcing';
import type { EventStore } from '@gov/platform-event-sourcing';
import { ReplicationService, SiteRole } from '@gov/platform-replication';

import { IDEMPOTENCY_STORE } from '../idempotency/idempotency.interceptor';
import type { IdempotencyStore } from '../idempotency/idempotency-store';
import { SERVICE_OPTIONS } from '../event-sourced-service.options';
import { BackgroundLoop } from './background-loop';
import type { EventSourcedServiceOptions, Reactor } from '../event-sourced-service.options';

/** Idle time between polls of the log when every projection is up to date. */
const IDLE_POLL_MS = 100;
/** Longest pause after consecutive failures. */
const MAX_BACKOFF_MS = 5_000;
/** How long idempotency keys are kept, and how often old ones are purged. */
const IDEMPOTENCY_RETENTION_MS = 24 * 3600_000;
const PURGE_EVERY_MS = 10 * 60_000;

/**
 * A service's background work, one loop per process:
 *
 * - every projection (read model) follows the log on every site (the embassy's replica too, so
 *   that it answers reads and its digest can be compared with the primary's), batch and
 *   checkpoint in one transaction; each is registered with replication for the digests;
 * - while this site is writable (the primary), and once the projections are current, every
 *   reactor runs (reactors append, which a replica or a fenced site must not), and day-old
 *   idempotency keys are purged. A promoted embassy starts them on promotion, without a restart.
 *
 * A failure pauses the loop with exponential backoff (at most 5 s) and is logged once per run of
 * failures, then again when it clears.
 */
@Injectable()
export class ProjectionHost implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('BackgroundWork');
  private readonly runners: readonly ProjectionRunner[];
  private reactors: readonly Reactor[] = [];
  private readonly loop = new BackgroundLoop({
    step: () => this.step(),
    idleMs: IDLE_POLL_MS,
    maxBackoffMs: MAX_BACKOFF_MS,
    logger: this.logger,
    failure: 'a projection or reactor failed',
    work: 'background work',
  });
  private purgeTimer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(SERVICE_OPTIONS) private readonly options: EventSourcedServiceOptions,
    @Inject(SiteRole) private readonly siteRole: SiteRole,
    private readonly replication: ReplicationService,
    @Inject(IDEMPOTENCY_STORE) private readonly idempotency: IdempotencyStore,
    @Inject(ModuleRef) private readonly modules: ModuleRef,
    @Inject(PG_POOL) pool: Pool,
    @Inject(EVENT_STORE) store: EventStore,
    dataSource: DataSource,
  ) {
    this.runners = (options.projections ?? []).map(
      (given) =>
        new ProjectionRunner({
          pool,
          // Checkpoints live in the event store's schema, beside the log they point into.
          schema: options.eventStoreSchema,
          // Positioned events only; the primary's relay positions them (a replica has no others).
          store: { readAll: (from, limit) => store.readAll(from, limit) },
          projection: typeof given === 'function' ? given(dataSource) : given,
        }),
    );
  }

  onModuleInit(): void {
    for (const runner of this.runners) this.replication.addProjection(runner);
  }

  onApplicationBootstrap(): void {
    // Reactors are the service's own providers, resolved once the whole application exists.
    this.reactors = (this.options.reactors ?? []).map((token) =>
      this.modules.get<Reactor>(token, { strict: false }),
    );
    this.loop.start();
    this.purgeTimer = setInterval(() => {
      this.purgeIdempotencyKeys();
    }, PURGE_EVERY_MS);
    this.purgeTimer.unref();
  }

  /** Stops first on shutdown, finishing the batch in flight while the pool is still open. */
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.purgeTimer);
    await this.loop.stop();
  }

  /** One pass: a batch of every projection, then, when all are current, every reactor. */
  async step(): Promise<number> {
    let projected = 0;
    for (const runner of this.runners) projected += await runner.step();
    if (projected > 0 || !this.siteRole.writable) return projected;
    let reacted = 0;
    for (const reactor of this.reactors) reacted += await reactor.runOnce();
    return reacted;
  }

  private purgeIdempotencyKeys(): void {
    if (!this.siteRole.writable) return;
    this.idempotency.purge(IDEMPOTENCY_RETENTION_MS).then(
      (purged) => {
        if (purged > 0) this.logger.log(`purged ${purged} idempotency keys older than a day`);
      },
      (error: unknown) => {
        this.logger.warn(`purging idempotency keys failed: ${String(error)}`);
      },
    );
  }
}
