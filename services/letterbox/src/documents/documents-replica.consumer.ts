import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';

import {
  DOCUMENT_REMOVED_HEADER,
  applyReplicatedDocument,
  parseDocumentKey,
} from '@gov/letterbox-application';
import { ConsumerGroupFactory, joinWhenReady } from '@gov/platform-messaging';
import type { ConsumerGroup, InboundMessage } from '@gov/platform-messaging';

import type { LetterboxConfig } from '../letterbox.config';
import { LETTERBOX_CONFIG } from '../letterbox.providers';
import { DOCUMENT_RECORD_MAX_BYTES } from './documents-topic';

/**
 * On a replica (the embassy): the mirrored documents topic into the content store, each
 * document's hash checked before it is stored. A record whose bytes do not hash to their key is
 * logged as an error and not stored; the letter then counts as missing in
 * `GET /documents/digest`, which the drill compares. The primary runs none: its bytes come from
 * deliveries. It keeps running after a promotion (the old primary is fenced and sends nothing
 * more), so nothing mirrored before is lost.
 */
@Injectable()
export class DocumentsReplicaConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DocumentsReplicaConsumer.name);
  private group: ConsumerGroup | undefined;
  private stopped = false;
  private joining: Promise<void> | undefined;

  constructor(
    private readonly groups: ConsumerGroupFactory,
    private readonly dataSource: DataSource,
    @Inject(LETTERBOX_CONFIG) private readonly config: LetterboxConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.siteRole === 'primary') return;
    const topic = `${this.config.replicationSource}.${this.config.documentsTopic}`;
    this.group = this.groups.create({
      groupId: `${this.config.replicationGroup}.documents`,
      topics: [topic],
      fromBeginning: true,
      maxBytesPerPartition: DOCUMENT_RECORD_MAX_BYTES,
      handler: (message) => this.apply(message),
    });
    // In the background: the mirrored topic may not exist before the first document is
    // mirrored, and the service must start regardless.
    this.joining = joinWhenReady(this.group, {
      stopped: () => this.stopped,
      onRetry: (error) => {
        this.logger.warn(
          { topic, err: error },
          `Documents topic ${topic} not joined yet; retrying`,
        );
      },
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    await this.joining;
    await this.group?.stop();
  }

  private async apply(message: InboundMessage): Promise<void> {
    const document = message.key === null ? null : parseDocumentKey(message.key);
    if (document === null) {
      this.logger.error(
        { offset: message.offset, key: message.key },
        'A document without a SHA-256 (and key id) key: skipped',
      );
      return;
    }
    const { sha256 } = document;
    const removed = message.headers[DOCUMENT_REMOVED_HEADER] === 'true';
    const outcome = await applyReplicatedDocument(
      this.dataSource.manager,
      { ...document, bytes: removed ? null : message.value },
      new Date(),
    );
    if (outcome === 'corrupt') {
      this.logger.error(
        { sha256, offset: message.offset, partition: message.partition },
        `Document ${sha256} arrived with bytes of another hash: not stored`,
      );
    }
  }
}
