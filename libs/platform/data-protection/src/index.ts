/**
 * Erasure designed into the log: per-subject keys (envelope encryption under a key-encryption
 * key), sealing of personal fields, and the stores that keep and replicate the keys.
 */
export { KEY_BYTES, SealedDataError, open, seal, sealingContext } from './lib/sealing';
export { KeyEncryptionKey, ensureKeyEncryptionKeyFile } from './lib/key-encryption-key';
export { ERASED, KeyRing, liveKey } from './lib/key-ring';
export type { Erased, SubjectKeys } from './lib/key-ring';
export { KeyUnavailableError, SubjectErasedError } from './lib/subject-keys';
export type {
  KeyChange,
  KeyDestruction,
  KeyLookup,
  KeyRecord,
  SubjectKey,
  SubjectKeyStore,
} from './lib/subject-keys';
export { InMemorySubjectKeyStore } from './lib/in-memory-subject-key-store';
export {
  PostgresSubjectKeyStore,
  SubjectKeysTable1765000001000,
} from './lib/postgres-subject-key-store';
export {
  destroySubjectKeyIn,
  eraseSubjectIn,
  rewrapSubjectKeys,
} from './lib/postgres-subject-key-store';
export type { Rewrapped } from './lib/postgres-subject-key-store';
export { MalformedErasureError, erasedPersonOf } from './lib/person-erasure';
export type { PersonErasure, RegistryLogEvent } from './lib/person-erasure';
export { MalformedKeyRecordError, decodeKeyRecord, encodeKeyRecord } from './lib/key-record-codec';

/** Injection token of a service's {@link SubjectKeyStore} (provided by the service kit). */
export const SUBJECT_KEY_STORE = Symbol('SUBJECT_KEY_STORE');
