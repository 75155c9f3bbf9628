// The EventStore contract: one suite, run against every implementation (in-memory in a unit
// spec, PostgreSQL in an int spec). It states the port's semantics; an implementation that
// passes it can replace another.
import { randomUUID } from 'node:crypto';

import { computeContentHash } from '../event-store/content-hash';
import { isCanonicalUuid } from '../event-store/event-id';
import {
  ConcurrencyError,
  DuplicateEventError,
  EventStoreError,
  InvalidArgumentError,
} from '../event-store/event-store-errors';
import type {
  AppendMetadata,
  EventStore,
  NewEvent,
  PositionedEvent,
  RecordedEvent,
} from '../event-store/event-store';
import type { Upcaster } from '../event-store/upcasting';

/** What the suite needs from an implementation. */
export interface EventStoreHarness {
  readonly store: EventStore;
  /** The producer name the store was constructed with. */
  readonly producer: string;
  /** Makes every committed event visible to `readAll` (the PostgreSQL store's sequencer). */
  settle(): Promise<void>;
}

/** Creates a store with the given upcasters; called before each test. */
export type EventStoreHarnessFactory = (options: {
  upcasters: readonly Upcaster[];
}) => Promise<EventStoreHarness>;

const TYPE = 'test.contract.v1.ThingHappened';
const RENAMED_V1 = 'test.contract.v1.ThingRenamed';
const RENAMED_V2 = 'test.contract.v2.ThingRenamed';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Test upcasters: `ThingRenamed` v1 carried a bare name; v2 of the same package wraps it in
 * JSON; the v2 package renames the type.
 */
const upcasters: readonly Upcaster[] = [
  {
    eventType: RENAMED_V1,
    fromVersion: 1,
    upcast: (event) => ({
      eventType: RENAMED_V1,
      payloadSchemaVersion: 2,
      payload: encoder.encode(JSON.stringify({ name: decoder.decode(event.payload) })),
    }),
  },
  {
    eventType: RENAMED_V1,
    fromVersion: 2,
    upcast: (event) => ({ eventType: RENAMED_V2, payloadSchemaVersion: 1, payload: event.payload }),
  },
];

const metadata: AppendMetadata = {
  correlationId: 'corr-1',
  causationId: 'cause-1',
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  tracestate: 'vendor=x',
  actor: { kind: 'registrar', id: 'clerk-1', organisationId: 'rnpp' },
};

function streamId(): string {
  return `thing-${randomUUID()}`;
}

function event(text: string, overrides: Partial<NewEvent> = {}): NewEvent {
  return {
    eventType: TYPE,
    payloadSchemaVersion: 1,
    payload: encoder.encode(text),
    occurredAt: new Date('2026-02-03T04:05:06.789Z'),
    ...overrides,
  };
}

const text = (e: RecordedEvent): string => decoder.decode(e.payload);

/** The error `promise` rejects with (fails the test if it resolves). */
async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

/** Reads the whole log from `from` on, in pages of `page`. */
async function readLogFrom(store: EventStore, from: bigint, page = 3): Promise<PositionedEvent[]> {
  const all: PositionedEvent[] = [];
  for (let next = from; ;) {
    const batch = await store.readAll(next, page);
    all.push(...batch);
    const last = batch.at(-1);
    if (!last || batch.length < page) {
      return all;
    }
    next = last.globalPosition + 1n;
  }
}

