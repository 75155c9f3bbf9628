import { DomainRejection } from '@gov/platform-decider';
import type { Decider } from '@gov/platform-decider';

import { ConcurrencyError, StoreUnavailableError } from '../event-store/event-store-errors';
import type {
  AppendMetadata,
  AppendResult,
  EventStore,
  ExpectedVersion,
  NewEvent,
} from '../event-store/event-store';
import { InMemoryEventStore } from '../event-store/in-memory-event-store';
import { ExpectedVersionMismatchError, handleCommand } from './handle-command';
import type { EventCodec, EventSourcedAggregate } from './handle-command';

// A seat booking: a seat can be booked once; booking it again for the same person is a repeat.
type Command =
  | { readonly type: 'BookSeat'; readonly person: string; readonly at: Date }
  | { readonly type: 'ReleaseSeat'; readonly at: Date };
type Event =
  | { readonly type: 'SeatBooked'; readonly person: string; readonly at: Date }
  | { readonly type: 'SeatReleased'; readonly at: Date };
type State = { readonly holder: string | null; readonly bookings: number };

let decisions = 0;
const seat: Decider<Command, Event, State> = {
  initialState: { holder: null, bookings: 0 },
  decide(command, state) {
    decisions += 1;
    switch (command.type) {
      case 'BookSeat':
        if (state.holder === command.person) return [];
        if (state.holder !== null) {
          throw new DomainRejection('seat-taken', `booked by ${state.holder}`);
        }
        return [{ type: 'SeatBooked', person: command.person, at: command.at }];
      case 'ReleaseSeat':
        return state.holder === null ? [] : [{ type: 'SeatReleased', at: command.at }];
      default: {
        const unhandled: never = command;
        throw new Error(`unhandled command ${JSON.stringify(unhandled)}`);
      }
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'SeatBooked':
        return { holder: event.person, bookings: state.bookings + 1 };
      case 'SeatReleased':
        return { ...state, holder: null };
      default: {
        const unhandled: never = event;
        throw new Error(`unhandled event ${JSON.stringify(unhandled)}`);
      }
    }
  },
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const codec: EventCodec<Event> = {
  encode: (event) => ({
    eventType: `test.seats.v1.${event.type}`,
    payloadSchemaVersion: 1,
    payload: encoder.encode(JSON.stringify(event)),
    occurredAt: event.at,
  }),
  decode: (stored) => {
    const raw = JSON.parse(decoder.decode(stored.payload)) as Event & { at: string };
    return { ...raw, at: new Date(raw.at) };
  },
};
const aggregate: EventSourcedAggregate<Command, Event, State> = { decider: seat, codec };

const at = new Date('2026-05-01T10:00:00.000Z');
const metadata: AppendMetadata = { correlationId: 'req-1', causationId: 'cmd-1' };
const options = { metadata, backoff: { initialDelayMs: 0 } };

/** A store that runs `before` ahead of the first `appendsToDisturb` appends, then delegates. */
class DisturbedStore implements EventStore {
  appends = 0;

  constructor(
    private readonly inner: EventStore,
    private readonly before: () => Promise<unknown>,
    private readonly appendsToDisturb = 1,
  ) {}

  async append(
    streamId: string,
    expectedVersion: ExpectedVersion,
    events: readonly NewEvent[],
    meta: AppendMetadata,
  ): Promise<AppendResult> {
    this.appends += 1;
    if (this.appends <= this.appendsToDisturb) {
      await this.before();
    }
    return this.inner.append(streamId, expectedVersion, events, meta);
  }

  readStream(streamId: string, fromVersion?: number) {
    return this.inner.readStream(streamId, fromVersion);
  }

  readAll(fromPosition: bigint, limit: number) {
    return this.inner.readAll(fromPosition, limit);
  }

  headPosition() {
    return this.inner.headPosition();
  }
}

const book = (person: string): Command => ({ type: 'BookSeat', person, at });

describe('handleCommand', () => {
  let store: InMemoryEventStore;

  beforeEach(() => {
    store = new InMemoryEventStore({ producer: 'seats' });
    decisions = 0;
  });

  it('decides on a new stream and appends from version 1', async () => {
    const result = await handleCommand(store, aggregate, 'seat-1', book('ada'), options);

    expect(result).toMatchObject({
      events: [{ type: 'SeatBooked', person: 'ada', at }],
      streamVersion: 1,
      state: { holder: 'ada', bookings: 1 },
      attempts: 1,
    });
    expect(result.appended).toHaveLength(1);
    expect(result.appended[0]).toMatchObject({
      streamId: 'seat-1',
      streamVersion: 1,
      eventType: 'test.seats.v1.SeatBooked',
      occurredAt: at,
      correlationId: 'req-1',
      causationId: 'cmd-1',
    });
    expect(await store.readStream('seat-1')).toHaveLength(1);
  });

  it('folds the stream before deciding and appends at the loaded version', async () => {
    await handleCommand(store, aggregate, 'seat-1', book('ada'), options);
    await handleCommand(store, aggregate, 'seat-1', { type: 'ReleaseSeat', at }, options);

    const result = await handleCommand(store, aggregate, 'seat-1', book('bob'), options);

    expect(result.streamVersion).toBe(3);
    expect(result.state).toEqual({ holder: 'bob', bookings: 2 });
    expect((await store.readStream('seat-1')).map((e) => e.eventType)).toEqual([
      'test.seats.v1.SeatBooked',
      'test.seats.v1.SeatReleased',
      'test.seats.v1.SeatBooked',
    ]);
  });

  it('lets a rejection through unchanged and appends nothing', async () => {
    await handleCommand(store, aggregate, 'seat-1', book('ada'), options);

    const attempt = handleCommand(store, aggregate, 'seat-1', book('bob'), options);

    await expect(attempt).rejects.toBeInstanceOf(DomainRejection);
    await expect(attempt).rejects.toMatchObject({ code: 'seat-taken' });
    expect(await store.readStream('seat-1')).toHaveLength(1);
  });

  it('appends nothing when the decision is that nothing changes', async () => {
    await handleCommand(store, aggregate, 'seat-1', book('ada'), options);

    const result = await handleCommand(store, aggregate, 'seat-1', book('ada'), options);

    expect(result).toMatchObject({ events: [], appended: [], streamVersion: 1, attempts: 1 });
    expect(await store.headPosition()).toBe(1n);
  });

  it('reloads and decides again after a concurrent append, on the new state', async () => {
    await handleCommand(store, aggregate, 'seat-1', book('ada'), options);
    // While "release" is being decided, someone else releases and books the seat again.
    const disturbed = new DisturbedStore(store, async () => {
      await store.append('seat-1', 1, [codec.encode({ type: 'SeatReleased', at })], metadata);
      await store.append(
        'seat-1',
        2,
        [codec.encode({ type: 'SeatBooked', person: 'carol', at })],
        metadata,
      );
    });

    const result = await handleCommand(
      disturbed,
      aggregate,
      'seat-1',
      { type: 'ReleaseSeat', at },
      options,
    );

    expect(result.attempts).toBe(2);
    expect(result.streamVersion).toBe(4);
    expect(result.state).toEqual({ holder: null, bookings: 2 });
    expect(decisions).toBe(3);
  });

  it('gives up with the conflict after maxRetries retries', async () => {
    let competitor = 0;
    const disturbed = new DisturbedStore(
      store,
      () =>
        store.append('seat-1', 'any', [codec.encode({ type: 'SeatReleased', at })], {
          correlationId: `competitor-${++competitor}`,
        }),
      Infinity,
    );

    const attempt = handleCommand(disturbed, aggregate, 'seat-1', book('ada'), {
      ...options,
      maxRetries: 2,
    });

    await expect(attempt).rejects.toBeInstanceOf(ConcurrencyError);
    await expect(attempt).rejects.not.toBeInstanceOf(ExpectedVersionMismatchError);
    expect(disturbed.appends).toBe(3);
    expect((await store.readStream('seat-1')).map((e) => e.correlationId)).toEqual([
      'competitor-1',
      'competitor-2',
      'competitor-3',
    ]);
  });

  it('does not retry other failures', async () => {
    const failing = new DisturbedStore(store, () =>
      Promise.reject(new StoreUnavailableError('append', 'connection lost', '08006')),
    );

    await expect(
      handleCommand(failing, aggregate, 'seat-1', book('ada'), options),
    ).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(failing.appends).toBe(1);
  });

  describe('with the version the client stated (If-Match)', () => {
    it('appends when the stream is at that version', async () => {
      await handleCommand(store, aggregate, 'seat-1', book('ada'), options);

      const result = await handleCommand(
        store,
        aggregate,
        'seat-1',
        { type: 'ReleaseSeat', at },
        {
          ...options,
          expectedVersion: 1,
        },
      );

      expect(result.streamVersion).toBe(2);
    });

    it('fails before deciding when the stream has moved on', async () => {
      await handleCommand(store, aggregate, 'seat-1', book('ada'), options);
      decisions = 0;

      const attempt = handleCommand(
        store,
        aggregate,
        'seat-1',
        { type: 'ReleaseSeat', at },
        {
          ...options,
          expectedVersion: 0,
        },
      );

      await expect(attempt).rejects.toBeInstanceOf(ExpectedVersionMismatchError);
      await expect(attempt).rejects.toMatchObject({ expectedVersion: 0, actualVersion: 1 });
      expect(decisions).toBe(0);
      expect(await store.readStream('seat-1')).toHaveLength(1);
    });

    it('surfaces a conflict at append time instead of retrying', async () => {
      const disturbed = new DisturbedStore(store, () =>
        store.append(
          'seat-1',
          0,
          [codec.encode({ type: 'SeatBooked', person: 'carol', at })],
          metadata,
        ),
      );

      const attempt = handleCommand(disturbed, aggregate, 'seat-1', book('ada'), {
        ...options,
        expectedVersion: 0,
      });

      await expect(attempt).rejects.toBeInstanceOf(ExpectedVersionMismatchError);
      await expect(attempt).rejects.toMatchObject({ expectedVersion: 0, actualVersion: 1 });
      expect(disturbed.appends).toBe(1);
      expect(decisions).toBe(1);
    });
  });
});
