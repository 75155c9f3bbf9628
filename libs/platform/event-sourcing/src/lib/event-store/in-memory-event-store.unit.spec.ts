import { describeEventStoreContract } from '../testing/event-store.contract';
import { InMemoryEventStore } from './in-memory-event-store';

describeEventStoreContract('in memory', ({ upcasters }) =>
  Promise.resolve({
    store: new InMemoryEventStore({ producer: 'contract-test', upcasters }),
    producer: 'contract-test',
    settle: () => Promise.resolve(),
  }),
);

describe('InMemoryEventStore', () => {
  it('keeps its own copy of payloads', async () => {
    const store = new InMemoryEventStore({ producer: 'p' });
    const payload = Uint8Array.from([1, 2, 3]);
    await store.append(
      's',
      0,
      [{ eventType: 'a.v1.B', payloadSchemaVersion: 1, payload, occurredAt: new Date() }],
      {
        correlationId: 'c',
      },
    );
    payload[0] = 9;
    const [read] = await store.readStream('s');
    read!.payload[1] = 9;
    expect(Array.from((await store.readStream('s'))[0]!.payload)).toEqual([1, 2, 3]);
  });

  it('records the time of its clock', async () => {
    const at = new Date('2030-01-01T00:00:00.000Z');
    const store = new InMemoryEventStore({ producer: 'p', now: () => at });
    const { events } = await store.append(
      's',
      'any',
      [{ eventType: 'a.v1.B', payloadSchemaVersion: 1, payload: new Uint8Array(), occurredAt: at }],
      { correlationId: 'c' },
    );
    expect(events[0]!.recordedAt).toEqual(at);
  });
});
