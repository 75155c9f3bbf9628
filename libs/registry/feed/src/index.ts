/**
 * The registry's public topics, each derived from the registry's event log by a checkpointed,
 * at-least-once publisher: the change feed, `registry.changes.v1`
 * (proto/gov/registry/v1/changes.proto), one `RecordChange` with the complete record per change
 * of a person's or a business's record; and the correction notices,
 * `registry.correction-notices.v1` (proto/gov/registry/v1/notices.proto). See README.md.
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
export { RECORD_EVENT_TYPES, RecordStates, isRecordEventType } from './lib/record-states';
export type { BatchChanges, SkippedEvent, SourcedChange } from './lib/record-states';
export { RecordChangePublisher } from './lib/record-change-publisher';
export type { FeedPublisher, RecordChangePublisherOptions } from './lib/record-change-publisher';
export { RegistryFeedModule, RegistryFeedService } from './lib/registry-feed.module';

// The agency feeds, topic `registry.changes.<organisation id>.v1` per organisation the
// legal-basis catalogue gives a feed: the same changes cut to the organisation's basis, re-cut
// where the log records a new cut (changes.proto, "AGENCY FEEDS").
export { agencyView, cutForAgency, registerSource, viewCovers, viewFields } from './lib/agency-cut';
export {
  AGENCY_FEEDS_RELAY,
  AgencyFeedsPublisher,
  agencyFeedTopic,
} from './lib/agency-feed-publisher';
export type {
  AgencyDelivery,
  AgencyFeed,
  AgencyFeedRecord,
  AgencyFeedsPublisherOptions,
} from './lib/agency-feed-publisher';
export { AgencyFeedsModule, AgencyFeedsService } from './lib/agency-feeds.module';
export type { AgencyFeedsModuleOptions } from './lib/agency-feeds.module';
export type {
  RegistryFeedModuleAsyncOptions,
  RegistryFeedModuleOptions,
} from './lib/registry-feed.options';

// The public correction notices, topic `registry.correction-notices.v1`
// (proto/gov/registry/v1/notices.proto): one `CorrectionNotice` per recipient of each
// `CorrectionCommunicated` in the log (GDPR Art. 19).
export {
  CORRECTION_NOTICE_CONTENT_TYPE,
  REGISTRY_CORRECTION_NOTICES_TOPIC,
  REGISTRY_CORRECTION_NOTICES_TOPIC_CONFIGS,
  registryCorrectionNoticesTopicSpec,
  toNoticeMessage,
} from './lib/correction-notice-topic';
export { correctionNotices, isCommunicationEventType, noticesOf } from './lib/correction-notices';
export type { SourcedNotice } from './lib/correction-notices';
export { CorrectionNoticePublisher } from './lib/correction-notice-publisher';
export type { CorrectionNoticePublisherOptions } from './lib/correction-notice-publisher';
export { CorrectionNoticesModule, CorrectionNoticesService } from './lib/correction-notices.module';
export type {
  CorrectionNoticesModuleAsyncOptions,
  CorrectionNoticesModuleOptions,
} from './lib/correction-notices.module';
