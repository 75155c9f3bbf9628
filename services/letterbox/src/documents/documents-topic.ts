import type { TopicSpec } from '@gov/platform-messaging';

/**
 * Largest record of the documents topic: a 10 MiB document with its key and headers. The
 * broker's default (`message.max.bytes`, 1 MiB) would refuse one; MirrorMaker 2's producer
 * needs the same raised `max.request.size` (see `tools/scripts/lib/local-platform.ts`).
 */
export const DOCUMENT_RECORD_MAX_BYTES = 11 * 1024 * 1024;

/**
 * The documents topic: compacted (the latest record per SHA-256 is the document, or its
 * removal), kept without a time limit, records up to {@link DOCUMENT_RECORD_MAX_BYTES}.
 */
export function documentsTopicSpec(topic: string): TopicSpec {
  return {
    topic,
    numPartitions: 3,
    configs: {
      'cleanup.policy': 'compact',
      'retention.ms': '-1',
      'max.message.bytes': String(DOCUMENT_RECORD_MAX_BYTES),
    },
  };
}
