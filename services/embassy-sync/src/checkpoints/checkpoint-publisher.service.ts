import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';

import { EventPublisher, KafkaAdmin } from '@gov/platform-messaging';

import type { EmbassySyncConfig } from '../embassy-sync.config';
import { CHECKPOINT_KEYS, EMBASSY_SYNC_CONFIG } from '../embassy-sync.tokens';
import { ReplicationMonitor } from '../monitor/replication-monitor.service';
import { encodeCheckpoint, signCheckpoint } from './checkpoint';
import type { CheckpointSigner } from './checkpoint';
import type { CheckpointKeys } from './checkpoint-keys';
import { CheckpointLedger } from './checkpoint-ledger';

/**
 * The checkpoint topic keeps every checkpoint forever, in one partition: it is small (one record
 * per service and interval at most) and an auditor reads it from the start.
 */
const CHECKPOINT_TOPIC_SPEC = {
  numPartitions: 1,
  configs: { 'retention.ms': '-1', 'cleanup.policy': 'delete' },
};

/**
 * Signs checkpoints where this site writes: every `CHECKPOINT_INTERVAL_MS`, for each watched
 * service whose role on this site is primary (or fenced: its log is final, the embassy drains
 * it), takes the head from the monitor's last poll and asks the service for its digest there, signs `{service, position, digest, signedAt}`, and
 * publishes it to `CHECKPOINT_TOPIC` on this site's cluster, keyed by service. A head that has
 * not moved since the last checkpoint is not signed again. Runs only with the private key.
 */
@Injectable()
export class CheckpointPublisher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('CheckpointPublisher');
  private readonly signer: CheckpointSigner | undefined;
  private readonly lastPosition = new Map<string, bigint>();
  private readonly lastError = new Map<string, string>();
  private topicReady = false;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private stopped = false;

  constructor(
    @Inject(EMBASSY_SYNC_CONFIG) private readonly config: EmbassySyncConfig,
    @Inject(CHECKPOINT_KEYS) keys: CheckpointKeys,
    private readonly monitor: ReplicationMonitor,
    private readonly publisher: EventPublisher,
    private readonly admin: KafkaAdmin,
    private readonly ledger: CheckpointLedger,
  ) {
    this.signer = keys.signer;
  }

  get enabled(): boolean {
    return this.signer !== undefined;
  }

  get keyId(): string | null {
    return this.signer?.keyId ?? null;
  }

  onApplicationBootstrap(): void {
    if (!this.signer) {
      this.logger.log('no checkpoint private key: this instance does not sign checkpoints');
      return;
    }
    this.logger.log(
      `signing checkpoints of the services primary on this site with ${this.signer.keyId} every ${this.config.checkpoints.intervalMs} ms to ${this.config.checkpoints.topic}`,
    );
    this.schedule(0);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.round;
  }

  /** One round over the watched services (the loop, and tests). */
  async signRound(): Promise<void> {
    const signer = this.signer;
    if (!signer) return;
    for (const { name } of this.config.services) {
      try {
        await this.signService(name, signer);
        this.lastError.delete(name);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (this.lastError.get(name) !== message) {
          this.logger.warn(`could not publish a checkpoint of ${name}: ${message}`);
        }
        this.lastError.set(name, message);
      }
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.round = this.signRound().finally(() => {
        this.round = undefined;
        this.schedule(this.config.checkpoints.intervalMs);
      });
    }, delayMs);
  }

  private async signService(service: string, signer: CheckpointSigner): Promise<void> {
    const client = this.monitor.client(service, this.config.siteRole);
    // The monitor's last poll of this site, at most one poll interval old: a site that did not
    // answer is the monitor's to report; there is nothing to sign.
    const local = this.monitor.snapshot().find((view) => view.service.name === service)?.[
      this.config.siteRole
    ];
    if (!client || !local?.up || !local.status) return;
    const { role, head } = local.status;
    if (role === 'replica' || head === 0n || this.lastPosition.get(service) === head) return;
    // The head is gapless: the log up to it never changes on this site, so the digest asked for
    // next is that of the same log, however many events arrive meanwhile.
    const digest = await client.digest(head);
    if (!digest.ok) throw new Error(`digest unavailable: ${digest.error}`);
    if (digest.value.kind !== 'digest') throw new Error(`the log no longer reaches ${head}`);
    const checkpoint = signCheckpoint(
      {
        service,
        position: head.toString(),
        digest: digest.value.digest,
        signedAt: new Date().toISOString(),
      },
      signer,
    );
    if (!this.topicReady) {
      await this.admin.ensureTopics([
        { topic: this.config.checkpoints.topic, ...CHECKPOINT_TOPIC_SPEC },
      ]);
      this.topicReady = true;
    }
    await this.publisher.publish(this.config.checkpoints.topic, [
      {
        key: service,
        value: encodeCheckpoint(checkpoint),
        headers: { 'content-type': 'application/json' },
      },
    ]);
    this.lastPosition.set(service, head);
    this.ledger.signed(checkpoint.payload, new Date());
    this.logger.debug(`signed ${service} at ${head}: ${digest.value.digest}`);
  }
}
