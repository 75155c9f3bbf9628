import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';

import {
  AUDIT_APP_SCHEMA,
  AUDIT_ENTITIES,
  AUDIT_EVENT_STORE_SCHEMA,
  AUDIT_MIGRATIONS,
  auditTreeProjection,
  feedTopicOf,
} from '@gov/audit-application';
import { loadLegalBasisCatalogue } from '@gov/platform-legal-bases';
import { EventSourcedServiceModule } from '@gov/platform-service';

import type { AuditConfig } from './audit.config';
import {
  AUDIT_CONFIG,
  TreeHeadPublisher,
  auditLogProvider,
  treeHeadSignerProvider,
} from './audit.providers';
import {
  AccessSourcesConsumer,
  CONSENT_EVENTS,
  LETTERBOX_EVENTS,
  REGISTRY_EVENTS,
} from './consumers/access-sources.consumer';
import { AGENCY_FEEDS, AgencyFeedsConsumer } from './consumers/agency-feeds.consumer';
import type { AgencyFeedsOptions } from './consumers/agency-feeds.consumer';
import { AccessLogController } from './http/access-log.controller';
import { JwksController, TreeController } from './http/tree.controller';

/**
 * The audit service's root module: its consumers of the sources (registry, consent, letterbox)
 * and of the agencies' change feeds, the tree projection, signed tree heads, and the proof,
 * export and access-log routes. The kit gives it its store, relay, replication (its log replays
 * on the embassy, where the consumers hold until promotion), idempotency and readiness.
 */
@Module({})
export class AppModule {
  static forRoot(config: AuditConfig): DynamicModule {
    // Read once at start: a catalogue that cannot be read stops the service, naming the entry.
    const catalogue = loadLegalBasisCatalogue(config.legalBasesFile);
    const feeds: AgencyFeedsOptions = {
      feeds: catalogue.feeds.map(({ organisationId }) => ({
        organisationId,
        topic: feedTopicOf(organisationId, config.feeds.topicTemplate),
      })),
      groupId: 'audit.agency-feeds',
      catalogue,
    };
    return {
      module: AppModule,
      imports: [
        EventSourcedServiceModule.forRoot({
          config,
          eventStoreSchema: AUDIT_EVENT_STORE_SCHEMA,
          ownSchema: AUDIT_APP_SCHEMA,
          ownEntities: AUDIT_ENTITIES,
          ownMigrations: AUDIT_MIGRATIONS,
          projections: [auditTreeProjection()],
          subscriptions: [
            {
              pattern: REGISTRY_EVENTS,
              topic: config.sources.registryTopic,
              groupId: 'audit.registry-accesses',
              kind: 'envelope',
            },
            {
              pattern: CONSENT_EVENTS,
              topic: config.sources.consentTopic,
              groupId: 'audit.consent-permits',
              kind: 'envelope',
            },
            {
              pattern: LETTERBOX_EVENTS,
              topic: config.sources.letterboxTopic,
              groupId: 'audit.letter-reads',
              kind: 'envelope',
            },
          ],
        }),
      ],
      controllers: [AccessSourcesConsumer, TreeController, JwksController, AccessLogController],
      providers: [
        { provide: AUDIT_CONFIG, useValue: config },
        { provide: AGENCY_FEEDS, useValue: feeds },
        AgencyFeedsConsumer,
        treeHeadSignerProvider,
        auditLogProvider,
        TreeHeadPublisher,
      ],
    };
  }
}
