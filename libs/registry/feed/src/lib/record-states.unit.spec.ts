import { toJson } from '@bufbuild/protobuf';

import {
  AgencyFeedCutSchema,
  PersonRegisteredSchema,
  RecordChangeSchema,
  Register,
} from '@gov/contracts';
import { KeyRing } from '@gov/platform-data-protection';
import { InMemoryEventStore } from '@gov/platform-event-sourcing';
import type { PositionedEvent, RecordedEvent } from '@gov/platform-event-sourcing';
import { NO_PERSONAL_DATA, personEventsCodec } from '@gov/registry-application';

import {
  feedTestKeys,
  appendAll,
  at,
  interleavedLog,
  newBusinessNumber,
  newNationalId,
  personAppend,
  personLife,
} from '../testing/feed-fixtures';
import { RecordStates, isRecordEventType } from './record-states';
import type { SourcedChange } from './record-states';

const CORRECTION = '0a1b2c3d-4e5f-4a6b-9c7d-8e9fa0b1c2d3';

/** A store that counts stream reads. */
class CountingStore extends InMemoryEventStore {
  reads = 0;

  override readStream(streamId: string, fromVersion?: number): Promise<RecordedEvent[]> {
    this.reads += 1;
    return super.readStream(streamId, fromVersion);
  }
}

async function setUp(): Promise<{
  store: CountingStore;
  log: PositionedEvent[];
  recordIds: string[];
}> {
  const store = new CountingStore({ producer: 'registry' });
  const anna = newNationalId('1983-08-12');
  const ben = newNationalId('1990-01-31');
  const business = newBusinessNumber();
  await appendAll(store, interleavedLog(anna, ben, business, CORRECTION));
  const log = await store.readAll(1n, 1_000);
  store.reads = 0;
  return { store, log, recordIds: [anna, ben, business] };
}

/** A comparable view of changes: key, version, kind and the record as JSON. */
const view = (changes: readonly SourcedChange[]) =>
  changes.map((sourced) => ({
    eventId: sourced.source.eventId,
    change: 'change' in sourced ? toJson(RecordChangeSchema, sourced.change) : null,
  }));

async function inBatches(
  states: RecordStates,
  log: readonly PositionedEvent[],
  size: number,
): Promise<SourcedChange[]> {
  const changes: SourcedChange[] = [];
  for (let i = 0; i < log.length; i += size) {
    changes.push(...(await states.changesOf(log.slice(i, i + size))).changes);
  }
  return changes;
}

