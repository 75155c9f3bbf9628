import { Inject, Injectable, Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';

import { SUBJECT_KEY_STORE } from '@gov/platform-data-protection';
import type { SubjectKeyStore } from '@gov/platform-data-protection';
import type { RelayModuleAsyncOptions } from '@gov/platform-event-sourcing';
import {
  PostgresEventStore,
  RelayHost,
  nestRelayLogger,
  relayModule,
} from '@gov/platform-event-sourcing';
import { EventPublisher, KafkaAdmin } from '@gov/platform-messaging';

import { CorrectionNoticePublisher } from './correction-notice-publisher';
import type { CorrectionNoticePublisherOptions } from './correction-notice-publisher';
import {
  REGISTRY_CORRECTION_NOTICES_TOPIC,
  registryCorrectionNoticesTopicSpec,
} from './correction-notice-topic';

/** Configuration of {@link CorrectionNoticesModule}: the publisher's options without its parts. */
export interface CorrectionNoticesModuleOptions extends Omit<
  CorrectionNoticePublisherOptions,
  'store' | 'keyStore' | 'publisher' | 'logger'
> {
  /**
   * Create the notices topic at start-up if it is missing, as notices.proto states (existing
   * topics are left as they are). On by default; turn it off where the platform provisions
   * topics.
   */
  readonly ensureTopic?: boolean;
  /** Partitions of the topic when it is created; 6 by default. */
  readonly numPartitions?: number;
  /** Replication factor of the topic when it is created; the broker default if omitted. */
  readonly replicationFactor?: number;
}

/** Configuration of {@link CorrectionNoticesModule.forRootAsync}. */
export type CorrectionNoticesModuleAsyncOptions =
  RelayModuleAsyncOptions<CorrectionNoticesModuleOptions>;

/** Injection token of the resolved {@link CorrectionNoticesModuleOptions}; internal. */
export const CORRECTION_NOTICES_OPTIONS = Symbol('CORRECTION_NOTICES_OPTIONS');

/**
 * Runs the registry's {@link CorrectionNoticePublisher} with the application, as
 * `RegistryFeedService` runs the change feed: the topic is ensured and publishing starts once
 * the application has bootstrapped; it stops first on shutdown.
 */
@Injectable()
export class CorrectionNoticesService extends RelayHost<CorrectionNoticePublisher> {
  constructor(
    @Inject(CORRECTION_NOTICES_OPTIONS) options: CorrectionNoticesModuleOptions,
    store: PostgresEventStore,
    publisher: EventPublisher,
    admin: KafkaAdmin,
    @Inject(SUBJECT_KEY_STORE) keyStore: SubjectKeyStore,
  ) {
    const { ensureTopic = true, numPartitions, replicationFactor, ...publisherOptions } = options;
    super(
      new CorrectionNoticePublisher({
        ...publisherOptions,
        store,
        keyStore,
        publisher,
        logger: nestRelayLogger('RegistryCorrectionNotices'),
      }),
      admin,
      ensureTopic
        ? registryCorrectionNoticesTopicSpec(
            options.topic ?? REGISTRY_CORRECTION_NOTICES_TOPIC,
            numPartitions,
            replicationFactor,
          )
        : undefined,
    );
  }

  /** The publisher (its `role`, `publishedPosition`, `notify()`). */
  get publisher(): CorrectionNoticePublisher {
    return this.hosted;
  }
}

/**
 * The registry's public correction notices (`registry.correction-notices.v1`) for a Nest
 * application. Needs the global `EventSourcingModule` (the registry's `PostgresEventStore`) and
 * `MessagingModule` (`EventPublisher`, `KafkaAdmin`) in the application.
 */
@Module({})
export class CorrectionNoticesModule {
  /** Configures the notices with options known up front (all optional). */
  static forRoot(options: CorrectionNoticesModuleOptions = {}): DynamicModule {
    return relayModule(
      CorrectionNoticesModule,
      CorrectionNoticesService,
      CORRECTION_NOTICES_OPTIONS,
      { useValue: options },
    );
  }

  /** Configures the notices with options computed from other providers (the configuration). */
  static forRootAsync(options: CorrectionNoticesModuleAsyncOptions): DynamicModule {
    return relayModule(
      CorrectionNoticesModule,
      CorrectionNoticesService,
      CORRECTION_NOTICES_OPTIONS,
      options,
    );
  }
}