/** Registers the contract suite for one implementation. */
export function describeEventStoreContract(
  implementation: string,
  createHarness: EventStoreHarnessFactory,
): void {
  describe(`EventStore contract: ${implementation}`, () => {
    let harness: EventStoreHarness;
    let store: EventStore;

    beforeEach(async () => {
      harness = await createHarness({ upcasters });
      store = harness.store;
    });

    describe('append and readStream', () => {
      it('stores a new stream from version 1 with every envelope field', async () => {
        const id = streamId();
        const givenId = randomUUID();
        const before = Date.now();
        const result = await store.append(
          id,
          0,
          [event('a', { eventId: givenId, dataSubjectKeyId: 'dsk-1' }), event('b')],
          metadata,
        );

        expect(result.streamVersion).toBe(2);
        const stored = await store.readStream(id);
        expect(stored.map((e) => ({ ...e, globalPosition: null }))).toEqual(
          result.events.map((e) => ({ ...e, globalPosition: null })),
        );
        const [first, second] = stored;
        expect(first).toMatchObject({
          eventId: givenId,
          eventType: TYPE,
          payloadSchemaVersion: 1,
          streamId: id,
          streamVersion: 1,
          producer: harness.producer,
          occurredAt: new Date('2026-02-03T04:05:06.789Z'),
          correlationId: 'corr-1',
          causationId: 'cause-1',
          traceparent: metadata.traceparent,
          tracestate: 'vendor=x',
          actor: { kind: 'registrar', id: 'clerk-1', organisationId: 'rnpp' },
          previousHash: null,
          dataSubjectKeyId: 'dsk-1',
        });
        expect(text(first!)).toBe('a');
        expect(second).toMatchObject({ streamVersion: 2, dataSubjectKeyId: null });
        expect(isCanonicalUuid(second!.eventId)).toBe(true);
        expect(second!.eventId).not.toBe(givenId);
        expect(first!.recordedAt.getTime()).toBeGreaterThanOrEqual(before - 1_000);
        expect(first!.recordedAt.getTime()).toBeLessThanOrEqual(Date.now() + 1_000);
      });

      it('hashes each event and chains it to its predecessor, across appends', async () => {
        const id = streamId();
        await store.append(id, 0, [event('a'), event('b')], metadata);
        const second = await store.append(id, 2, [event('c')], metadata);

        const stored = await store.readStream(id);
        stored.forEach((e, i) => {
          expect(e.contentHash).toEqual(
            computeContentHash(id, e.streamVersion, e.eventType, e.payload),
          );
          expect(e.previousHash).toEqual(i === 0 ? null : stored[i - 1]!.contentHash);
        });
        expect(second.events[0]!.previousHash).toEqual(stored[1]!.contentHash);
      });

      it('stores payloads byte for byte, whatever they contain', async () => {
        const id = streamId();
        const big = new Uint8Array(1024 * 1024).map((_, i) => (i * 31) % 256);
        const payloads = [new Uint8Array(0), Uint8Array.from([0, 0, 255, 0]), big];
        await store.append(
          id,
          0,
          payloads.map((payload) => event('', { payload })),
          metadata,
        );

        const stored = await store.readStream(id);
        // Compared as base64: a deep equality over a million array elements takes seconds.
        const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
        expect(stored.map((e) => base64(e.payload))).toEqual(payloads.map(base64));
      });

      it('records absent or empty optional metadata as null', async () => {
        const id = streamId();
        await store.append(id, 0, [event('a')], {
          correlationId: 'corr-2',
          causationId: '',
          traceparent: '',
        });
        const [stored] = await store.readStream(id);
        expect(stored).toMatchObject({
          correlationId: 'corr-2',
          causationId: null,
          traceparent: null,
          tracestate: null,
          dataSubjectKeyId: null,
          actor: null,
        });
      });

      it('reads from a version on, and nothing for an unknown stream', async () => {
        const id = streamId();
        await store.append(
          id,
          0,
          ['a', 'b', 'c', 'd'].map((t) => event(t)),
          metadata,
        );

        expect((await store.readStream(id, 3)).map(text)).toEqual(['c', 'd']);
        expect(await store.readStream(id, 5)).toEqual([]);
        expect(await store.readStream(streamId())).toEqual([]);
      });

      it("appends after whatever is there with 'any'", async () => {
        const id = streamId();
        expect((await store.append(id, 'any', [event('a')], metadata)).streamVersion).toBe(1);
        expect((await store.append(id, 'any', [event('b')], metadata)).streamVersion).toBe(2);
        const stored = await store.readStream(id);
        expect(stored.map((e) => e.streamVersion)).toEqual([1, 2]);
        expect(stored[1]!.previousHash).toEqual(stored[0]!.contentHash);
      });
    });

    describe('optimistic concurrency', () => {
      it('refuses to create a stream that exists', async () => {
        const id = streamId();
        await store.append(id, 0, [event('a'), event('b')], metadata);

        const error = await failure(store.append(id, 0, [event('x')], metadata));

        expect(error).toBeInstanceOf(ConcurrencyError);
        expect(error).toMatchObject({
          kind: 'concurrency',
          streamId: id,
          expectedVersion: 0,
          actualVersion: 2,
          conflict: 'version-mismatch',
        });
        expect((await store.readStream(id)).map(text)).toEqual(['a', 'b']);
      });

      it('refuses an expected version behind or ahead of the stream', async () => {
        const id = streamId();
        await store.append(id, 0, [event('a'), event('b')], metadata);

        await expect(store.append(id, 1, [event('x')], metadata)).rejects.toMatchObject({
          kind: 'concurrency',
          expectedVersion: 1,
          actualVersion: 2,
        });
        await expect(store.append(id, 3, [event('x')], metadata)).rejects.toMatchObject({
          kind: 'concurrency',
          expectedVersion: 3,
          actualVersion: 2,
        });
        await expect(store.append(streamId(), 1, [event('x')], metadata)).rejects.toMatchObject({
          kind: 'concurrency',
          actualVersion: 0,
        });
        expect((await store.readStream(id)).map(text)).toEqual(['a', 'b']);
      });

      it('lets exactly one of several concurrent appends at the same version win', async () => {
        const id = streamId();
        await store.append(id, 0, [event('start')], metadata);

        const outcomes = await Promise.allSettled(
          Array.from({ length: 8 }, (_, i) =>
            store.append(id, 1, [event(`w${i}-1`), event(`w${i}-2`)], metadata),
          ),
        );

        const won = outcomes.filter((o) => o.status === 'fulfilled');
        const lost = outcomes.filter((o) => o.status === 'rejected');
        expect(won).toHaveLength(1);
        for (const o of lost) {
          expect(o.reason).toBeInstanceOf(ConcurrencyError);
        }
        const stored = await store.readStream(id);
        expect(stored.map((e) => e.streamVersion)).toEqual([1, 2, 3]);
        expect(stored.slice(1).map((e) => e.eventId)).toEqual(
          won[0]!.value.events.map((e) => e.eventId),
        );
      });

      it("serializes concurrent 'any' appends into a gapless stream", async () => {
        const id = streamId();
        await Promise.all(
          Array.from({ length: 8 }, (_, i) => store.append(id, 'any', [event(`${i}`)], metadata)),
        );
        const stored = await store.readStream(id);
        expect(stored.map((e) => e.streamVersion)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
        expect(new Set(stored.map(text)).size).toBe(8);
        stored.slice(1).forEach((e, i) => {
          expect(e.previousHash).toEqual(stored[i]!.contentHash);
        });
      });
    });

    describe('atomicity and idempotency', () => {
      it('refuses an event id that is already stored, and stores nothing of that append', async () => {
        const id = streamId();
        const taken = randomUUID();
        await store.append(id, 0, [event('a', { eventId: taken })], metadata);

        const other = streamId();
        const error = await failure(
          store.append(other, 0, [event('fresh'), event('dup', { eventId: taken })], metadata),
        );

        expect(error).toBeInstanceOf(DuplicateEventError);
        expect(error).toMatchObject({ kind: 'duplicate-event', eventId: taken });
        expect(await store.readStream(other)).toEqual([]);
      });
    });

    describe('input validation', () => {
      const invalid: [string, () => Promise<unknown>][] = [
        ['an empty stream id', () => store.append('', 0, [event('a')], metadata)],
        ['no events', () => store.append(streamId(), 0, [], metadata)],
        ['a negative expected version', () => store.append(streamId(), -1, [event('a')], metadata)],
        [
          'a fractional expected version',
          () => store.append(streamId(), 1.5, [event('a')], metadata),
        ],
        [
          'a non-canonical event id',
          () =>
            store.append(
              streamId(),
              0,
              [event('a', { eventId: randomUUID().toUpperCase() })],
              metadata,
            ),
        ],
        [
          'an id repeated within the append',
          () => {
            const eventId = randomUUID();
            return store.append(
              streamId(),
              0,
              [event('a', { eventId }), event('b', { eventId })],
              metadata,
            );
          },
        ],
        [
          'an event type that is not a qualified name',
          () => store.append(streamId(), 0, [event('a', { eventType: 'Happened' })], metadata),
        ],
        [
          'payload schema version 0',
          () => store.append(streamId(), 0, [event('a', { payloadSchemaVersion: 0 })], metadata),
        ],
        [
          'an invalid date',
          () => store.append(streamId(), 0, [event('a', { occurredAt: new Date('x') })], metadata),
        ],
        [
          'an empty correlation id',
          () => store.append(streamId(), 0, [event('a')], { correlationId: '' }),
        ],
        [
          'a malformed traceparent',
          () => store.append(streamId(), 0, [event('a')], { correlationId: 'c', traceparent: 'x' }),
        ],
        ['reading from version 0', () => store.readStream(streamId(), 0)],
        ['reading the log with limit 0', () => store.readAll(1n, 0)],
      ];

      it.each(invalid)('refuses %s', async (_name, attempt) => {
        const error = await failure(attempt());
        expect(error).toBeInstanceOf(InvalidArgumentError);
        expect(error).toBeInstanceOf(EventStoreError);
      });
    });

    describe('the global log', () => {
      it('holds every event once, densely numbered, in append order', async () => {
        await harness.settle();
        const head = await store.headPosition();
        const a = streamId();
        const b = streamId();
        await store.append(a, 0, [event('a1'), event('a2')], metadata);
        await store.append(b, 0, [event('b1')], metadata);
        await store.append(a, 2, [event('a3')], metadata);
        await harness.settle();

        const log = await readLogFrom(store, head + 1n);

        expect(log.map((e) => e.globalPosition)).toEqual([1n, 2n, 3n, 4n].map((p) => head + p));
        expect(log.map(text)).toEqual(['a1', 'a2', 'b1', 'a3']);
        expect(log.map((e) => [e.streamId, e.streamVersion])).toEqual([
          [a, 1],
          [a, 2],
          [b, 1],
          [a, 3],
        ]);
        expect(await store.headPosition()).toBe(head + 4n);
        const [fromStream] = await store.readStream(b);
        expect(fromStream).toEqual(log[2]);
      });

      it('pages by position and ends at the head', async () => {
        await store.append(
          streamId(),
          0,
          ['1', '2', '3', '4', '5'].map((t) => event(t)),
          metadata,
        );
        await harness.settle();
        const head = await store.headPosition();

        const page = await store.readAll(head - 4n, 2);
        expect(page.map(text)).toEqual(['1', '2']);
        const next = await store.readAll(page[1]!.globalPosition + 1n, 10);
        expect(next.map(text)).toEqual(['3', '4', '5']);
        expect(await store.readAll(head + 1n, 10)).toEqual([]);
        expect((await store.readAll(0n, 1))[0]?.globalPosition).toBe(1n);
      });
    });

    describe('upcasting on read', () => {
      it('maps older payload versions to the current shape in readStream and readAll', async () => {
        const id = streamId();
        await harness.settle();
        const head = await store.headPosition();
        await store.append(
          id,
          0,
          [
            event('old-name', { eventType: RENAMED_V1, payloadSchemaVersion: 1 }),
            event('{"name":"newer"}', { eventType: RENAMED_V1, payloadSchemaVersion: 2 }),
            event('untouched'),
          ],
          metadata,
        );
        await harness.settle();

        const fromStream = await store.readStream(id);
        const fromLog = await store.readAll(head + 1n, 10);

        for (const events of [fromStream, fromLog]) {
          expect(events.map((e) => [e.eventType, e.payloadSchemaVersion, text(e)])).toEqual([
            [RENAMED_V2, 1, '{"name":"old-name"}'],
            [RENAMED_V2, 1, '{"name":"newer"}'],
            [TYPE, 1, 'untouched'],
          ]);
          // The hash still covers the payload as stored.
          expect(events[0]!.contentHash).toEqual(
            computeContentHash(id, 1, RENAMED_V1, encoder.encode('old-name')),
          );
        }
      });
    });
  });
}