describe('RecordStates', () => {
  it('yields one change per record event, in log order, and none for corrections or reads', async () => {
    const { store, log, recordIds } = await setUp();

    const { changes, skipped } = await new RecordStates(store, feedTestKeys).changesOf(log);

    const recordEvents = log.filter((e) => recordIds.includes(e.streamId));
    expect(changes.map((c) => c.source.eventId)).toEqual(recordEvents.map((e) => e.eventId));
    expect(changes).toHaveLength(6 + 3 + 5);
    expect(skipped).toEqual([]);
    for (const sourced of changes) {
      if (!('change' in sourced)) throw new Error('no erasure in this log');
      expect(sourced.change.recordId).toBe(sourced.source.streamId);
      expect(sourced.change.recordVersion).toBe(BigInt(sourced.source.streamVersion));
    }
    expect(log.some((e) => e.streamId.startsWith('correction-'))).toBe(true);
    expect(log.some((e) => e.streamId.startsWith('access-'))).toBe(true);
    // Every stream starts in this batch: nothing had to be read.
    expect(store.reads).toBe(0);
  });

  it('gives the same changes whatever the batch size, reading each stream at most once per batch', async () => {
    const { store, log } = await setUp();
    const whole = view((await new RecordStates(store, feedTestKeys).changesOf(log)).changes);

    for (const size of [1, 2, 5, 7]) {
      // Without the cache: every stream not starting in a batch is read, once per batch.
      const uncached = new RecordStates(store, feedTestKeys, 0);
      store.reads = 0;
      let streamsToRead = 0;
      const changes: SourcedChange[] = [];
      for (let i = 0; i < log.length; i += size) {
        const batch = log.slice(i, i + size);
        const continuing = new Set(
          batch
            .filter((e) => !/^(correction|access)-/.test(e.streamId))
            .filter((e) => e === batch.find((f) => f.streamId === e.streamId))
            .filter((e) => e.streamVersion > 1)
            .map((e) => e.streamId),
        );
        streamsToRead += continuing.size;
        changes.push(...(await uncached.changesOf(batch)).changes);
      }
      expect(view(changes)).toEqual(whole);
      expect(store.reads).toBe(streamsToRead);

      // With the cache: the states reached by earlier batches are reused, nothing is read.
      store.reads = 0;
      expect(view(await inBatches(new RecordStates(store, feedTestKeys), log, size))).toEqual(
        whole,
      );
      expect(store.reads).toBe(0);
    }
  });

  it('starts in the middle of the log (a checkpoint) with one read per stream', async () => {
    const { store, log } = await setUp();
    const whole = view((await new RecordStates(store, feedTestKeys).changesOf(log)).changes);
    const from = 9;

    const later = await new RecordStates(store, feedTestKeys).changesOf(log.slice(from));

    const expected = whole.filter((c) => log.slice(from).some((e) => e.eventId === c.eventId));
    expect(view(later.changes)).toEqual(expected);
    expect(store.reads).toBe(3);
  });

  it('starts over from the stream when a batch is read again (a retry after a failure)', async () => {
    const { store, log } = await setUp();
    const states = new RecordStates(store, feedTestKeys);
    const first = view((await states.changesOf(log.slice(0, 10))).changes);

    const again = view((await states.changesOf(log.slice(0, 10))).changes);

    expect(again).toEqual(first);
  });

  it('fails on a record event it cannot decode, rather than publish records folded without it', async () => {
    const store = new InMemoryEventStore({ producer: 'registry' });
    const anna = newNationalId();
    await appendAll(store, personLife(anna, CORRECTION).slice(0, 1).map(personAppend));
    await store.append(
      anna,
      1,
      [
        {
          ...personEventsCodec.encode(
            personLife(anna, CORRECTION)[1]!,
            at(1),
            await KeyRing.forWriting(feedTestKeys, [anna]),
          ),
          payload: new Uint8Array([0xff, 0xff]),
        },
      ],
      { correlationId: 'broken' },
    );

    await expect(
      new RecordStates(store, feedTestKeys).changesOf(await store.readAll(1n, 10)),
    ).rejects.toThrow(/PersonNameChanged/);
  });

  it('publishes an erasure as a tombstone, and withholds what it can no longer read', async () => {
    const store = new InMemoryEventStore({ producer: 'registry' });
    const anna = newNationalId();
    await appendAll(store, personLife(anna, CORRECTION).slice(0, 2).map(personAppend));
    const before = await new RecordStates(store, feedTestKeys).changesOf(
      await store.readAll(1n, 10),
    );
    expect(before.changes).toHaveLength(2);
    await store.append(
      anna,
      2,
      [
        personEventsCodec.encode(
          { type: 'PersonErased', data: { nationalId: anna, legalGround: 'court decision' } },
          at(3),
          NO_PERSONAL_DATA,
        ),
      ],
      { correlationId: 'erasure' },
    );
    await feedTestKeys.destroy(anna, at(3));
    const log = await store.readAll(1n, 10);

    // A feed that kept up publishes the tombstone; one that replays the whole log after the
    // erasure (a rebuilt site) publishes nothing of the record but the tombstone.
    const kept = await new RecordStates(store, feedTestKeys).changesOf(log.slice(2));
    const replayed = await new RecordStates(store, feedTestKeys).changesOf(log);

    for (const { changes, skipped } of [kept, replayed]) {
      expect(skipped).toEqual([]);
      expect(changes).toEqual([{ source: log[2], erased: anna, register: Register.PERSONS }]);
    }
  });
});

describe('isRecordEventType', () => {
  it('leaves an agency feed’s cut out of the feeds: it changes no record', () => {
    expect(isRecordEventType(AgencyFeedCutSchema.typeName)).toBe(false);
    expect(isRecordEventType(PersonRegisteredSchema.typeName)).toBe(true);
  });
});
