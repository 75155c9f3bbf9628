import { Inject, Injectable, Logger, Module } from '@nestjs/common';
import type { DynamicModule, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';

import { SUBJECT_KEY_STORE } from '@gov/platform-data-protection';
import type { SubjectKeyStore } from '@gov/platform-data-protection';
import { PostgresEventStore, nestRelayLogger } from '@gov/platform-event-sourcing';
import { EventPublisher, KafkaAdmin } from '@gov/platform-messaging';

import { AgencyFeedsPublisher, agencyFeedTopic } from './agency-feed-publisher';
import type { AgencyFeedsPublisherOptions } from './agency-feed-publisher';
import { registryChangesTopicSpec } from './feed-topic';

/** Configuration of {@link AgencyFeedsModule}. */
export interface AgencyFeedsModuleOptions extends Omit<
  AgencyFeedsPublisherOptions,
  'store' | 'publisher' | 'logger' | 'keyStore' | 'feeds'
> {
  /**
   * The organisations that get a feed: the `feeds` of the legal-basis catalogue. One publisher
   * serves them all, each to `registry.changes.<organisation id>.v1`.
   */
  readonly organisations: readonly string[];
  /**
   * Create each feed topic at start-up if it is missing, compacted like `registry.changes.v1`
   * (existing topics are left as they are). On by default; turn it off where the platform
   * provisions the topics (Strimzi `KafkaTopic`).
   */
  readonly ensureTopic?: boolean;
  /** Partitions of a topic when it is created; 6 by default. */
  readonly numPartitions?: number;
  /** Replication factor of a topic when it is created; the broker default if omitted. */
  readonly replicationFactor?: number;
}

/** Injection token of the resolved {@link AgencyFeedsModuleOptions}; internal. */
const AGENCY_FEEDS_OPTIONS = Symbol('AGENCY_FEEDS_OPTIONS');

/**
 * Runs the {@link AgencyFeedsPublisher} of the organisations with the application (none without
 * an organisation): the topics are ensured and publishing starts once the application has
 * bootstrapped; it stops first on shutdown, finishing its batch in flight.
 */
@Injectable()
export class AgencyFeedsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly organisations: readonly string[];
  private readonly relay: AgencyFeedsPublisher | undefined;
  private readonly logger = new Logger('AgencyFeeds');
  private readonly topics: Pick<
    AgencyFeedsModuleOptions,
    'ensureTopic' | 'numPartitions' | 'replicationFactor'
  >;

  constructor(
    @Inject(AGENCY_FEEDS_OPTIONS) options: AgencyFeedsModuleOptions,
    store: PostgresEventStore,
    publisher: EventPublisher,
    private readonly admin: KafkaAdmin,
    @Inject(SUBJECT_KEY_STORE) keyStore: SubjectKeyStore,
  ) {
    const { organisations, ensureTopic, numPartitions, replicationFactor, ...publisherOptions } =
      options;
    this.topics = { ensureTopic: ensureTopic ?? true, numPartitions, replicationFactor };
    this.organisations = organisations;
    this.relay =
      organisations.length === 0
        ? undefined
        : new AgencyFeedsPublisher({
            ...publisherOptions,
            feeds: organisations.map((organisationId) => ({ organisationId })),
            store,
            publisher,
            keyStore,
            logger: nestRelayLogger('AgencyFeeds'),
          });
  }

  /** The running publisher (`role`, `publishedPosition`, `notify()`), if any feed is configured. */
  get publisher(): AgencyFeedsPublisher | undefined {
    return this.relay;
  }

  async onApplicationBootstrap(): Promise<void> {
    const { ensureTopic, numPartitions, replicationFactor } = this.topics;
    if (ensureTopic && this.organisations.length > 0) {
      await this.admin.ensureTopics(
        this.organisations.map((organisationId) =>
          registryChangesTopicSpec(
            agencyFeedTopic(organisationId),
            numPartitions,
            replicationFactor,
          ),
        ),
      );
    }
    this.relay?.start();
    this.logger.log(
      `agency feeds: ${this.organisations.map(agencyFeedTopic).join(', ') || 'none'}`,
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.relay?.stop();
  }
}

/**
 * The registry's agency feeds (`registry.changes.<organisation id>.v1`) for a Nest
 * application. Needs the global `EventSourcingModule` (the registry's `PostgresEventStore`),
 * `MessagingModule` (`EventPublisher`, `KafkaAdmin`) and the subject keys (`SUBJECT_KEY_STORE`).
 */
@Module({})
export class AgencyFeedsModule {
  static forRoot(options: AgencyFeedsModuleOptions): DynamicModule {
    return {
      module: AgencyFeedsModule,
      providers: [{ provide: AGENCY_FEEDS_OPTIONS, useValue: options }, AgencyFeedsService],
      exports: [AgencyFeedsService],
    };
  }
}
