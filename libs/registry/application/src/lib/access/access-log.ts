import { randomUUID } from 'node:crypto';

import { ReadOnlyStoreError } from '@gov/platform-event-sourcing';
import type { EventStore } from '@gov/platform-event-sourcing';

import { accessEventsCodec } from '../codecs/access-events.codec';
import { NO_PERSONAL_DATA } from '../codecs/payload';
import { actorOf, appendMetadata, traceIdOf } from '../context';
import type { RequestContext } from '../context';
import type { Clock } from '../ports';
import { streamIds } from '../streams';
import type { ReadRecord } from './access-policy';
import type { SiteAccessLog } from './site-access-log';

/**
 * Records reads of a person's data as `PersonalDataAccessed` events, one per read, in the
 * person's access stream (`access-<national id>`, appended with expected version `any`: reads
 * never conflict with each other). Called before the data is returned: if the read cannot be
 * recorded, the data is not returned (503).
 *
 * On a site that cannot append (a replica or a fenced site), the event goes to the
 * {@link SiteAccessLog}, when there is one, and joins the log from there later; without one the
 * read is refused like a write.
 */
export class AccessLog {
  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
    private readonly siteLog?: SiteAccessLog,
  ) {}

  /**
   * Records that the caller read `fieldsRead` (gov.registry.v1 field names) of person
   * `nationalId`; nothing for a read that is not recorded (`record` null: the person's own).
   */
  async record(
    context: RequestContext,
    record: ReadRecord,
    nationalId: string,
    fieldsRead: readonly string[],
  ): Promise<void> {
    if (record === null) return;
    const accessedAt = this.clock.now();
    const encoded = accessEventsCodec.encode(
      {
        type: 'PersonalDataAccessed',
        data: {
          subjectNationalId: nationalId,
          organisationId: record.organisationId,
          purpose: record.purpose,
          legalBasis: record.legalBasis,
          fieldsRead,
          accessedAt,
          traceId: traceIdOf(context.traceparent),
          accessorRole: record.accessorRole,
          ...(record.legalBasisId === undefined ? {} : { legalBasisId: record.legalBasisId }),
          ...(record.consentId === undefined ? {} : { consentId: record.consentId }),
          ...(record.sealedUntil === undefined ? {} : { sealedUntil: record.sealedUntil }),
          ...(context.procedureId === undefined ? {} : { procedureId: context.procedureId }),
        },
      },
      accessedAt,
      NO_PERSONAL_DATA,
    );
    // The id is fixed here so that an event kept on the site joins the log as itself.
    const event = { ...encoded, eventId: randomUUID() };
    const streamId = streamIds.access(nationalId);
    const metadata = appendMetadata(context, actorOf(context.principal));
    try {
      await this.store.append(streamId, 'any', [event], metadata);
    } catch (error) {
      if (!(error instanceof ReadOnlyStoreError) || this.siteLog === undefined) throw error;
      await this.siteLog.record({ streamId, event, metadata });
    }
  }
}
