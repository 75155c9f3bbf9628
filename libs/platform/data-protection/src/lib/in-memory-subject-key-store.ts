import { randomBytes, randomUUID } from 'node:crypto';

import { lookupOf } from './key-encryption-key';
import type { KeyEncryptionKey } from './key-encryption-key';
import { liveKeyOf } from './live-key';
import { KEY_BYTES } from './sealing';
import type {
  KeyChange,
  KeyDestruction,
  KeyLookup,
  KeyRecord,
  SubjectKey,
  SubjectKeyStore,
} from './subject-keys';

/**
 * A {@link SubjectKeyStore} in memory, for unit tests and the in-memory ports of a service. It
 * keeps keys wrapped like the PostgreSQL store, so a test exercises the same unwrapping.
 */
export class InMemorySubjectKeyStore implements SubjectKeyStore {
  private readonly records = new Map<string, KeyRecord>();
  private readonly keyIdOf = new Map<string, string>();
  private readonly changes: KeyChange[] = [];
  private readonly relayed = new Map<string, bigint>();
  private position = 0n;

  constructor(private readonly kek: KeyEncryptionKey) {}

  async keyFor(subjectId: string): Promise<SubjectKey> {
    const keys = await this.keysFor([subjectId]);
    const key = keys.get(subjectId);
    if (key === undefined) throw new Error(`no key for ${subjectId}`);
    return key;
  }

  keysFor(subjectIds: readonly string[]): Promise<ReadonlyMap<string, SubjectKey>> {
    return new Promise((resolve) => {
      const keys = new Map<string, SubjectKey>();
      for (const subjectId of subjectIds) {
        const record = this.recordOfSubject(subjectId) ?? this.create(subjectId);
        keys.set(subjectId, liveKeyOf(record, this.kek));
      }
      resolve(keys);
    });
  }

  lookup(keyIds: readonly string[]): Promise<ReadonlyMap<string, KeyLookup>> {
    // In an executor, so that a key that does not unwrap rejects, as in the PostgreSQL store.
    return new Promise((resolve) => {
      const found = new Map<string, KeyLookup>();
      for (const keyId of keyIds) {
        const record = this.records.get(keyId);
        if (record !== undefined) found.set(keyId, lookupOf(record, this.kek));
      }
      resolve(found);
    });
  }

  stateOf(subjectId: string): Promise<KeyLookup | undefined> {
    return new Promise((resolve) => {
      const record = this.recordOfSubject(subjectId);
      resolve(record === undefined ? undefined : lookupOf(record, this.kek));
    });
  }

  destroy(subjectId: string, at: Date): Promise<KeyDestruction> {
    const record = this.recordOfSubject(subjectId);
    if (record === undefined) {
      return Promise.resolve({ destroyed: false, keyId: null, destroyedAt: null });
    }
    if (record.destroyedAt !== null) {
      return Promise.resolve({
        destroyed: false,
        keyId: record.keyId,
        destroyedAt: record.destroyedAt,
      });
    }
    this.store({ ...record, wrappedKey: null, destroyedAt: at }, true);
    return Promise.resolve({ destroyed: true, keyId: record.keyId, destroyedAt: at });
  }

  changesSince(position: bigint, limit: number): Promise<readonly KeyChange[]> {
    return Promise.resolve(
      this.changes.filter((change) => change.position > position).slice(0, limit),
    );
  }

  applyReplicated(record: KeyRecord): Promise<void> {
    const current = this.records.get(record.keyId);
    if (current === undefined) {
      // One key per subject: a second key for a subject who has one here stays out (see the
      // PostgreSQL store).
      if (this.keyIdOf.has(record.subjectId)) return Promise.resolve();
      this.store(record, false);
    } else if (current.destroyedAt === null && record.destroyedAt !== null) {
      this.store({ ...current, wrappedKey: null, destroyedAt: record.destroyedAt }, false);
    } else if (current.destroyedAt === null && record.wrappedKey !== null) {
      // The same key wrapped anew (a rotation on the other site): the latest wrapping stays.
      this.store({ ...current, wrappedKey: record.wrappedKey }, false);
    }
    return Promise.resolve();
  }

  relayPosition(topic: string): Promise<bigint> {
    return Promise.resolve(this.relayed.get(topic) ?? 0n);
  }

  saveRelayPosition(topic: string, position: bigint): Promise<void> {
    const current = this.relayed.get(topic) ?? 0n;
    this.relayed.set(topic, position > current ? position : current);
    return Promise.resolve();
  }

  awaitsRelay(topic: string, keyIds: readonly string[]): Promise<boolean> {
    const relayed = this.relayed.get(topic) ?? 0n;
    const awaited = new Set(keyIds);
    return Promise.resolve(
      this.changes.some((change) => change.position > relayed && awaited.has(change.record.keyId)),
    );
  }

  private create(subjectId: string): KeyRecord {
    const keyId = randomUUID();
    const record: KeyRecord = {
      keyId,
      subjectId,
      createdAt: new Date(),
      wrappedKey: this.kek.wrap(randomBytes(KEY_BYTES), keyId, subjectId),
      destroyedAt: null,
    };
    this.store(record, true);
    return record;
  }

  private store(record: KeyRecord, local: boolean): void {
    this.records.set(record.keyId, record);
    this.keyIdOf.set(record.subjectId, record.keyId);
    if (!local) return;
    // Like the PostgreSQL store: a key's change replaces its earlier one in the list, so the
    // keys topic gets each key's latest state.
    const earlier = this.changes.findIndex((change) => change.record.keyId === record.keyId);
    if (earlier >= 0) this.changes.splice(earlier, 1);
    this.position += 1n;
    this.changes.push({ position: this.position, record });
  }

  private recordOfSubject(subjectId: string): KeyRecord | undefined {
    const keyId = this.keyIdOf.get(subjectId);
    return keyId === undefined ? undefined : this.records.get(keyId);
  }
}
