// Test helpers shared by this library's specs. Not exported from the library.
import type {
  AppendMetadata,
  EventStore,
  NewEvent,
  RecordedEvent,
} from '../event-store/event-store';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The event type of test events. */
export const TEST_EVENT_TYPE = 'test.es.v1.Noted';

/** Metadata for test appends. */
export const testMetadata: AppendMetadata = { correlationId: 'test-correlation' };

/** A test event whose payload is `text` in UTF-8. */
export function testEvent(text: string, overrides: Partial<NewEvent> = {}): NewEvent {
  return {
    eventType: TEST_EVENT_TYPE,
    payloadSchemaVersion: 1,
    payload: encoder.encode(text),
    occurredAt: new Date('2026-01-01T00:00:00.000Z'),
    ...overrides,
  };
}

/** The text of a test event's payload. */
export function payloadText(event: Pick<RecordedEvent, 'payload'>): string {
  return decoder.decode(event.payload);
}

export { waitFor } from '@gov/platform-testing';

/**
 * Appends `count` test events over `streams` in turn, 1 to `maxPerAppend` per append (so the
 * log interleaves streams and appends of several events).
 */
export async function appendSpread(
  store: Pick<EventStore, 'append'>,
  streams: readonly string[],
  count: number,
  maxPerAppend: number,
): Promise<void> {
  for (let i = 0; i < count;) {
    const stream = streams[i % streams.length] ?? 'stream';
    const size = Math.min(1 + (i % maxPerAppend), count - i);
    await store.append(
      stream,
      'any',
      Array.from({ length: size }, (_, k) => testEvent(`${stream}:${i + k}`)),
      testMetadata,
    );
    i += size;
  }
}
