import type { DataSource, EntityManager } from 'typeorm';
import type { PoolClient } from 'pg';

import { consentDecider } from '@gov/consent-domain';
import { handleCommand } from '@gov/platform-event-sourcing';
import type { AppendMetadata, EventStore, PostgresEventStore } from '@gov/platform-event-sourcing';
import { entityManagerOn } from '@gov/platform-service';

import { consentCodec, encodeSubjectErasure } from './codecs';
import type { Clock } from './context';
import { PgConsentReads } from './consent-reads';
import { projectConsentEvent } from './projection';
import { streamIds } from './streams';
import { lockSubject } from './subject-lock';

/** The registry's erasure of a person, as its `PersonErased` tells it. */
export interface ErasureOrder {
  /** The person's national identification number. */
  readonly nationalId: string;
  /** When the registry erased them. */
  readonly erasedAt: Date;
  /** The id of the registry's `PersonErased`. */
  readonly registryEventId: string;
}

/** What obeying an erasure did. */
export interface ErasureOutcome {
  /** `false`: this site's log already records the erasure (a redelivery); nothing appended. */
  readonly recorded: boolean;
  /** The artefacts ended (ACTIVE or PAUSED ones). */
  readonly ended: readonly string[];
}

/**
 * The consent service obeys the registry's erasure of a person. In the caller's transaction
 * (the inbox's, so the registry event is recorded as handled with the effects):
 *
 * - records `ConsentSubjectErased` on `erasure-<national id>` at version 0: a second delivery,
 *   on this site or on a promoted embassy whose inbox has not seen it, finds the stream and
 *   appends nothing;
 * - ends each of the person's ACTIVE or PAUSED artefacts with `ConsentEndedByErasure`;
 *   the artefacts stay, as proof of what the person agreed to;
 * - writes the read models' rows of these events at once (the projection writes them again, the
 *   same, on every site): the person's prefill preferences are forgotten, and new grants and
 *   preferences are refused from the commit on.
 */
export class ErasureService {
  constructor(
    private readonly store: PostgresEventStore,
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  async erase(
    client: PoolClient,
    order: ErasureOrder,
    metadata: AppendMetadata,
  ): Promise<ErasureOutcome> {
    const manager = entityManagerOn(this.dataSource, client);
    await lockSubject(manager, order.nationalId);
    const stream = streamIds.erasure(order.nationalId);
    if ((await this.store.existingStreams([stream], client)).has(stream)) {
      return { recorded: false, ended: [] };
    }
    const now = this.clock.now();
    const store = this.storeOn(client, manager);
    await store.append(
      stream,
      0,
      [
        encodeSubjectErasure({
          subject: order.nationalId,
          erasedAt: order.erasedAt,
          registryEventId: order.registryEventId,
          recordedAt: now,
        }),
      ],
      metadata,
    );
    const ended: string[] = [];
    for (const consentId of await new PgConsentReads(manager).liveConsentsOf(order.nationalId)) {
      // No retry here: a use decided meanwhile conflicts, the whole transaction rolls back, and
      // the transport delivers the PersonErased again.
      const result = await handleCommand(
        store,
        { decider: consentDecider, codec: consentCodec },
        streamIds.consent(consentId),
        {
          type: 'EndConsentForErasure',
          data: {
            consentId,
            registryEventId: order.registryEventId,
            erasedAt: order.erasedAt,
          },
          metadata: { now },
        },
        { metadata, maxRetries: 0 },
      );
      if (result.appended.length > 0) ended.push(consentId);
    }
    return { recorded: true, ended };
  }

  /** The event store on the caller's transaction, writing the read models' rows with it. */
  private storeOn(client: PoolClient, manager: EntityManager): EventStore {
    return {
      append: async (streamId, expectedVersion, events, metadata) => {
        const result = await this.store.appendInTransaction(
          client,
          streamId,
          expectedVersion,
          events,
          metadata,
        );
        for (const event of result.events) await projectConsentEvent(manager, event);
        return result;
      },
      readStream: (streamId, fromVersion) => this.store.readStream(streamId, fromVersion),
      readAll: (fromPosition, limit) => this.store.readAll(fromPosition, limit),
      headPosition: () => this.store.headPosition(),
    };
  }
}
