import type { EventStore, RecordedEvent } from '@gov/platform-event-sourcing';

import { businessEventsCodec } from '../codecs/business-events.codec';
import { NO_PERSONAL_DATA } from '../codecs/payload';
import type { BusinessManagersReadModel, ProjectionCheckpoints } from '../ports';

/** The projection's name in the checkpoints table. */
export const BUSINESS_MANAGERS_PROJECTION = 'business-managers';

// Only these two events set a business's managers: the managers are not a correctable field
// (appointments are filed acts, see BusinessCorrection), and a struck-off business keeps the
// managers it had, so that its former managers still find it.
const MANAGERS_TYPES = new Set([
  'gov.registry.v1.BusinessRegistered',
  'gov.registry.v1.BusinessManagersChanged',
]);

/**
 * The business managers read model's reaction to one event of the registry's log: the complete
 * list of managers each of those events carries replaces the business's rows. Deterministic (a
 * function of the event alone) and idempotent, so the read model is the same on every site that
 * holds the same log, and a replayed batch changes nothing.
 */
export async function projectBusinessManagersEvent(
  readModel: BusinessManagersReadModel,
  event: RecordedEvent,
): Promise<void> {
  if (!MANAGERS_TYPES.has(event.eventType)) return;
  const business = businessEventsCodec.decode(event, NO_PERSONAL_DATA);
  switch (business.type) {
    case 'BusinessRegistered':
    case 'BusinessManagersChanged':
      await readModel.replaceManagers(
        business.data.businessNumber,
        business.data.managers,
        event.streamVersion,
      );
      return;
    default:
      return;
  }
}

/**
 * Keeps a business managers read model up to date from the log through the application's ports
 * (the in-memory model of the tests; in PostgreSQL the service runs
 * {@link projectBusinessManagersEvent} under the event store's `ProjectionRunner`, on every
 * site, so the embassy rebuilds the table from its replayed log).
 */
export class BusinessManagersProjector {
  constructor(
    private readonly store: Pick<EventStore, 'readAll'>,
    private readonly readModel: BusinessManagersReadModel,
    private readonly checkpoints: ProjectionCheckpoints,
  ) {}

  /** Applies the next events of the log, at most `limit`; resolves with how many were read. */
  async runOnce(limit = 500): Promise<number> {
    const from = (await this.checkpoints.load(BUSINESS_MANAGERS_PROJECTION)) + 1n;
    const events = await this.store.readAll(from, limit);
    for (const event of events) {
      await projectBusinessManagersEvent(this.readModel, event);
    }
    const last = events.at(-1);
    if (last) await this.checkpoints.save(BUSINESS_MANAGERS_PROJECTION, last.globalPosition);
    return events.length;
  }
}
