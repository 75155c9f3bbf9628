import { toBinary } from '@bufbuild/protobuf';

import { CorrectionNoticeSchema } from '@gov/contracts';
import type { CorrectionNotice } from '@gov/contracts';
import type { OutboundMessage, TopicSpec } from '@gov/platform-messaging';

import { CONTENT_TYPE_HEADER, DEFAULT_FEED_PARTITIONS, EVENT_ID_HEADER } from './feed-topic';

/** The registry's public correction notices (proto/gov/registry/v1/notices.proto). */
export const REGISTRY_CORRECTION_NOTICES_TOPIC = 'registry.correction-notices.v1';

/** The `content-type` header of every record on the notices topic. */
export const CORRECTION_NOTICE_CONTENT_TYPE =
  'application/x-protobuf; proto=gov.registry.v1.CorrectionNotice';

/**
 * The notices topic's configuration, as notices.proto promises it: a notice is a fact to act on,
 * kept forever and never compacted away (`cleanup.policy=delete` with no retention limit).
 */
export const REGISTRY_CORRECTION_NOTICES_TOPIC_CONFIGS: Readonly<Record<string, string>> = {
  'cleanup.policy': 'delete',
  'retention.ms': '-1',
};

/** The {@link TopicSpec} of the notices topic for `KafkaAdmin.ensureTopics`. */
export function registryCorrectionNoticesTopicSpec(
  topic: string = REGISTRY_CORRECTION_NOTICES_TOPIC,
  numPartitions: number = DEFAULT_FEED_PARTITIONS,
  replicationFactor?: number,
): TopicSpec {
  return {
    topic,
    numPartitions,
    ...(replicationFactor === undefined ? {} : { replicationFactor }),
    configs: REGISTRY_CORRECTION_NOTICES_TOPIC_CONFIGS,
  };
}

/**
 * The Kafka record of a notice: key = `record_id` (UTF-8; a person's notices on one partition,
 * in the order the corrections were accepted), value = the binary `CorrectionNotice` without
 * envelope, headers `content-type` and `event-id` (the `CorrectionCommunicated` it comes from).
 */
export function toNoticeMessage(notice: CorrectionNotice, sourceEventId: string): OutboundMessage {
  return {
    key: notice.recordId,
    value: toBinary(CorrectionNoticeSchema, notice),
    headers: {
      [CONTENT_TYPE_HEADER]: CORRECTION_NOTICE_CONTENT_TYPE,
      [EVENT_ID_HEADER]: sourceEventId,
    },
  };
}
