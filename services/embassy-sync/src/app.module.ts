import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';

import { AuthModule } from '@gov/platform-auth';
import { READINESS_CHECKS } from '@gov/platform-chassis';
import { MessagingModule } from '@gov/platform-messaging';

import { loadCheckpointKeys } from './checkpoints/checkpoint-keys';
import { CheckpointLedger } from './checkpoints/checkpoint-ledger';
import { CheckpointPublisher } from './checkpoints/checkpoint-publisher.service';
import { CheckpointVerifier } from './checkpoints/checkpoint-verifier.service';
import { CheckpointsConsumer } from './consumers/checkpoints.consumer';
import type { EmbassySyncConfig } from './embassy-sync.config';
import { CHECKPOINT_KEYS, EMBASSY_SYNC_CONFIG } from './embassy-sync.tokens';
import { readinessChecksProvider } from './health/readiness-checks.provider';
import { StatusController } from './http/status.controller';
import { SyncMetrics } from './metrics/sync-metrics.provider';
import { OperatorToken } from './monitor/operator-token';
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
      imports: [
        MessagingModule.forRoot({ clientId: config.serviceName, brokers: config.kafka.brokers }),
        AuthModule.forRoot(config.auth),
      ],
      controllers: [StatusController],
      providers: [
        { provide: EMBASSY_SYNC_CONFIG, useValue: config },
        // Read (or, with a key folder, created) once at start: a missing or wrong key file
        // stops the start with its name.
        { provide: CHECKPOINT_KEYS, useFactory: () => loadCheckpointKeys(config.checkpoints.keys) },
        {
          provide: OperatorToken,
          useValue: new OperatorToken(config.operatorToken, config.auth),
        },
        {
          provide: CheckpointLedger,
          useValue: new CheckpointLedger(config.services.map((service) => service.name)),
        },
        ReplicationMonitor,
        CheckpointPublisher,
        CheckpointsConsumer,
        CheckpointVerifier,
        SyncStatusService,
        SyncMetrics,
        readinessChecksProvider,
      ],
      exports: [READINESS_CHECKS],
    };
  }
}
