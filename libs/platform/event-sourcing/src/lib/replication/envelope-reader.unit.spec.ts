import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';

import { EventEnvelopeSchema } from '@gov/contracts';
import type { EventEnvelope } from '@gov/contracts';

import { readEventEnvelope } from './envelope-reader';

/** What the protobuf runtime reads from `bytes`, unknown fields left out as the reader does. */
function runtime(bytes: Uint8Array): EventEnvelope {
  return fromBinary(EventEnvelopeSchema, bytes, { readUnknownFields: false });
}

const full = create(EventEnvelopeSchema, {
  eventId: '0b6c8e2a-5d1f-4c47-9a3e-2f8f3c1d4e5a',
  eventType: 'gov.registry.v1.PersonRegistered',
  payloadSchemaVersion: 4_294_967_295,
  streamId: 'personne-Ézé-😀',
  streamVersion: 18_446_744_073_709_551_615n,
  globalPosition: 9_007_199_254_740_993n,
  producer: 'registry',
  occurredAt: timestampFromMs(-86_400_123),
  recordedAt: { seconds: 1_780_000_000n, nanos: 999_999_999 },
  correlationId: 'corr',
  causationId: 'cause',
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  tracestate: 'a=b',
  contentHash: new Uint8Array(32).fill(1),
  previousHash: new Uint8Array(32).fill(2),
  dataSubjectKeyId: 'key-1',
  payload: Uint8Array.from({ length: 300 }, (_, i) => i % 256),
  actor: { kind: 'agency', id: 'svc-1', organisationId: 'ccss' },
});

const sparse = create(EventEnvelopeSchema, {
  eventId: '0b6c8e2a-5d1f-4c47-9a3e-2f8f3c1d4e5b',
  eventType: 't',
  streamId: 's',
  streamVersion: 1n,
  globalPosition: 1n,
});

function concat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((part) => [...part]));
}

describe('readEventEnvelope', () => {
  it.each([
    ['every field set, extreme values, non-ASCII text', toBinary(EventEnvelopeSchema, full)],
    ['only a few fields set', toBinary(EventEnvelopeSchema, sparse)],
    ['no field at all', new Uint8Array(0)],
  ])('reads what the protobuf runtime reads: %s', (_, bytes) => {
    expect(readEventEnvelope(bytes)).toEqual(runtime(bytes));
  });

  it('skips unknown fields of every wire type, groups included', () => {
    const unknown = new BinaryWriter()
      .tag(100, WireType.Varint)
      .uint64(18_446_744_073_709_551_615n)
      .tag(101, WireType.Bit64)
      .fixed64(7n)
      .tag(102, WireType.Bit32)
      .fixed32(7)
      .tag(103, WireType.LengthDelimited)
      .bytes(new Uint8Array(5))
      .tag(104, WireType.StartGroup)
      .tag(1, WireType.Varint)
      .uint32(1)
      .tag(104, WireType.EndGroup)
      .finish();
    const bytes = concat(unknown, toBinary(EventEnvelopeSchema, full), unknown);

    expect(readEventEnvelope(bytes)).toEqual(runtime(bytes));
    expect(readEventEnvelope(bytes)).toEqual(runtime(toBinary(EventEnvelopeSchema, full)));
  });

  it('keeps the last value of a repeated scalar and merges repeated messages', () => {
    const second = create(EventEnvelopeSchema, {
      eventType: 'second',
      streamVersion: 2n,
      recordedAt: { nanos: 5 },
      actor: { id: 'other' },
    });
    const bytes = concat(
      toBinary(EventEnvelopeSchema, full),
      toBinary(EventEnvelopeSchema, second),
    );

    expect(readEventEnvelope(bytes)).toEqual(runtime(bytes));
    expect(readEventEnvelope(bytes)).toMatchObject({
      eventType: 'second',
      recordedAt: { seconds: 1_780_000_000n, nanos: 5 },
      actor: { kind: 'agency', id: 'other' },
    });
  });

  it.each([
    ['truncated', toBinary(EventEnvelopeSchema, full).subarray(0, 40)],
    ['a field of the wrong wire type', Uint8Array.from([0x0d, 1, 2, 3, 4])],
    ['a field number 0', Uint8Array.from([0x00, 1])],
    ['wire type 6', Uint8Array.from([0x0e])],
    ['invalid UTF-8 in a string', Uint8Array.from([0x0a, 0x02, 0xc3, 0x28])],
    ['a group that does not end', Uint8Array.from([0xa3, 0x06, 0x08, 0x01])],
  ])('throws, as the runtime does, for %s', (_, bytes) => {
    expect(() => runtime(bytes)).toThrow();
    expect(() => readEventEnvelope(bytes)).toThrow();
  });
});
