import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';

import {
  ConsumerGroupFactory,
  PermanentMessageError,
  retryThenDeadLetter,
} from '@gov/platform-messaging';
import type { ConsumerGroup, InboundMessage } from '@gov/platform-messaging';

import {
  CheckpointDecodeError,
  decodeCheckpoint,
  signatureProblem,
} from '../checkpoints/checkpoint';
import type { CheckpointVerifierKey } from '../checkpoints/checkpoint';
import type { CheckpointKeys } from '../checkpoints/checkpoint-keys';
import { CheckpointLedger } from '../checkpoints/checkpoint-ledger';
import type { EmbassySyncConfig } from '../embassy-sync.config';
import { CHECKPOINT_KEYS, EMBASSY_SYNC_CONFIG } from '../embassy-sync.tokens';

/** The consumer's state, for the status. */
export type CheckpointConsumerState =
  /** No public key, or no topic to verify on this site. */
  | 'disabled'
  /** Joining the group; or the topic is not there yet (MirrorMaker 2 creates it), retrying. */
  | 'starting'
  | 'running'
  | 'stopped';

const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 15_000;

/**
 * Reads the other site's signed checkpoints, as mirrored into this site's cluster
 * (`CHECKPOINT_SOURCE_TOPIC`), and checks each signature on arrival. A good checkpoint is handed
 * to the ledger, where it waits for this site's log to reach its position (the verifier then
 * compares digests). A bad signature or an unknown key is recorded, raising the alarm, and the
 * record goes to the dead-letter topic as evidence; so does a record that is no checkpoint.
 *
 * The group starts from the beginning of the topic the first time, then from its committed
 * offsets: after a restart the next checkpoint arrives within one interval anyway.
 */
@Injectable()
export class CheckpointsConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('CheckpointsConsumer');
  private readonly key: CheckpointVerifierKey | undefined;
  private readonly topic: string | undefined;
  private group: ConsumerGroup | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private current: CheckpointConsumerState;
  private startError: string | null = null;

  constructor(
    @Inject(EMBASSY_SYNC_CONFIG) private readonly config: EmbassySyncConfig,
    @Inject(CHECKPOINT_KEYS) keys: CheckpointKeys,
    private readonly groups: ConsumerGroupFactory,
    private readonly ledger: CheckpointLedger,
  ) {
    this.key = keys.verifier;
    this.topic = config.checkpoints.sourceTopic;
    this.current = this.key && this.topic ? 'starting' : 'disabled';
  }

  /** The consumer's state, and why it is not running yet if it failed to start. */
  get state(): { readonly state: CheckpointConsumerState; readonly error: string | null } {
    return { state: this.current, error: this.startError };
  }

  get sourceTopic(): string | null {
    return this.key ? (this.topic ?? null) : null;
  }

  get keyId(): string | null {
    return this.key?.keyId ?? null;
  }

  onApplicationBootstrap(): void {
    const key = this.key;
    const topic = this.topic;
    if (!key || !topic) {
      this.logger.log(
        key
          ? 'no CHECKPOINT_SOURCE_TOPIC: this instance does not verify checkpoints'
          : 'no checkpoint public key: this instance does not verify checkpoints',
      );
      return;
    }
    this.group = this.groups.create({
      groupId: this.config.checkpoints.groupId,
      topics: [topic],
      fromBeginning: true,
      // A thrown refusal becomes a rejected promise, which the error policy dead-letters.
      handler: (message) =>
        Promise.resolve().then(() => {
          this.handle(message, key);
        }),
      onError: retryThenDeadLetter(),
    });
    void this.start(FIRST_RETRY_MS);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.retryTimer);
    await this.group?.stop();
    if (this.current !== 'disabled') this.current = 'stopped';
  }

  /** Joins the group; a missing topic or an unreachable cluster is retried, never fatal. */
  private async start(nextDelayMs: number): Promise<void> {
    const group = this.group;
    if (!group || this.stopping) return;
    try {
      await group.start();
      if (this.isStopping()) return;
      this.current = 'running';
      this.startError = null;
      this.logger.log(`verifying checkpoints from ${this.topic ?? '?'} with ${this.keyId ?? '?'}`);
    } catch (error) {
      if (this.isStopping()) return;
      const message = error instanceof Error ? error.message : String(error);
      if (this.startError !== message) {
        this.logger.warn(
          `cannot consume ${this.topic ?? '?'} yet (retrying; MirrorMaker 2 creates it with the first checkpoint): ${message}`,
        );
      }
      this.startError = message;
      this.retryTimer = setTimeout(() => {
        void this.start(Math.min(nextDelayMs * 2, MAX_RETRY_MS));
      }, nextDelayMs);
    }
  }

  /** A method, not the field: the shutdown may set it while `start` awaits. */
  private isStopping(): boolean {
    return this.stopping;
  }

  private handle(message: InboundMessage, key: CheckpointVerifierKey): void {
    const record = { topic: message.topic, partition: message.partition, offset: message.offset };
    const now = new Date();
    let checkpoint;
    try {
      checkpoint = decodeCheckpoint(message.value);
    } catch (error) {
      if (!(error instanceof CheckpointDecodeError)) throw error;
      this.ledger.undecodable({ error: error.message, record, at: now });
      this.logger.error(
        `ALARM: undecodable checkpoint record ${record.topic}/${record.partition}@${record.offset}: ${error.message}`,
      );
      throw new PermanentMessageError('undecodable', error.message);
    }
    const problem = signatureProblem(checkpoint, key);
    if (problem !== undefined) {
      this.ledger.refused({ problem, checkpoint, record, at: now });
      const { service, position, digest } = checkpoint.payload;
      this.logger.error(
        `ALARM: checkpoint of ${service} at ${position} (${digest}) refused: ${problem === 'unknown-key' ? `signed by ${checkpoint.keyId}, not ${key.keyId}` : `the signature does not verify with ${key.keyId}`}`,
      );
      throw new PermanentMessageError('rejected', `${problem}: key ${checkpoint.keyId}`);
    }
    if (!this.ledger.received(checkpoint, now)) {
      this.logger.debug(`checkpoint of unwatched service ${checkpoint.payload.service} ignored`);
    }
  }
}
