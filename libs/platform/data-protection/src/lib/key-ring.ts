import { open, seal, sealingContext } from './sealing';
import { KeyUnavailableError, SubjectErasedError } from './subject-keys';
import type { KeyLookup, SubjectKey, SubjectKeyStore } from './subject-keys';

/** What {@link SubjectKeys.open} gives for data whose key was destroyed. */
export const ERASED: unique symbol = Symbol('erased');
export type Erased = typeof ERASED;

/**
 * The keys one piece of work needs, loaded beforehand, so that encoding and decoding events
 * stays synchronous. Every sealed field is bound to its key id and to the `context` parts the
 * caller gives (the event type and stream id), so it cannot be moved elsewhere unnoticed.
 */
export interface SubjectKeys {
  /**
   * `plaintext` sealed under the subject's key, and that key's id (for the envelope).
   *
   * @throws {@link SubjectErasedError} when the subject's key was destroyed; a `TypeError` when
   *   the subject's key was not loaded (a bug of the caller).
   */
  seal(
    subjectId: string,
    plaintext: Uint8Array,
    context: readonly string[],
  ): { readonly keyId: string; readonly sealed: Uint8Array };

  /**
   * The plaintext of `sealed`, or {@link ERASED} when its key was destroyed.
   *
   * @throws {@link KeyUnavailableError} when this site does not have the key (yet);
   *   `SealedDataError` when the bytes do not authenticate.
   */
  open(keyId: string, sealed: Uint8Array, context: readonly string[]): Uint8Array | Erased;
}

/** A {@link SubjectKeys} over keys looked up beforehand. */
export class KeyRing implements SubjectKeys {
  private readonly byKeyId = new Map<string, KeyLookup>();
  private readonly bySubject = new Map<string, KeyLookup>();

  constructor(entries: Iterable<KeyLookup>) {
    for (const entry of entries) {
      const keyId = entry.state === 'live' ? entry.key.keyId : entry.keyId;
      const subjectId = entry.state === 'live' ? entry.key.subjectId : entry.subjectId;
      this.byKeyId.set(keyId, entry);
      this.bySubject.set(subjectId, entry);
    }
  }

  /** A ring holding no key: for code that seals and opens nothing. */
  static readonly EMPTY: KeyRing = new KeyRing([]);

  /** The live keys of `subjectIds`, created where missing (to seal new events for them). */
  static async forWriting(store: SubjectKeyStore, subjectIds: readonly string[]): Promise<KeyRing> {
    const keys = await store.keysFor(subjectIds);
    return new KeyRing([...keys.values()].map((key) => ({ state: 'live', key })));
  }

  /** What the store knows of `keyIds` (to open events); nothing is created. */
  static async forReading(store: SubjectKeyStore, keyIds: Iterable<string>): Promise<KeyRing> {
    const unique = [...new Set(keyIds)];
    return new KeyRing(unique.length === 0 ? [] : (await store.lookup(unique)).values());
  }

  seal(
    subjectId: string,
    plaintext: Uint8Array,
    context: readonly string[],
  ): { keyId: string; sealed: Uint8Array } {
    const entry = this.bySubject.get(subjectId);
    if (entry === undefined) {
      throw new TypeError(`no key of subject ${subjectId} was loaded before sealing`);
    }
    if (entry.state === 'destroyed') throw new SubjectErasedError(subjectId, entry.destroyedAt);
    const { key } = entry;
    return {
      keyId: key.keyId,
      sealed: seal(key.key, plaintext, sealingContext(key.keyId, ...context)),
    };
  }

  open(keyId: string, sealed: Uint8Array, context: readonly string[]): Uint8Array | Erased {
    const entry = this.byKeyId.get(keyId);
    if (entry === undefined) throw new KeyUnavailableError(keyId);
    if (entry.state === 'destroyed') return ERASED;
    return open(entry.key.key, sealed, sealingContext(keyId, ...context));
  }

  /** Whether the ring knows `keyId` to be destroyed. */
  isErased(keyId: string): boolean {
    return this.byKeyId.get(keyId)?.state === 'destroyed';
  }
}

/** The live key inside a lookup, for stores. */
export function liveKey(entry: KeyLookup | undefined): SubjectKey | undefined {
  return entry?.state === 'live' ? entry.key : undefined;
}
