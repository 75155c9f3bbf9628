import type { ClientBase } from 'pg';

import { eraseSubjectIn } from '@gov/platform-data-protection';
import type { PersonErasure } from '@gov/platform-data-protection';
import type { AppendMetadata, PostgresEventStore } from '@gov/platform-event-sourcing';

import { encodeRecipientErased, recipientErasureStreamId } from './codecs';
import { APPLICATION_SCHEMA } from './schema';

/**
 * Obeys the registry's erasure of a person, in the caller's transaction (the inbox's, so that
 * the registry's event is handled once): records `RecipientErased` in the letterbox's own log
 * (the embassy learns the erasure by replaying it) and erases the person's key here, even when
 * nothing was ever sealed for them, so that no letter is sealed for them afterwards. A second
 * delivery of the same erasure (or another `PersonErased` of the person) appends nothing.
 *
 * The letters read model follows from the log: the projection forgets the person's subject
 * lines and takes their letters out of their box (see `projectLetterEvent`).
 *
 * @returns Whether it recorded the erasure (false: recorded before).
 */
export async function recordRecipientErasure(
  store: PostgresEventStore,
  client: ClientBase,
  erasure: PersonErasure & { readonly registryEventId: string },
  metadata: AppendMetadata,
): Promise<boolean> {
  const stream = recipientErasureStreamId(erasure.nationalId);
  // The key first: even if the person's erasure was recorded before, its destruction here is
  // what keeps new letters from being sealed for them (idempotent).
  await eraseSubjectIn(client, APPLICATION_SCHEMA, erasure.nationalId, erasure.erasedAt);
  if ((await store.existingStreams([stream], client)).has(stream)) return false;
  await store.appendInTransaction(client, stream, 0, [encodeRecipientErased(erasure)], metadata);
  return true;
}
