import { Injectable } from '@nestjs/common';
import type { OnModuleInit } from '@nestjs/common';

import { metricsRegistry } from '@gov/platform-observability';

import { SyncStatusService } from '../status/sync-status.service';
import { exposeFamilies } from './prometheus';
import { syncMetrics } from './sync-metrics';

/**
 * Puts the replication figures on the process's metrics registry, which the chassis serves at
 * `GET /metrics` (unauthenticated, like every service's: the figures name services, positions
 * and digests, never personal data; only the monitoring namespace reaches it).
 */
@Injectable()
export class SyncMetrics implements OnModuleInit {
  constructor(private readonly status: SyncStatusService) {}

  onModuleInit(): void {
    exposeFamilies(metricsRegistry, () => syncMetrics(this.status.status()));
  }
}
