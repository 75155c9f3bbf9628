import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap } from '@nestjs/common';

import {
  DOCUMENT_REMOVED_HEADER,
  DocumentRelay,
  PgLetterStore,
  documentKeyOf,
} from '@gov/letterbox-application';
import { EventPublisher, KafkaAdmin } from '@gov/platform-messaging';

import type { LetterboxConfig } from '../letterbox.config';
import { LETTERBOX_CONFIG } from '../letterbox.providers';
import { documentsTopicSpec } from './documents-topic';

/**
 * The document relay as a kit reactor (the writable site only): the documents the outbox names
 * go to the documents topic, keyed by SHA-256 (and key id for a person's, sealed under their
 * key as stored), so that MirrorMaker 2 carries the bytes to the embassy. The topic is ensured at start on every site (a promoted embassy publishes to its
 * own).
 */
@Injectable()
export class DocumentRelayReactor implements OnApplicationBootstrap {
  private readonly relay: DocumentRelay;

  constructor(
    store: PgLetterStore,
    publisher: EventPublisher,
    private readonly admin: KafkaAdmin,
    @Inject(LETTERBOX_CONFIG) private readonly config: LetterboxConfig,
  ) {
    this.relay = new DocumentRelay(store, {
      publish: (records) =>
        publisher.publish(
          config.documentsTopic,
          records.map((record) =>
            record.bytes === null
              ? {
                  key: documentKeyOf(record),
                  value: Buffer.alloc(0),
                  headers: { [DOCUMENT_REMOVED_HEADER]: 'true' },
                }
              : { key: documentKeyOf(record), value: record.bytes },
          ),
        ),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.admin.ensureTopics([documentsTopicSpec(this.config.documentsTopic)]);
  }

  runOnce(): Promise<number> {
    return this.relay.runOnce();
  }
}
