import { toBinary } from '@bufbuild/protobuf';

import { RecordChangeSchema } from '@gov/contracts';
import type { RecordChange } from '@gov/contracts';
import type { OutboundMessage, TopicSpec } from '@gov/platform-messaging';

/** The registry's public change feed (proto/gov/registry/v1/changes.proto). */
export const REGISTRY_CHANGES_TOPIC = 'registry.changes.v1';

/** The `content-type` header of every record on the feed. */
export const RECORD_CHANGE_CONTENT_TYPE =
  'application/x-protobuf; proto=gov.registry.v1.RecordChange';

/** Header naming the value's format. */
export const CONTENT_TYPE_HEADER = 'content-type';

/**
 * Header carrying the id of the registry event the change comes from. The contract keeps
 * internal ids out of the message itself; the header is for operators tracing a change back to
 * the log (and lets a subscriber's tooling spot a re-published duplicate without decoding).
 */
export const EVENT_ID_HEADER = 'event-id';

/**
 * Seven days, in milliseconds, as changes.proto states for the compaction lag. The feed sends no
 * tombstones today; delete.retention.ms is set as well so that, should withdrawal come, a
 * tombstone is kept as long as a change.
 */
const SEVEN_DAYS_MS = String(7 * 24 * 60 * 60 * 1000);

/**
 * The feed topic's configuration, as changes.proto promises it to subscribers: log-compacted,
 * never deleted by age, and every change kept at least 7 days before compaction
 * may remove it, so a subscriber that keeps up within 7 days sees every single change.
 */
export const REGISTRY_CHANGES_TOPIC_CONFIGS: Readonly<Record<string, string>> = {
  'cleanup.policy': 'compact',
  'retention.ms': '-1',
  'min.compaction.lag.ms': SEVEN_DAYS_MS,
  'delete.retention.ms': SEVEN_DAYS_MS,
};

/** Default partition count of the feed topic (fixed once created: keys would move). */
export const DEFAULT_FEED_PARTITIONS = 6;

/** The {@link TopicSpec} of the feed topic for `KafkaAdmin.ensureTopics`. */
export function registryChangesTopicSpec(
  topic: string = REGISTRY_CHANGES_TOPIC,
  numPartitions: number = DEFAULT_FEED_PARTITIONS,
  replicationFactor?: number,
): TopicSpec {
  return {
    topic,
    numPartitions,
    ...(replicationFactor === undefined ? {} : { replicationFactor }),
    configs: REGISTRY_CHANGES_TOPIC_CONFIGS,
  };
}

/**
 * The Kafka record of a change: key = `record_id` (UTF-8; all changes of a record on one
 * partition, in order), value = the binary `RecordChange` without envelope, headers
 * `content-type` and `event-id` (the source event).
 */
/**
 * The tombstone of an erased person's record: its key with a null value, so that compaction
 * removes every earlier snapshot of the record from the topic and a subscriber deletes its copy.
 */
export function toTombstone(recordId: string, sourceEventId: string): OutboundMessage {
  return { key: recordId, value: null, headers: { [EVENT_ID_HEADER]: sourceEventId } };
}

export function toFeedMessage(change: RecordChange, sourceEventId: string): OutboundMessage {
  return {
    key: change.recordId,
    value: toBinary(RecordChangeSchema, change),
    headers: {
      [CONTENT_TYPE_HEADER]: RECORD_CHANGE_CONTENT_TYPE,
      [EVENT_ID_HEADER]: sourceEventId,
    },
  };
}
