import type { EventStore } from '@gov/platform-event-sourcing';

import { accessEventsCodec } from '../codecs/access-events.codec';
import { actorOf, appendMetadata, traceIdOf } from '../context';
import type { RequestContext } from '../context';
import type { Clock } from '../ports';
import { streamIds } from '../streams';
import type { ReadRecord } from './access-policy';

/**
 * Records reads of a person's data as `PersonalDataAccessed` events, one per read, in the
 * person's access stream (`access-<national id>`, appended with expected version `any`: reads
 * never conflict with each other). Called before the data is returned: if the read cannot be
 * recorded, the data is not returned (503).
 */
export class AccessLog {
  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
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
    const event = accessEventsCodec.encode(
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
        },
      },
      accessedAt,
    );
    await this.store.append(
      streamIds.access(nationalId),
      'any',
      [event],
      appendMetadata(context, actorOf(context.principal)),
    );
  }
}
