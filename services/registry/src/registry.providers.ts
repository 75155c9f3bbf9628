import { Inject, Injectable, Logger } from '@nestjs/common';
import type {
  OnApplicationBootstrap,
  OnModuleDestroy,
  OnModuleInit,
  Provider,
} from '@nestjs/common';
import { Pool } from 'pg';

import { PG_POOL } from '@gov/platform-chassis';
import { ReplicationService, SiteRole } from '@gov/platform-replication';
import { EVENT_STORE, ProjectionRunner } from '@gov/platform-event-sourcing';
import type { EventStore, PostgresEventStore } from '@gov/platform-event-sourcing';
import {
  AccessLog,
  BusinessService,
  CorrectionService,
  APPLICATION_SCHEMA,
  CorrectionsReactor,
  PgCorrectionsReadModel,
  PgIdempotencyStore,
  PgBulkRegistrar,
  PgNumberAllocator,
  PgRegistrarDirectory,
  PersonService,
  pgCorrectionsProjection,
  systemClock,
  verifyRegistrySchema,
} from '@gov/registry-application';
import type { IdempotencyStore } from '@gov/registry-application';

import { IDEMPOTENCY_STORE } from './http/idempotency.interceptor';

/** Injection token of the service's configuration. */
export const REGISTRY_CONFIG = Symbol('REGISTRY_CONFIG');

/**
 * The application layer's use cases and stores, on the service's pool and event store. Plain
 * classes (the application knows no Nest); this is where they are put together.
 */
export const applicationProviders: Provider[] = [
  {
    provide: PgNumberAllocator,
    useFactory: (pool: Pool) => new PgNumberAllocator(pool),
    inject: [PG_POOL],
  },
  {
    provide: PgCorrectionsReadModel,
    useFactory: (pool: Pool) => new PgCorrectionsReadModel(pool),
    inject: [PG_POOL],
  },
  {
    provide: IDEMPOTENCY_STORE,
    useFactory: (pool: Pool) => new PgIdempotencyStore(pool),
    inject: [PG_POOL],
  },
  {
    provide: PersonService,
    useFactory: (store: PostgresEventStore, numbers: PgNumberAllocator, pool: Pool) =>
      new PersonService(
        store,
        systemClock,
        numbers,
        new AccessLog(store, systemClock),
        new PgBulkRegistrar(pool, store),
      ),
    inject: [EVENT_STORE, PgNumberAllocator, PG_POOL],
  },
  {
    provide: BusinessService,
    useFactory: (store: EventStore, numbers: PgNumberAllocator) =>
      new BusinessService(store, systemClock, numbers),
    inject: [EVENT_STORE, PgNumberAllocator],
  },
  {
    provide: CorrectionService,
    useFactory: (store: EventStore, readModel: PgCorrectionsReadModel, pool: Pool) =>
      new CorrectionService(store, systemClock, readModel, new PgRegistrarDirectory(pool)),
    inject: [EVENT_STORE, PgCorrectionsReadModel, PG_POOL],
  },
  {
    provide: CorrectionsReactor,
    useFactory: (store: EventStore, readModel: PgCorrectionsReadModel) => {
      const logger = new Logger('CorrectionsReactor');
      return new CorrectionsReactor(store, systemClock, readModel, {
        warn: (message) => {
          logger.warn(message);
        },
      });
    },
    inject: [EVENT_STORE, PgCorrectionsReadModel],
  },
];

/**
 * Refuses to start on a database whose registry tables are not migrated (the event store's
 * module checks its own schema): migrations are a deliberate step, `registry:migrate`.
 */
@Injectable()
export class RegistrySchemaGate implements OnModuleInit {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  onModuleInit(): Promise<void> {
    return verifyRegistrySchema(this.pool);
  }
}

/** Idle time between polls of the log when the projection is up to date. */
const IDLE_POLL_MS = 100;
/** Longest pause after consecutive failures. */
const MAX_BACKOFF_MS = 5_000;
/** How long idempotency keys are kept, and how often old ones are purged. */
const IDEMPOTENCY_RETENTION_MS = 24 * 3600_000;
const PURGE_EVERY_MS = 10 * 60_000;

/**
 * The registry's background work:
 *
 * - the corrections read model follows the log on every site (the embassy's replica too, so
 *   that it answers lists and its digest can be compared with the primary's), batch and
 *   checkpoint in one transaction;
 * - while this site is the primary, the corrections reactor puts accepted values into their
 *   records (it appends, which a replica or a fenced site must not), and day-old idempotency
 *   keys are purged. A promoted embassy starts both on promotion.
 */
@Injectable()
export class BackgroundWork implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('BackgroundWork');
  private readonly projection: ProjectionRunner;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private purgeTimer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(SiteRole) private readonly siteRole: SiteRole,
    private readonly replication: ReplicationService,
    private readonly reactor: CorrectionsReactor,
    @Inject(IDEMPOTENCY_STORE) private readonly idempotency: IdempotencyStore,
    @Inject(PG_POOL) pool: Pool,
    @Inject(EVENT_STORE) store: EventStore,
  ) {
    this.projection = new ProjectionRunner({
      pool,
      schema: APPLICATION_SCHEMA,
      // Positioned events only; the primary's relay positions them (a replica has no others).
      store: { readAll: (from, limit) => store.readAll(from, limit) },
      projection: pgCorrectionsProjection,
    });
  }

  onModuleInit(): void {
    this.replication.addProjection(this.projection);
  }

  onApplicationBootstrap(): void {
    this.running = true;
    this.loop = this.work();
    this.purgeTimer = setInterval(() => {
      if (!this.siteRole.writable) return;
      this.idempotency.purge(IDEMPOTENCY_RETENTION_MS).then(
        (purged) => {
          if (purged > 0) this.logger.log(`purged ${purged} idempotency keys older than a day`);
        },
        (error: unknown) => {
          this.logger.warn(`purging idempotency keys failed: ${String(error)}`);
        },
      );
    }, PURGE_EVERY_MS);
    this.purgeTimer.unref();
  }

  /** Stops first on shutdown, finishing the batch in flight while the pool is still open. */
  async onModuleDestroy(): Promise<void> {
    this.running = false;
    clearInterval(this.purgeTimer);
    this.wake?.();
    await this.loop;
  }

  private async work(): Promise<void> {
    let failures = 0;
    while (this.running) {
      let delay = IDLE_POLL_MS;
      try {
        const projected = await this.projection.step();
        // The reactor's to-do list is the read model: it acts once the projection is current.
        const reacted =
          projected === 0 && this.siteRole.writable ? await this.reactor.runOnce() : 0;
        failures = 0;
        if (projected > 0 || reacted > 0) delay = 0;
      } catch (error) {
        failures += 1;
        delay = Math.min(MAX_BACKOFF_MS, IDLE_POLL_MS * 2 ** failures);
        this.logger.error(
          `corrections projection or reactor failed (${failures} in a row); retrying in ${delay} ms`,
          error instanceof Error ? error.stack : String(error),
        );
      }
      if (delay > 0) await this.pause(delay);
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
