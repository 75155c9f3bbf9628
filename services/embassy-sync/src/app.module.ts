import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';

import { OwnToken } from '@gov/platform-auth';
import { ServiceModule } from '@gov/platform-service';

import { loadCheckpointKeys } from './checkpoints/checkpoint-keys';
import { CheckpointLedger } from './checkpoints/checkpoint-ledger';
import { CheckpointPublisher } from './checkpoints/checkpoint-publisher.service';
import { CheckpointVerifier } from './checkpoints/checkpoint-verifier.service';
import {
  CheckpointVerification,
  CheckpointsConsumer,
  checkpointsSubscription,
} from './consumers/checkpoints.consumer';
import type { EmbassySyncConfig } from './embassy-sync.config';
import { CHECKPOINT_KEYS, EMBASSY_SYNC_CONFIG } from './embassy-sync.tokens';
import { StatusController } from './http/status.controller';
import { SyncMetrics } from './metrics/sync-metrics.provider';
import { ReplicationMonitor } from './monitor/replication-monitor.service';
import { SyncStatusService } from './status/sync-status.service';

/**
 * embassy-sync's root module: the monitor that polls both sites' replication status, the
 * checkpoint publisher (where a watched service is primary) and the checkpoint consumer and
 * verifier (where they are replayed), Kafka, bearer authentication of operators, and the
 * status and metrics routes. It keeps no database: everything it reports is read again from
 * the services and the checkpoint topic.
 */
@Module({})
export class AppModule {
  static forRoot(config: EmbassySyncConfig): DynamicModule {
    return {
      module: AppModule,
      // Kafka, operators' bearer authentication, and readiness on the site's Kafka cluster (the
      // watched services are not among the checks: a site that is down is what it reports, not a
      // reason to stop reporting).
      imports: [
        ServiceModule.forRoot({ config, subscriptions: [checkpointsSubscription(config)] }),
      ],
      controllers: [StatusController, CheckpointsConsumer],
      providers: [
        { provide: EMBASSY_SYNC_CONFIG, useValue: config },
        // Read (or, with a key folder, created) once at start: a missing or wrong key file
        // stops the start with its name.
        { provide: CHECKPOINT_KEYS, useFactory: () => loadCheckpointKeys(config.checkpoints.keys) },
        {
          provide: OwnToken,
          // An operator token of its own, for every service's /replication routes.
          useValue: new OwnToken(config.operatorToken, {
            role: 'operator',
            subject: 'embassy-sync',
            issuer: config.auth.issuer,
            audience: config.auth.audience,
          }),
        },
        {
          provide: CheckpointLedger,
          useValue: new CheckpointLedger(config.services.map((service) => service.name)),
        },
        ReplicationMonitor,
        CheckpointPublisher,
        CheckpointVerification,
        CheckpointVerifier,
        SyncStatusService,
        SyncMetrics,
      ],
    };
  }
}
