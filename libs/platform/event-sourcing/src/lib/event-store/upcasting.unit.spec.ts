import { InMemoryEventStore } from './in-memory-event-store';
import { UpcastError } from './event-store-errors';
import type { RecordedEvent } from './event-store';
import { UpcasterRegistry } from './upcasting';
import type { Upcaster } from './upcasting';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const json = (value: unknown) => encoder.encode(JSON.stringify(value));
const parse = (bytes: Uint8Array): unknown => JSON.parse(decoder.decode(bytes));

function stored(eventType: string, payloadSchemaVersion: number, payload: unknown): RecordedEvent {
  return {
    eventId: '0b6c8e2a-5d1f-4c47-9a3e-2f8f3c1d4e5a',
    eventType,
    payloadSchemaVersion,
    streamId: 'person-1',
    streamVersion: 1,
    globalPosition: 1n,
    producer: 'registry',
    occurredAt: new Date(0),
    recordedAt: new Date(0),
    correlationId: 'c',
    causationId: null,
    traceparent: null,
    tracestate: null,
    contentHash: new Uint8Array(32),
    previousHash: null,
    dataSubjectKeyId: null,
    payload: json(payload),
    actor: null,
  };
}

// PersonRegistered v1 had `name`; v2 split it into given and family names; then the package
// moved to v2 with the address made mandatory.
const nameSplit: Upcaster = {
  eventType: 'gov.registry.v1.PersonRegistered',
  fromVersion: 1,
  upcast: (event) => {
    const { name } = parse(event.payload) as { name: string };
    const [given = '', ...family] = name.split(' ');
    return {
      eventType: event.eventType,
      payloadSchemaVersion: 2,
      payload: json({ givenName: given, familyName: family.join(' ') }),
    };
  },
};
const toV2Package: Upcaster = {
  eventType: 'gov.registry.v1.PersonRegistered',
  fromVersion: 2,
  upcast: (event) => ({
    eventType: 'gov.registry.v2.PersonRegistered',
    payloadSchemaVersion: 1,
    payload: json({ ...(parse(event.payload) as object), address: 'unknown' }),
  }),
};

describe('UpcasterRegistry', () => {
  const registry = new UpcasterRegistry([toV2Package, nameSplit]);

  it('chains upcasters from the stored version to the current shape', () => {
    const event = registry.apply(
      stored('gov.registry.v1.PersonRegistered', 1, { name: 'Ada King Lovelace' }),
    );
    expect(event.eventType).toBe('gov.registry.v2.PersonRegistered');
    expect(event.payloadSchemaVersion).toBe(1);
    expect(parse(event.payload)).toEqual({
      givenName: 'Ada',
      familyName: 'King Lovelace',
      address: 'unknown',
    });
    // Everything else, the hash of the stored bytes included, is the stored event's.
    expect(event.eventId).toBe('0b6c8e2a-5d1f-4c47-9a3e-2f8f3c1d4e5a');
    expect(event.contentHash).toEqual(new Uint8Array(32));
  });

  it('starts the chain wherever the stored version is', () => {
    const event = registry.apply(
      stored('gov.registry.v1.PersonRegistered', 2, { givenName: 'Ada', familyName: 'K' }),
    );
    expect(event.eventType).toBe('gov.registry.v2.PersonRegistered');
    expect(parse(event.payload)).toEqual({ givenName: 'Ada', familyName: 'K', address: 'unknown' });
  });

  it('returns events without an upcaster unchanged', () => {
    const current = stored('gov.registry.v2.PersonRegistered', 1, { givenName: 'Ada' });
    expect(registry.apply(current)).toBe(current);
  });

  it('refuses two upcasters for the same type and version', () => {
    expect(() => new UpcasterRegistry([nameSplit, { ...nameSplit }])).toThrow(/two upcasters/);
  });

  it('stops a chain that does not move forward', () => {
    const loop = new UpcasterRegistry([
      { eventType: 'a.v1.X', fromVersion: 1, upcast: (e) => ({ ...e, eventType: 'b.v1.X' }) },
      { eventType: 'b.v1.X', fromVersion: 1, upcast: (e) => ({ ...e, eventType: 'a.v1.X' }) },
    ]);
    expect(() => loop.apply(stored('a.v1.X', 1, {}))).toThrow(UpcastError);
    const backwards = new UpcasterRegistry([
      { eventType: 'a.v1.X', fromVersion: 2, upcast: (e) => ({ ...e, payloadSchemaVersion: 1 }) },
    ]);
    expect(() => backwards.apply(stored('a.v1.X', 2, {}))).toThrow(/does not progress/);
  });

  it('reports a failing upcaster with the event it failed on', () => {
    const failing = new UpcasterRegistry([
      {
        eventType: 'a.v1.X',
        fromVersion: 1,
        upcast: () => {
          throw new Error('bad data');
        },
      },
    ]);
    const error = (() => {
      try {
        failing.apply(stored('a.v1.X', 1, {}));
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UpcastError);
    expect(error).toMatchObject({
      kind: 'upcast-failed',
      eventId: '0b6c8e2a-5d1f-4c47-9a3e-2f8f3c1d4e5a',
      eventType: 'a.v1.X',
      payloadSchemaVersion: 1,
      message: expect.stringContaining('bad data') as unknown,
    });
  });
});

describe('upcasting in a store', () => {
  it('applies on readStream and readAll, leaving the stored event as it was', async () => {
    const store = new InMemoryEventStore({
      producer: 'registry',
      upcasters: [nameSplit, toV2Package],
    });
    const plain = new InMemoryEventStore({ producer: 'registry' });
    for (const s of [store, plain]) {
      await s.append(
        'person-1',
        0,
        [
          {
            eventType: 'gov.registry.v1.PersonRegistered',
            payloadSchemaVersion: 1,
            payload: json({ name: 'Ada Lovelace' }),
            occurredAt: new Date(0),
          },
        ],
        { correlationId: 'c' },
      );
    }

    const [fromStream] = await store.readStream('person-1');
    const [fromLog] = await store.readAll(1n, 1);
    for (const event of [fromStream, fromLog]) {
      expect(event?.eventType).toBe('gov.registry.v2.PersonRegistered');
      expect(parse(event!.payload)).toEqual({
        givenName: 'Ada',
        familyName: 'Lovelace',
        address: 'unknown',
      });
    }
    const [raw] = await plain.readStream('person-1');
    expect(raw?.eventType).toBe('gov.registry.v1.PersonRegistered');
    expect(fromStream?.contentHash).toEqual(raw?.contentHash);
  });
});
