import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';

import type { EmbassySyncConfig, WatchedService } from '../embassy-sync.config';
import { EMBASSY_SYNC_CONFIG } from '../embassy-sync.tokens';
import { computeLag } from './lag';
import type { Lag } from './lag';
import { LagWindow } from './lag-window';
import { OwnToken } from '@gov/platform-auth';
import { ReplicationClient } from './replication-client';
import type { SiteReplicationStatus } from './replication-client';

/** The two sites of the platform. */
export type SiteName = 'primary' | 'embassy';

/** What is known of one service on one site. */
export interface SiteView {
  readonly site: SiteName;
  readonly url: string;
  /** Whether the last poll read the status. */
  readonly up: boolean;
  /** Why the last poll could not read it (`connection refused`, `HTTP 401: …`). */
  readonly error: string | null;
  /** The last status read, possibly from an earlier poll (`up: false`). */
  readonly status: SiteReplicationStatus | null;
  /** When `status` was read. */
  readonly readAt: Date | null;
}

/** One watched service on both sites, with the embassy's lag. */
export interface ServiceView {
  readonly service: WatchedService;
  readonly primary: SiteView;
  readonly embassy: SiteView;
  /**
   * `live`: both sites were read in the last poll. `stale`: one was not, and its last known
   * status stands in (a stopped embassy does not progress, so its lag is estimated from where
   * it stopped). `null` until each site was read at least once.
   */
  readonly lag: (Lag & { readonly basis: 'live' | 'stale' }) | null;
  readonly window: LagWindow;
  readonly polledAt: Date | null;
}

/**
 * Polls during which a site that has not answered once since this process started is taken to
 * be starting (embassy-sync starts alongside the services it watches): its failures are noted
 * at info, and a warning follows only if it still has not answered after them.
 */
export const STARTING_POLLS = 30;

/** Called after every poll, e.g. to compare pending checkpoints with the fresh heads. */
export type PollListener = (views: readonly ServiceView[]) => Promise<void>;

/**
 * Reads both sites' replication status of every watched service every `SYNC_POLL_MS`, keeps
 * the last of each, computes the embassy's lag and keeps a window of lag samples. A site that
 * does not answer is recorded as down; nothing here throws.
 */
@Injectable()
export class ReplicationMonitor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('ReplicationMonitor');
  private readonly views: MutableServiceView[];
  private readonly listeners: PollListener[] = [];
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private stopped = false;

  constructor(
    @Inject(EMBASSY_SYNC_CONFIG) private readonly config: EmbassySyncConfig,
    token: OwnToken,
  ) {
    this.views = config.services.map((service) => ({
      service,
      primary: emptySite('primary', service.primaryUrl),
      embassy: emptySite('embassy', service.embassyUrl),
      clients: {
        primary: new ReplicationClient(service.primaryUrl, token, config.httpTimeoutMs),
        embassy: new ReplicationClient(service.embassyUrl, token, config.httpTimeoutMs),
      },
      lag: null,
      window: new LagWindow(config.windowMinutes),
      polledAt: null,
      polls: 0,
    }));
  }

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.polling;
  }

  onPoll(listener: PollListener): void {
    this.listeners.push(listener);
  }

  /** The current view of every watched service. */
  snapshot(): readonly ServiceView[] {
    return this.views.map((view) => ({
      service: view.service,
      primary: view.primary,
      embassy: view.embassy,
      lag: view.lag,
      window: view.window,
      polledAt: view.polledAt,
    }));
  }

  /** The client of `service` on `site`; `undefined` for a service not watched. */
  client(service: string, site: SiteName): ReplicationClient | undefined {
    return this.views.find((view) => view.service.name === service)?.clients[site];
  }

  /** Polls once now (tests, and the loop). */
  async poll(): Promise<void> {
    await Promise.all(this.views.map((view) => this.pollService(view)));
    for (const listener of this.listeners) {
      await listener(this.snapshot()).catch((error: unknown) => {
        this.logger.error(`a poll listener failed: ${String(error)}`);
      });
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const started = Date.now();
      this.polling = this.poll().finally(() => {
        this.polling = undefined;
        this.schedule(Math.max(0, this.config.pollIntervalMs - (Date.now() - started)));
      });
    }, delayMs);
  }

  private async pollService(view: MutableServiceView): Promise<void> {
    const [primary, embassy] = await Promise.all([
      view.clients.primary.status(),
      view.clients.embassy.status(),
    ]);
    const now = new Date();
    view.polls += 1;
    view.primary = this.observe(view, view.primary, primary, now);
    view.embassy = this.observe(view, view.embassy, embassy, now);
    view.polledAt = now;
    const primaryStatus = view.primary.status;
    const embassyStatus = view.embassy.status;
    if (primaryStatus && embassyStatus) {
      const lag = computeLag(primaryStatus, embassyStatus);
      view.lag = { ...lag, basis: view.primary.up && view.embassy.up ? 'live' : 'stale' };
      view.window.add(now.getTime(), lag);
    }
  }

  private observe(
    view: MutableServiceView,
    previous: SiteView,
    result: Awaited<ReturnType<ReplicationClient['status']>>,
    now: Date,
  ): SiteView {
    if (result.ok) {
      if (!previous.up && previous.readAt !== null) {
        this.logger.log(`${previous.site} ${view.service.name} answers again`);
      }
      return { ...previous, up: true, error: null, status: result.value, readAt: now };
    }
    const where = `${previous.site} ${view.service.name} (${previous.url})`;
    const changed = previous.up || previous.error !== result.error;
    if (previous.readAt === null && view.polls <= STARTING_POLLS) {
      if (changed) this.logger.log(`${where}: not answering yet: ${result.error}`);
    } else if (changed || (previous.readAt === null && view.polls === STARTING_POLLS + 1)) {
      this.logger.warn(`${where}: status unavailable: ${result.error}`);
    }
    return { ...previous, up: false, error: result.error };
  }
}

interface MutableServiceView {
  readonly service: WatchedService;
  primary: SiteView;
  embassy: SiteView;
  readonly clients: Readonly<Record<SiteName, ReplicationClient>>;
  lag: ServiceView['lag'];
  readonly window: LagWindow;
  polledAt: Date | null;
  /** Polls so far. */
  polls: number;
}

function emptySite(site: SiteName, url: string): SiteView {
  return { site, url, up: false, error: null, status: null, readAt: null };
}
