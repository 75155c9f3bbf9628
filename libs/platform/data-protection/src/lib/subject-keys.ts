/**
 * Per-subject keys: every personal field a service writes into its log is sealed under the key
 * of the person it is about (the data subject), and erasing the person destroys that key, so
 * their fields become unreadable in the log, on both sites and in every copy of the topics,
 * without rewriting an event.
 */

/** A subject's live data key, unwrapped. */
export interface SubjectKey {
  /** The key's id, written into the envelope of every event sealed under it. */
  readonly keyId: string;
  /** Whose data it seals (a national identification number). */
  readonly subjectId: string;
  /** 32 bytes, AES-256. */
  readonly key: Uint8Array;
}

/** What is known of one key id. */
export type KeyLookup =
  | { readonly state: 'live'; readonly key: SubjectKey }
  | {
      readonly state: 'destroyed';
      readonly keyId: string;
      readonly subjectId: string;
      readonly destroyedAt: Date;
    };

/**
 * A key as the store keeps it and the keys topic carries it: wrapped under the key-encryption
 * key while it lives, without any key material once destroyed. Destroyed is final: no record
 * brings a destroyed key back.
 */
export interface KeyRecord {
  readonly keyId: string;
  readonly subjectId: string;
  readonly createdAt: Date;
  /** `null` once destroyed. */
  readonly wrappedKey: Uint8Array | null;
  readonly destroyedAt: Date | null;
}

/** A change of the key store, in the order the store made it (for the keys topic). */
export interface KeyChange {
  /** Increases with every change the store makes; the relay's checkpoint. */
  readonly position: bigint;
  readonly record: KeyRecord;
}

/** The outcome of destroying a subject's key. */
export type KeyDestruction =
  | { readonly destroyed: true; readonly keyId: string; readonly destroyedAt: Date }
  /** It was destroyed before (at `destroyedAt`): nothing changed. */
  | { readonly destroyed: false; readonly keyId: string; readonly destroyedAt: Date }
  /** The subject never had a key here: nothing of theirs is sealed in this store's service. */
  | { readonly destroyed: false; readonly keyId: null; readonly destroyedAt: null };

/** The subject's key was destroyed: their data is erased and nothing new is sealed for them. */
export class SubjectErasedError extends Error {
  override readonly name = 'SubjectErasedError';
  constructor(
    readonly subjectId: string,
    /** When the key was destroyed, where known. */
    readonly destroyedAt?: Date,
  ) {
    super(
      destroyedAt === undefined
        ? `the data of subject ${subjectId} was erased`
        : `the data of subject ${subjectId} was erased on ${destroyedAt.toISOString()}`,
    );
  }
}

/**
 * A key id this site does not know (yet): on a replica, the keys topic has not delivered it.
 * Transient; never a reason to treat the data as erased.
 */
export class KeyUnavailableError extends Error {
  override readonly name = 'KeyUnavailableError';
  constructor(readonly keyId: string) {
    super(`subject key ${keyId} is not known on this site (not replicated yet)`);
  }
}

/**
 * The per-subject keys of one service. Implementations: `InMemorySubjectKeyStore` (here) and
 * the PostgreSQL store of `@gov/platform-service`, tested by the same contract suite.
 */
export interface SubjectKeyStore {
  /**
   * The subject's live key, created on first use.
   *
   * @throws {@link SubjectErasedError} when it was destroyed.
   */
  keyFor(subjectId: string): Promise<SubjectKey>;

  /** {@link keyFor} for many subjects at once (a bulk registration); same errors. */
  keysFor(subjectIds: readonly string[]): Promise<ReadonlyMap<string, SubjectKey>>;

  /** What this site knows of each key id; ids it does not know are absent from the map. */
  lookup(keyIds: readonly string[]): Promise<ReadonlyMap<string, KeyLookup>>;

  /** The subject's key as this site knows it; `undefined`: none was ever created or received. */
  stateOf(subjectId: string): Promise<KeyLookup | undefined>;

  /** Destroys the subject's key: its material is gone from the store. Idempotent. */
  destroy(subjectId: string, at: Date): Promise<KeyDestruction>;

  /** The store's changes after `position`, in order, at most `limit` (for the keys topic). */
  changesSince(position: bigint, limit: number): Promise<readonly KeyChange[]>;

  /**
   * A record from the other site's keys topic: a new key is stored, a destruction destroys the
   * local copy; a live record never revives a destroyed key; a repeat changes nothing.
   */
  applyReplicated(record: KeyRecord): Promise<void>;

  /** How far the keys topic `topic` has been written (0n: nothing yet). */
  relayPosition(topic: string): Promise<bigint>;

  /** Records that `topic` holds every change up to `position`; never moves back. */
  saveRelayPosition(topic: string, position: bigint): Promise<void>;

  /**
   * Whether a change of one of `keyIds` made here is not written to `topic` yet (ids this store
   * does not know, or only received from the other site, are not awaited): the relay of the
   * events sealed under them waits for it, so that a key leaves the site before its data.
   */
  awaitsRelay(topic: string, keyIds: readonly string[]): Promise<boolean>;
}
