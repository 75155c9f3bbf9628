import type { ClientBase } from 'pg';

import { eraseSubjectIn, erasedPersonOf } from '@gov/platform-data-protection';
import type { PostgresEventStore, RecordedEvent } from '@gov/platform-event-sourcing';

import { encodePersonalDataErased } from './codecs';
import { PROCEDURES_ACTOR } from './context';
import { APPLICATION_SCHEMA } from './schema';
import { streamIds } from './streams';

/** What {@link obeyPersonErasure} did with an event of the registry's log. */
export type ErasureOutcome = 'not-an-erasure' | 'erased' | 'already-erased';

/**
 * Obeys the registry's `PersonErased` (the legal act; any other event of its log is ignored):
 * appends the service's own `PersonalDataErased` to the person's erasure stream and destroys
 * the person's key here (`eraseSubjectIn`, which also records a person the service never
 * sealed anything for, so that nothing is sealed for them later), both in the caller's
 * transaction on `client` (the inbox's). Once per person: a redelivery, or a second erasure
 * event, appends nothing. The projection then empties the person's personal space and marks
 * their cases; a replica learns the erasure by replaying the service's own event.
 *
 * @throws `MalformedErasureError` for a `PersonErased` that does not decode or names no
 *   national identification number (dead letter: the service's own event must stay valid).
 */
export async function obeyPersonErasure(
  store: PostgresEventStore,
  client: ClientBase,
  event: Pick<
    RecordedEvent,
    'eventId' | 'eventType' | 'payload' | 'recordedAt' | 'correlationId' | 'traceparent'
  >,
): Promise<ErasureOutcome> {
  const erasure = erasedPersonOf(event);
  if (erasure === null) return 'not-an-erasure';
  const { nationalId, erasedAt } = erasure;
  const stream = streamIds.erasure(nationalId);
  // Checked first: a failed append would abort the inbox's transaction.
  const existing = await store.existingStreams([stream], client);
  await eraseSubjectIn(client, APPLICATION_SCHEMA, nationalId, erasedAt);
  if (existing.has(stream)) return 'already-erased';
  await store.appendInTransaction(
    client,
    stream,
    0,
    [encodePersonalDataErased({ subject: nationalId, erasedAt, registryEventId: event.eventId })],
    {
      correlationId: event.correlationId,
      causationId: event.eventId,
      ...(event.traceparent === null ? {} : { traceparent: event.traceparent }),
      actor: PROCEDURES_ACTOR,
    },
  );
  return 'erased';
}
