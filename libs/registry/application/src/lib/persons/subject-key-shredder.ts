import { PersonErasedSchema } from '@gov/contracts';
import { destroySubjectKeyIn } from '@gov/platform-data-protection';
import type { Projection } from '@gov/platform-event-sourcing';

import { messageOf } from '../codecs/payload';
import { APPLICATION_SCHEMA } from '../postgres/registry-schema-names';

/** The projection's name in the checkpoints table. */
export const SUBJECT_KEY_SHREDDER = 'subject-key-shredder';

/**
 * Destroys a person's key on this site when its log reaches their `PersonErased`, in the batch's
 * transaction, at the event's recorded time. The home site destroyed the key already when it
 * erased (this repeats it, harmlessly, and completes an erasure cut short between the append and
 * the destruction); the embassy destroys its copy as it replays the event, even before the
 * destruction arrives on the keys topic, and again after a rebuild from the log. Owns no rows.
 */
export const subjectKeyShredder: Projection = {
  name: SUBJECT_KEY_SHREDDER,
  tables: [],
  async apply(client, event) {
    if (event.eventType !== PersonErasedSchema.typeName) return;
    const { nationalId } = messageOf(PersonErasedSchema, event);
    await destroySubjectKeyIn(client, APPLICATION_SCHEMA, nationalId, event.recordedAt);
  },
};
