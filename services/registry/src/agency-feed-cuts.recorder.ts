import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';

import { EVENT_STORE } from '@gov/platform-event-sourcing';
import type { EventStore } from '@gov/platform-event-sourcing';
import { LegalBasisCatalogue } from '@gov/platform-legal-bases';
import { SiteRole } from '@gov/platform-replication';
import { AgencyFeedCuts, systemClock } from '@gov/registry-application';

/**
 * Records in the log the cut of every agency feed whose basis the catalogue changed (see
 * `AgencyFeedCuts`): at start where the site is writable, and when the site becomes writable
 * (a promoted embassy). A replica records nothing: the primary's cuts reach it with the log, so
 * both sites re-cut at the same positions. A failure is logged, never fatal: the feeds go on
 * with their current cut, and the next start tries again.
 */
@Injectable()
export class AgencyFeedCutsRecorder implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('AgencyFeedCuts');
  private readonly cuts: AgencyFeedCuts;
  private unsubscribe: (() => void) | undefined;
  private recording: Promise<void> | undefined;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    private readonly catalogue: LegalBasisCatalogue,
    private readonly siteRole: SiteRole,
  ) {
    this.cuts = new AgencyFeedCuts(store, systemClock);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.unsubscribe = this.siteRole.onChange((change) => {
      if (change.role === 'primary') this.recording = this.record();
    });
    if (this.siteRole.writable) await this.record();
  }

  async onModuleDestroy(): Promise<void> {
    this.unsubscribe?.();
    await this.recording;
  }

  private async record(): Promise<void> {
    try {
      for (const outcome of await this.cuts.record(this.catalogue)) {
        if (outcome.outcome === 'cut') {
          const { organisationId, legalBasisId, version, categories } = outcome.cut.data;
          this.logger.log(
            `feed of ${organisationId} cut to version ${version}: basis ${legalBasisId}, ${categories.join(', ')}`,
          );
        }
      }
      for (const organisationId of await this.cuts.withoutFeed(this.catalogue)) {
        this.logger.warn(
          `${organisationId} had a change feed and the catalogue gives it none now: its topic gets nothing new`,
        );
      }
    } catch (error) {
      this.logger.error(
        `the agency feeds' cuts could not be recorded; the feeds keep their current cut`,
        error instanceof Error ? error.stack : String(error),
      );
    }
  }
}
