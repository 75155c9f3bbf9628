// The SubjectKeyStore contract: one suite, run against every implementation (in memory in a
// unit spec, PostgreSQL in an int spec).
import { randomUUID } from 'node:crypto';

import { KeyEncryptionKey } from '../key-encryption-key';
import { ERASED, KeyRing } from '../key-ring';
import { SealedDataError } from '../sealing';
import { SubjectErasedError } from '../subject-keys';
import type { KeyRecord, SubjectKeyStore } from '../subject-keys';

/** Creates a store over `kek`; called before each test. */
export type SubjectKeyStoreFactory = (kek: KeyEncryptionKey) => Promise<SubjectKeyStore>;

const text = new TextEncoder();

export function describeSubjectKeyStoreContract(
  implementation: string,
  create: SubjectKeyStoreFactory,
): void {
  describe(`SubjectKeyStore contract: ${implementation}`, () => {
    let kek: KeyEncryptionKey;
    let store: SubjectKeyStore;
    const subject = () => `subject-${randomUUID()}`;

    beforeEach(async () => {
      kek = KeyEncryptionKey.generate();
      store = await create(kek);
    });

    it('creates one key per subject on first use and gives the same key afterwards', async () => {
      const anna = subject();
      const first = await store.keyFor(anna);
      const again = await store.keyFor(anna);
      expect(first.subjectId).toBe(anna);
      expect(first.key).toHaveLength(32);
      expect(again.keyId).toBe(first.keyId);
      expect(Buffer.from(again.key).equals(Buffer.from(first.key))).toBe(true);
      const other = await store.keyFor(subject());
      expect(other.keyId).not.toBe(first.keyId);
      expect(Buffer.from(other.key).equals(Buffer.from(first.key))).toBe(false);
    });

    it('creates many subjects’ keys at once, keeping those that exist', async () => {
      const existing = await store.keyFor(subject());
      const fresh = [subject(), subject()];
      const keys = await store.keysFor([existing.subjectId, ...fresh, fresh[0] ?? '']);
      expect(keys.size).toBe(3);
      expect(keys.get(existing.subjectId)?.keyId).toBe(existing.keyId);
      expect(new Set([...keys.values()].map((key) => key.keyId)).size).toBe(3);
    });

    it('looks keys up by id, ignoring ids it does not know', async () => {
      const key = await store.keyFor(subject());
      const found = await store.lookup([key.keyId, randomUUID(), 'not-a-uuid']);
      expect([...found.keys()]).toEqual([key.keyId]);
      expect(found.get(key.keyId)).toMatchObject({ state: 'live', key: { keyId: key.keyId } });
    });

    it('destroys a subject’s key: lookups say destroyed, nothing new is sealed for them', async () => {
      const anna = subject();
      const key = await store.keyFor(anna);
      const at = new Date('2026-12-01T10:00:00Z');
      await expect(store.destroy(anna, at)).resolves.toEqual({
        destroyed: true,
        keyId: key.keyId,
        destroyedAt: at,
      });
      expect((await store.lookup([key.keyId])).get(key.keyId)).toEqual({
        state: 'destroyed',
        keyId: key.keyId,
        subjectId: anna,
        destroyedAt: at,
      });
      await expect(store.keyFor(anna)).rejects.toBeInstanceOf(SubjectErasedError);
      await expect(store.stateOf(anna)).resolves.toMatchObject({ state: 'destroyed' });
    });

    it('destroys idempotently, and says when a subject never had a key', async () => {
      const anna = subject();
      const key = await store.keyFor(anna);
      const at = new Date('2026-12-01T10:00:00Z');
      await store.destroy(anna, at);
      await expect(store.destroy(anna, new Date('2026-12-02T10:00:00Z'))).resolves.toEqual({
        destroyed: false,
        keyId: key.keyId,
        destroyedAt: at,
      });
      await expect(store.destroy(subject(), at)).resolves.toEqual({
        destroyed: false,
        keyId: null,
        destroyedAt: null,
      });
      await expect(store.stateOf(subject())).resolves.toBeUndefined();
    });

    it('opens sealed data through a ring until the key is destroyed, then answers ERASED', async () => {
      const anna = subject();
      const writing = await KeyRing.forWriting(store, [anna]);
      const { keyId, sealed } = writing.seal(anna, text.encode('Anna Schmit'), ['type', 'stream']);
      const before = await KeyRing.forReading(store, [keyId]);
      expect(
        Buffer.from(before.open(keyId, sealed, ['type', 'stream']) as Uint8Array).toString(),
      ).toBe('Anna Schmit');
      await store.destroy(anna, new Date());
      const after = await KeyRing.forReading(store, [keyId]);
      expect(after.open(keyId, sealed, ['type', 'stream'])).toBe(ERASED);
    });

    it('lists its own changes in order, each key at its latest state', async () => {
      const start = (await store.changesSince(0n, 1000)).at(-1)?.position ?? 0n;
      const anna = await store.keyFor(subject());
      const ben = await store.keyFor(subject());
      await store.destroy(anna.subjectId, new Date('2026-12-01T10:00:00Z'));
      const changes = await store.changesSince(start, 10);
      expect(changes.map((change) => change.record.keyId)).toEqual([ben.keyId, anna.keyId]);
      expect(changes[1]?.record).toMatchObject({ wrappedKey: null });
      expect(changes[0]?.record.wrappedKey).not.toBeNull();
      expect((changes[0]?.position ?? 0n) < (changes[1]?.position ?? 0n)).toBe(true);
      expect(await store.changesSince(changes[0]?.position ?? 0n, 10)).toHaveLength(1);
    });

    it('applies the other site’s records: new keys open, a destruction is final', async () => {
      const other = await create(kek);
      const anna = subject();
      const key = await other.keyFor(anna);
      const [created] = await other
        .changesSince(0n, 1000)
        .then((all) => all.filter((change) => change.record.keyId === key.keyId));
      if (created === undefined) throw new Error('the other store listed no change');
      const live: KeyRecord = created.record;
      await store.applyReplicated(live);
      await store.applyReplicated(live);
      expect((await store.lookup([key.keyId])).get(key.keyId)).toMatchObject({ state: 'live' });
      expect((await store.keyFor(anna)).keyId).toBe(key.keyId);
      // A received key is not this site's change: it is not sent back.
      expect(
        (await store.changesSince(0n, 1000)).some((change) => change.record.keyId === key.keyId),
      ).toBe(false);

      const destroyedAt = new Date('2026-12-03T08:00:00Z');
      await store.applyReplicated({ ...live, wrappedKey: null, destroyedAt });
      await store.applyReplicated(live);
      expect((await store.lookup([key.keyId])).get(key.keyId)).toMatchObject({
        state: 'destroyed',
        destroyedAt,
      });
    });

    it('takes the other site’s re-wrapping of a key it has: the latest record is the wrapping', async () => {
      const other = await create(kek);
      const anna = subject();
      const key = await other.keyFor(anna);
      const live = (await other.changesSince(0n, 1000)).find(
        (change) => change.record.keyId === key.keyId,
      )?.record;
      if (live?.wrappedKey == null) throw new Error('the other store listed no live key');
      await store.applyReplicated(live);
      // The other site rotated to a key-encryption key this store does not have yet.
      const rotated = KeyEncryptionKey.fromBase64(
        `${KeyEncryptionKey.generate().toBase64()}\n${kek.toBase64()}`,
      );
      const rewrapped: KeyRecord = {
        ...live,
        wrappedKey: rotated.wrap(key.key, key.keyId, anna),
      };
      await store.applyReplicated(rewrapped);
      await expect(store.lookup([key.keyId])).rejects.toBeInstanceOf(SealedDataError);
      // Its earlier record again (a redelivery in topic order): it is the latest now.
      await store.applyReplicated(live);
      expect((await store.lookup([key.keyId])).get(key.keyId)).toMatchObject({ state: 'live' });
    });

    it('keeps a destruction received before the key itself', async () => {
      const keyId = randomUUID();
      const anna = subject();
      const destroyedAt = new Date('2026-12-03T08:00:00Z');
      await store.applyReplicated({
        keyId,
        subjectId: anna,
        createdAt: new Date('2026-12-01T08:00:00Z'),
        wrappedKey: null,
        destroyedAt,
      });
      expect((await store.lookup([keyId])).get(keyId)).toMatchObject({ state: 'destroyed' });
      await expect(store.keyFor(anna)).rejects.toBeInstanceOf(SubjectErasedError);
    });

    it('refuses keys wrapped under another key-encryption key', async () => {
      const stranger = await create(KeyEncryptionKey.generate());
      const key = await stranger.keyFor(subject());
      const [change] = (await stranger.changesSince(0n, 1000)).filter(
        (c) => c.record.keyId === key.keyId,
      );
      if (change === undefined) throw new Error('no change');
      await store.applyReplicated(change.record);
      await expect(store.lookup([key.keyId])).rejects.toThrow(/does not authenticate/);
    });

    it('keeps the relay position per topic, never moving back', async () => {
      const topic = `keys-${randomUUID()}`;
      await expect(store.relayPosition(topic)).resolves.toBe(0n);
      await store.saveRelayPosition(topic, 7n);
      await store.saveRelayPosition(topic, 5n);
      await expect(store.relayPosition(topic)).resolves.toBe(7n);
    });

    it('says which keys await the relay: a new key or a destruction until written', async () => {
      const topic = `keys-${randomUUID()}`;
      const anna = await store.keyFor(`anna-${randomUUID()}`);
      const ben = await store.keyFor(`ben-${randomUUID()}`);
      await expect(store.awaitsRelay(topic, [anna.keyId])).resolves.toBe(true);
      const written = await store.changesSince(0n, 1_000);
      await store.saveRelayPosition(topic, written.at(-1)?.position ?? 0n);
      await expect(store.awaitsRelay(topic, [anna.keyId, ben.keyId])).resolves.toBe(false);
      await store.destroy(anna.subjectId, new Date());
      await expect(store.awaitsRelay(topic, [ben.keyId])).resolves.toBe(false);
      await expect(store.awaitsRelay(topic, [ben.keyId, anna.keyId])).resolves.toBe(true);
      // Another topic has its own position; unknown and malformed ids await nothing.
      await expect(store.awaitsRelay(`other-${topic}`, [ben.keyId])).resolves.toBe(true);
      await expect(store.awaitsRelay(topic, [randomUUID(), 'not-a-key'])).resolves.toBe(false);
    });
  });
}
