import { Inject, Injectable, Logger } from '@nestjs/common';
import type {
  OnApplicationBootstrap,
  OnModuleDestroy,
  OnModuleInit,
  Provider,
} from '@nestjs/common';
import { Pool } from 'pg';

import { PG_POOL } from '@gov/platform-chassis';
import { SiteRole } from '@gov/platform-replication';
import { EVENT_STORE } from '@gov/platform-event-sourcing';
import type { EventStore, PostgresEventStore } from '@gov/platform-event-sourcing';
import {
  AccessLog,
  BusinessService,
  CorrectionService,
  CorrectionsProjector,
  PgCorrectionsReadModel,
  PgIdempotencyStore,
  PgBulkRegistrar,
  PgNumberAllocator,
  PgProjectionCheckpoints,
  PgRegistrarDirectory,
  PersonService,
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
    provide: CorrectionsProjector,
    useFactory: (store: EventStore, readModel: PgCorrectionsReadModel, pool: Pool) => {
      const logger = new Logger('CorrectionsProjector');
      return new CorrectionsProjector(
        store,
        systemClock,
        readModel,
        new PgProjectionCheckpoints(pool),
        {
          warn: (message) => {
            logger.warn(message);
          },
        },
      );
    },
    inject: [EVENT_STORE, PgCorrectionsReadModel, PG_POOL],
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

/** Idle time between polls of the log when the projector is up to date. */
const IDLE_POLL_MS = 100;
/** Longest pause after consecutive failures. */
const MAX_BACKOFF_MS = 5_000;
/** How long idempotency keys are kept, and how often old ones are purged. */
const IDEMPOTENCY_RETENTION_MS = 24 * 3600_000;
const PURGE_EVERY_MS = 10 * 60_000;

/**
 * Runs the corrections projector (read model and acceptance reactor) in the background while
 * this site is the primary, and purges day-old idempotency keys. A replica only replays (the
 * reactor appends, which a replica must not); when it is promoted, the work starts, and the
 * projector catches up from its checkpoint over the replayed log.
 */
@Injectable()
export class BackgroundWork implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('BackgroundWork');
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private purgeTimer: NodeJS.Timeout | undefined;

  private unsubscribe: (() => void) | undefined;

  constructor(
    @Inject(SiteRole) private readonly siteRole: SiteRole,
    private readonly projector: CorrectionsProjector,
    @Inject(IDEMPOTENCY_STORE) private readonly idempotency: IdempotencyStore,
  ) {}

  onApplicationBootstrap(): void {
    this.unsubscribe = this.siteRole.onChange((change) => {
      if (change.role === 'primary') this.start();
    });
    if (this.siteRole.writable) this.start();
  }

  private start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.project();
    this.purgeTimer = setInterval(() => {
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
    this.unsubscribe?.();
    this.running = false;
    clearInterval(this.purgeTimer);
    this.wake?.();
    await this.loop;
  }

  private async project(): Promise<void> {
    let failures = 0;
    while (this.running) {
      let delay = IDLE_POLL_MS;
      try {
        const applied = await this.projector.runOnce();
        failures = 0;
        if (applied > 0) delay = 0;
      } catch (error) {
        failures += 1;
        delay = Math.min(MAX_BACKOFF_MS, IDLE_POLL_MS * 2 ** failures);
        this.logger.error(
          `corrections projector failed (${failures} in a row); retrying in ${delay} ms`,
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
