import { Inject, Injectable, Logger } from '@nestjs/common';
import type { FactoryProvider, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';

import { AuditLog, TreeHeadSigner } from '@gov/audit-application';
import { PG_POOL } from '@gov/platform-chassis';

import type { AuditConfig } from './audit.config';

/** Injection token of the {@link AuditConfig}. */
export const AUDIT_CONFIG = Symbol('AUDIT_CONFIG');

/** The tree head signer, from the configured key file (created first where configured so). */
export const treeHeadSignerProvider: FactoryProvider<Promise<TreeHeadSigner>> = {
  provide: TreeHeadSigner,
  useFactory: (config: AuditConfig) =>
    TreeHeadSigner.fromFile(config.treeHeads.keyFile, config.treeHeads.createKey),
  inject: [AUDIT_CONFIG],
};

export const auditLogProvider: FactoryProvider<AuditLog> = {
  provide: AuditLog,
  useFactory: (pool: Pool, dataSource: DataSource, signer: TreeHeadSigner) =>
    new AuditLog(pool, dataSource, signer),
  inject: [PG_POOL, DataSource, TreeHeadSigner],
};

/**
 * Publishes a signed tree head every `AUDIT_TREE_HEAD_INTERVAL_MS` when the tree grew, on every
 * site: a replica's tree is a prefix of the primary's (same leaves, same key), so what it signs
 * is consistent with what the primary signs, and its citizens get proofs from it.
 */
@Injectable()
export class TreeHeadPublisher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('TreeHeads');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private failing = false;

  constructor(
    private readonly log: AuditLog,
    @Inject(AUDIT_CONFIG) private readonly config: AuditConfig,
  ) {}

  onApplicationBootstrap(): void {
    const every = this.config.treeHeads.intervalMs;
    if (every === 0) return;
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.publish());
    }, every);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async publish(): Promise<void> {
    try {
      const head = await this.log.publish({ onlyIfGrown: true });
      if (head) this.logger.debug(`signed the tree head of ${head.tree_size} entries`);
      if (this.failing) this.logger.log('publishing tree heads works again');
      this.failing = false;
    } catch (error) {
      if (!this.failing) {
        this.logger.warn(
          `publishing a tree head failed (retried on the next tick): ${String(error)}`,
        );
      }
      this.failing = true;
    }
  }
}
