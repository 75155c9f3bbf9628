import { lookupOf } from './key-encryption-key';
import type { KeyEncryptionKey } from './key-encryption-key';
import { SubjectErasedError } from './subject-keys';
import type { KeyRecord, SubjectKey } from './subject-keys';

/**
 * The unwrapped key of a record about to seal something.
 *
 * @throws {@link SubjectErasedError} when the record is a destruction.
 */
export function liveKeyOf(record: KeyRecord, kek: KeyEncryptionKey): SubjectKey {
  const lookup = lookupOf(record, kek);
  if (lookup.state === 'destroyed') {
    throw new SubjectErasedError(lookup.subjectId, lookup.destroyedAt);
  }
  return lookup.key;
}
