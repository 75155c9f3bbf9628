import type { ClientBase } from 'pg';

import { PersonErasedSchema } from '@gov/contracts';
import { destroySubjectKeyIn } from '@gov/platform-data-protection';
import type { PositionedEvent } from '@gov/platform-event-sourcing';

import { messageOf } from '../codecs/payload';
import { APPLICATION_SCHEMA } from '../postgres/registry-schema-names';

/**
 * Destroys a person's key on this site when its log reaches their `PersonErased`, in the batch's
 * transaction, at the event's recorded time. The home site destroyed the key already when it
 * erased (this repeats it, harmlessly, and completes an erasure cut short between the append and
 * the destruction); the embassy destroys its copy as it replays the event, even before the
 * destruction arrives on the keys topic, and again after a rebuild from the log.
 *
 * Applied by the corrections projection to each event of its batches (see
 * `pgCorrectionsProjection`): a projection of its own would read the whole log once more.
 */
export async function shredErasedSubjectKey(
  client: ClientBase,
  event: PositionedEvent,
): Promise<void> {
  if (event.eventType !== PersonErasedSchema.typeName) return;
  const { nationalId } = messageOf(PersonErasedSchema, event);
  await destroySubjectKeyIn(client, APPLICATION_SCHEMA, nationalId, event.recordedAt);
}
