import { create, createRegistry, fromBinary, toBinary } from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { TimestampSchema, timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import { EventEnvelopeSchema } from './index';

const occurredAt = new Date('2026-03-01T09:15:00.000Z');
const recordedAt = new Date('2026-03-01T09:15:00.123Z');

/** A stand-in payload: any generated message works the same way. */
const payloadMessage = create(TimestampSchema, { seconds: 1_772_356_500n, nanos: 7 });

function fullEnvelope() {
  return create(EventEnvelopeSchema, {
    eventId: '0b6c8e2a-5d1f-4c47-9a3e-2f8f3c1d4e5a',
    eventType: TimestampSchema.typeName,
    payloadSchemaVersion: 2,
    streamId: 'person-7f3e2a90',
    streamVersion: 3n,
    // Beyond Number.MAX_SAFE_INTEGER: uint64 positions must survive as bigint, not lose precision.
    globalPosition: 9_007_199_254_740_993n,
    producer: 'registry',
    occurredAt: timestampFromDate(occurredAt),
    recordedAt: timestampFromDate(recordedAt),
    correlationId: 'c1a5d1f0-0000-4000-8000-000000000001',
    causationId: 'c1a5d1f0-0000-4000-8000-000000000002',
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    tracestate: 'vendor=opaque',
    contentHash: new Uint8Array(32).fill(0xab),
    previousHash: new Uint8Array(32).fill(0xcd),
    dataSubjectKeyId: 'dsk-person-7f3e2a90-1',
    payload: toBinary(TimestampSchema, payloadMessage),
  });
}

describe('EventEnvelope', () => {
  it('survives a binary round trip field by field', () => {
    const sent = fullEnvelope();

    const received = fromBinary(EventEnvelopeSchema, toBinary(EventEnvelopeSchema, sent));

    expect(received.eventId).toBe('0b6c8e2a-5d1f-4c47-9a3e-2f8f3c1d4e5a');
    expect(received.eventType).toBe('google.protobuf.Timestamp');
    expect(received.payloadSchemaVersion).toBe(2);
    expect(received.streamId).toBe('person-7f3e2a90');
    expect(received.streamVersion).toBe(3n);
    expect(received.globalPosition).toBe(9_007_199_254_740_993n);
    expect(received.producer).toBe('registry');
    expect(received.occurredAt && timestampDate(received.occurredAt)).toEqual(occurredAt);
    expect(received.recordedAt && timestampDate(received.recordedAt)).toEqual(recordedAt);
    expect(received.correlationId).toBe('c1a5d1f0-0000-4000-8000-000000000001');
    expect(received.causationId).toBe('c1a5d1f0-0000-4000-8000-000000000002');
    expect(received.traceparent).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    expect(received.tracestate).toBe('vendor=opaque');
    expect(received.contentHash).toEqual(new Uint8Array(32).fill(0xab));
    expect(received.previousHash).toEqual(new Uint8Array(32).fill(0xcd));
    expect(received.dataSubjectKeyId).toBe('dsk-person-7f3e2a90-1');
    expect(received.payload).toEqual(toBinary(TimestampSchema, payloadMessage));
  });

  it('lets a consumer decode the payload from the message named by event_type', () => {
    const received = fromBinary(EventEnvelopeSchema, toBinary(EventEnvelopeSchema, fullEnvelope()));
    const registry = createRegistry(TimestampSchema);

    const schema = registry.getMessage(received.eventType);

    expect(schema).toBeDefined();
    expect(fromBinary(schema!, received.payload)).toEqual(payloadMessage);
  });

  it('decodes empty input to the documented zero values, which mark a malformed envelope', () => {
    const received = fromBinary(EventEnvelopeSchema, new Uint8Array(0));

    expect(received.eventId).toBe('');
    expect(received.eventType).toBe('');
    expect(received.payloadSchemaVersion).toBe(0);
    expect(received.streamId).toBe('');
    expect(received.streamVersion).toBe(0n);
    expect(received.globalPosition).toBe(0n);
    expect(received.producer).toBe('');
    expect(received.occurredAt).toBeUndefined();
    expect(received.recordedAt).toBeUndefined();
    expect(received.correlationId).toBe('');
    expect(received.causationId).toBe('');
    expect(received.traceparent).toBe('');
    expect(received.tracestate).toBe('');
    expect(received.contentHash).toEqual(new Uint8Array(0));
    expect(received.previousHash).toEqual(new Uint8Array(0));
    expect(received.dataSubjectKeyId).toBe('');
    expect(received.payload).toEqual(new Uint8Array(0));
  });

  it('keeps fields from a newer producer that it does not know, and passes them on unchanged', () => {
    const known = toBinary(EventEnvelopeSchema, fullEnvelope());
    const fromNewerProducer = new Uint8Array([
      ...known,
      ...new BinaryWriter().tag(99, WireType.LengthDelimited).string('added later').finish(),
    ]);

    const received = fromBinary(EventEnvelopeSchema, fromNewerProducer);

    expect(received.eventId).toBe('0b6c8e2a-5d1f-4c47-9a3e-2f8f3c1d4e5a');
    expect(received.streamVersion).toBe(3n);
    expect(received.$unknown?.map((field) => field.no)).toEqual([99]);
    expect(toBinary(EventEnvelopeSchema, received)).toEqual(fromNewerProducer);
  });
});
