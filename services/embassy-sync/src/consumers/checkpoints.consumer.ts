import { Controller, Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';

import { MESSAGE_TRANSPORT } from '@gov/platform-chassis';
import { PermanentMessageError } from '@gov/platform-messaging';
import { RecordContext } from '@gov/platform-service';
import type {
  PlatformEventTransport,
  Subscription,
  SubscriptionState,
} from '@gov/platform-service';

import {
  CheckpointDecodeError,
  decodeCheckpoint,
  signatureProblem,
} from '../checkpoints/checkpoint';
import type { CheckpointVerifierKey } from '../checkpoints/checkpoint';
import type { CheckpointKeySource, EmbassySyncConfig } from '../embassy-sync.config';
import type { CheckpointKeys } from '../checkpoints/checkpoint-keys';
import { CheckpointLedger } from '../checkpoints/checkpoint-ledger';
import { CHECKPOINT_KEYS, EMBASSY_SYNC_CONFIG } from '../embassy-sync.tokens';

/**
 * The verifier's state: `disabled` without a public key or a topic to verify; `starting` while
 * joining the group or while the topic does not exist yet (MirrorMaker 2 creates it); then
 * `running`, and `stopped` on shutdown.
 */
export type CheckpointConsumerState = SubscriptionState['state'];

/** What the checkpoint handler's `@EventPattern` names; the topic is configuration. */
export const CHECKPOINTS_PATTERN = 'platform.checkpoints.mirrored';

/** Whether the key source gives this instance the public key, that is whether it verifies. */
function holdsPublicKey(keys: CheckpointKeySource): boolean {
  return keys.dir !== undefined || keys.publicKeyFile !== undefined;
}

/**
 * The other site's checkpoints, as mirrored into this site's cluster (`CHECKPOINT_SOURCE_TOPIC`):
 * consumed only by an instance that holds the public key. The group starts from the beginning of
 * the topic the first time, then from its committed offsets: after a restart the next checkpoint
 * arrives within one interval anyway. A topic MirrorMaker 2 has not created yet is retried.
 */
export function checkpointsSubscription(config: EmbassySyncConfig): Subscription {
  return {
    pattern: CHECKPOINTS_PATTERN,
    topic: holdsPublicKey(config.checkpoints.keys) ? config.checkpoints.sourceTopic : undefined,
    groupId: config.checkpoints.groupId,
    kind: 'record',
    fromBeginning: true,
  };
}

/**
 * Checks each checkpoint's signature on arrival. A good checkpoint is handed to the ledger,
 * where it waits for this site's log to reach its position (the verifier then compares digests).
 * A bad signature or an unknown key is recorded, raising the alarm, and the record goes to the
 * dead-letter topic as evidence; so does a record that is no checkpoint.
 */
@Controller()
export class CheckpointsConsumer {
  private readonly logger = new Logger('CheckpointsConsumer');

  constructor(
    @Inject(CHECKPOINT_KEYS) private readonly keys: CheckpointKeys,
    @Inject(CheckpointLedger) private readonly ledger: CheckpointLedger,
  ) {}

  @EventPattern(CHECKPOINTS_PATTERN)
  received(@Payload() value: Buffer, @Ctx() context: RecordContext): void {
    const key = this.keys.verifier;
    // The subscription exists only with the public key (see checkpointsSubscription).
    if (!key) throw new Error('checkpoint received without a public key to verify it');
    this.verify(value, context, key);
  }

  private verify(value: Buffer, context: RecordContext, key: CheckpointVerifierKey): void {
    const { topic, partition, offset } = context.message;
    const record = { topic, partition, offset };
    const now = new Date();
    let checkpoint;
    try {
      checkpoint = decodeCheckpoint(value);
    } catch (error) {
      if (!(error instanceof CheckpointDecodeError)) throw error;
      this.ledger.undecodable({ error: error.message, record, at: now });
      this.logger.error(
        `ALARM: undecodable checkpoint record ${topic}/${partition}@${offset}: ${error.message}`,
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

/** Whether and where this instance verifies checkpoints, for the status. */
@Injectable()
export class CheckpointVerification implements OnApplicationBootstrap {
  private readonly logger = new Logger('CheckpointsConsumer');

  constructor(
    @Inject(EMBASSY_SYNC_CONFIG) private readonly config: EmbassySyncConfig,
    @Inject(CHECKPOINT_KEYS) private readonly keys: CheckpointKeys,
    @Inject(MESSAGE_TRANSPORT) private readonly transport: PlatformEventTransport,
  ) {}

  onApplicationBootstrap(): void {
    if (this.keys.verifier && this.config.checkpoints.sourceTopic) return;
    this.logger.log(
      this.keys.verifier
        ? 'no CHECKPOINT_SOURCE_TOPIC: this instance does not verify checkpoints'
        : 'no checkpoint public key: this instance does not verify checkpoints',
    );
  }

  /** The consumer's state, and why it is not running yet if it failed to start. */
  get state(): SubscriptionState {
    return this.transport.state(CHECKPOINTS_PATTERN);
  }

  get sourceTopic(): string | null {
    return this.keys.verifier ? (this.config.checkpoints.sourceTopic ?? null) : null;
  }

  get keyId(): string | null {
    return this.keys.verifier?.keyId ?? null;
  }
}
