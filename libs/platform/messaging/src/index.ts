/**
 * Kafka for the platform's services; the only place that talks to the Kafka client library.
 * Nothing exported here mentions the client's types.
 */
export { MessagingModule } from './lib/messaging.module';
export type {
  MessagingLogLevel,
  MessagingModuleAsyncOptions,
  MessagingModuleOptions,
} from './lib/messaging.options';
export { EventPublisher } from './lib/event-publisher.service';
export type { OutboundMessage } from './lib/event-publisher.service';
export { ConsumerGroupFactory } from './lib/consumer-group.factory';
export type {
  ConsumerGroup,
  ConsumerGroupOptions,
  FailureDecision,
  HandlerErrorPolicy,
  HandlerFailure,
  InboundMessage,
  BatchHandler,
  BatchInfo,
  MessageHandler,
} from './lib/consumer-group';
export {
  DEAD_LETTER_HEADERS,
  DEAD_LETTER_SUFFIX,
  DependencyUnavailableError,
  isDependencyUnavailable,
  PermanentMessageError,
  retryThenDeadLetter,
} from './lib/dead-letter';
export type { PermanentFailureReason, RetryThenDeadLetterOptions } from './lib/dead-letter';
export { joinWhenReady } from './lib/join-when-ready';
export type { JoinWhenReadyOptions } from './lib/join-when-ready';
export { KafkaAdmin } from './lib/kafka-admin.service';
export type { TopicSpec } from './lib/kafka-admin.service';
export { MessagingError } from './lib/messaging-error';
export type { MessagingErrorContext, MessagingErrorKind } from './lib/messaging-error';
export { KafkaClusterAdmin } from './lib/kafka-cluster-admin';
export type {
  KafkaAclBinding,
  KafkaAclOperationName,
  KafkaAclResourceType,
  KafkaBrokerAddress,
} from './lib/kafka-cluster-admin';
