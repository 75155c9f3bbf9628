/**
 * The registry's public change feed, topic `registry.changes.v1`
 * (proto/gov/registry/v1/changes.proto): one `RecordChange` with the complete record per change
 * of a person's or a business's record, derived from the registry's event log by a checkpointed,
 * at-least-once publisher. See README.md.
 *
 * @packageDocumentation
 */
export {
  CONTENT_TYPE_HEADER,
  DEFAULT_FEED_PARTITIONS,
  EVENT_ID_HEADER,
  RECORD_CHANGE_CONTENT_TYPE,
  REGISTRY_CHANGES_TOPIC,
  REGISTRY_CHANGES_TOPIC_CONFIGS,
  registryChangesTopicSpec,
  toFeedMessage,
} from './lib/feed-topic';
export { businessRecordChange, personRecordChange } from './lib/record-change';
export type { ChangePosition } from './lib/record-change';
export { RecordStates, isRecordEventType } from './lib/record-states';
export type { BatchChanges, SkippedEvent, SourcedChange } from './lib/record-states';
export { RecordChangePublisher } from './lib/record-change-publisher';
export type { FeedPublisher, RecordChangePublisherOptions } from './lib/record-change-publisher';
export { RegistryFeedModule, RegistryFeedService } from './lib/registry-feed.module';
export type {
  RegistryFeedModuleAsyncOptions,
  RegistryFeedModuleOptions,
} from './lib/registry-feed.options';
