import { Inject, Injectable } from '@nestjs/common';

import { CheckpointLedger } from '../checkpoints/checkpoint-ledger';
import { CheckpointPublisher } from '../checkpoints/checkpoint-publisher.service';
import { CheckpointVerification } from '../consumers/checkpoints.consumer';
import type { EmbassySyncConfig } from '../embassy-sync.config';
import { EMBASSY_SYNC_CONFIG } from '../embassy-sync.tokens';
import { ReplicationMonitor } from '../monitor/replication-monitor.service';
import { buildSyncHistory, buildSyncStatus } from './sync-status';
import type { SyncHistory, SyncStatus } from './sync-status';

/** The replication status of this instance's moment: what `GET /status` and `/metrics` show. */
@Injectable()
export class SyncStatusService {
  constructor(
    @Inject(EMBASSY_SYNC_CONFIG) private readonly config: EmbassySyncConfig,
    private readonly monitor: ReplicationMonitor,
    private readonly ledger: CheckpointLedger,
    private readonly publisher: CheckpointPublisher,
    private readonly consumer: CheckpointVerification,
  ) {}

  status(): SyncStatus {
    const consumer = this.consumer.state;
    return buildSyncStatus({
      site: this.config.siteRole,
      views: this.monitor.snapshot(),
      ledger: this.ledger.snapshot(),
      lagAlarmMs: this.config.lagAlarmMs,
      signing: {
        enabled: this.publisher.enabled,
        keyId: this.publisher.keyId,
        topic: this.config.checkpoints.topic,
        intervalMs: this.config.checkpoints.intervalMs,
      },
      verifying: {
        enabled: consumer.state !== 'disabled',
        keyId: this.consumer.keyId,
        topic: this.consumer.sourceTopic,
        consumer: consumer.state,
        error: consumer.error,
      },
      pollIntervalMs: this.config.pollIntervalMs,
      now: new Date(),
    });
  }

  /** The lag samples of the window, at most `points` per service. */
  history(points: number): SyncHistory {
    return buildSyncHistory({
      site: this.config.siteRole,
      views: this.monitor.snapshot(),
      minutes: this.config.windowMinutes,
      pollIntervalMs: this.config.pollIntervalMs,
      points,
      now: new Date(),
    });
  }
}
