import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnModuleInit } from '@nestjs/common';

import type { EmbassySyncConfig } from '../embassy-sync.config';
import { EMBASSY_SYNC_CONFIG } from '../embassy-sync.tokens';
import { ReplicationMonitor } from '../monitor/replication-monitor.service';
import type { ServiceView } from '../monitor/replication-monitor.service';
import { CheckpointLedger } from './checkpoint-ledger';

/**
 * Compares pending checkpoints with this site's own digests. After every poll of the sites, for
 * each service with a pending checkpoint whose position this site's gapless head has reached,
 * it asks this site's service for its digest at that position: equal, the checkpoint is
 * verified; different, the status goes into alarm (`digest-mismatch`). A checkpoint waits
 * while this site is behind or its service does not answer.
 */
@Injectable()
export class CheckpointVerifier implements OnModuleInit {
  private readonly logger = new Logger('CheckpointVerifier');

  constructor(
    @Inject(EMBASSY_SYNC_CONFIG) private readonly config: EmbassySyncConfig,
    private readonly monitor: ReplicationMonitor,
    private readonly ledger: CheckpointLedger,
  ) {}

  onModuleInit(): void {
    this.monitor.onPoll((views) => this.settle(views));
  }

  /** Compares what can be compared now. */
  async settle(views: readonly ServiceView[]): Promise<void> {
    for (const view of views) {
      const name = view.service.name;
      const pending = this.ledger.pending(name);
      const local = view[this.config.siteRole];
      if (!pending || !local.up || !local.status || local.status.head < pending.position) continue;
      const client = this.monitor.client(name, this.config.siteRole);
      const answer = await client?.digest(pending.position);
      if (!answer?.ok) {
        this.logger.warn(
          `digest of ${name} at ${pending.position} unavailable: ${answer?.error ?? 'not watched'}`,
        );
        continue;
      }
      if (answer.value.kind === 'not-reached') continue;
      const outcome = this.ledger.compared(pending, answer.value.digest, new Date());
      if (outcome === 'verified') {
        this.logger.debug(`checkpoint of ${name} at ${pending.position} verified`);
      } else {
        this.logger.error(
          `ALARM: digest mismatch for ${name} at ${pending.position}: the primary signed ${pending.payload.digest}, this site has ${answer.value.digest}`,
        );
      }
    }
  }
}
