// A reader of `gov.platform.v1.EventEnvelope` written for the one message it reads, for the
// replay: the generic protobuf runtime reads any message by walking its descriptors field by
// field, which made decoding the largest share of the replayer's CPU after Kafka's own (see
// tools/bench/README.md). It reads the same wire format into the same `EventEnvelope` value
// (checked against the runtime in envelope-reader.unit.spec.ts), so `fromEventEnvelope` applies
// the envelope contract exactly as for any consumer.
import { Buffer } from 'node:buffer';

import type { Timestamp } from '@bufbuild/protobuf/wkt';

import type { Actor, EventEnvelope } from '@gov/contracts';

const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const START_GROUP = 3;
const END_GROUP = 4;
const FIXED32 = 5;
/** As deep as the protobuf runtime lets groups nest. */
const RECURSION_LIMIT = 100;
const TWO_POW_32 = 2 ** 32;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** The value of an absent bytes field (never written to). */
const EMPTY = new Uint8Array(0);

/**
 * Reads a serialized `EventEnvelope`: fields in any order, a repeated scalar field's last value,
 * repeated message fields merged, unknown fields skipped (not kept), strings validated as UTF-8.
 *
 * @throws Error for bytes that are not a valid encoding (truncated, a bad tag or wire type,
 *   invalid UTF-8).
 */
export function readEventEnvelope(bytes: Uint8Array): EventEnvelope {
  const reader = new Reader(bytes);
  const envelope: EventEnvelope = {
    $typeName: 'gov.platform.v1.EventEnvelope',
    eventId: '',
    eventType: '',
    payloadSchemaVersion: 0,
    streamId: '',
    streamVersion: 0n,
    globalPosition: 0n,
    producer: '',
    correlationId: '',
    causationId: '',
    traceparent: '',
    tracestate: '',
    contentHash: EMPTY,
    previousHash: EMPTY,
    dataSubjectKeyId: '',
    payload: EMPTY,
  };
  while (reader.more()) {
    const [field, wire] = reader.tag();
    switch (field) {
      case 1:
        envelope.eventId = reader.string(wire);
        break;
      case 2:
        envelope.eventType = reader.string(wire);
        break;
      case 3:
        envelope.payloadSchemaVersion = reader.uint32(wire);
        break;
      case 4:
        envelope.streamId = reader.string(wire);
        break;
      case 5:
        envelope.streamVersion = reader.uint64(wire);
        break;
      case 6:
        envelope.globalPosition = reader.uint64(wire);
        break;
      case 7:
        envelope.producer = reader.string(wire);
        break;
      case 8:
        envelope.occurredAt = reader.timestamp(wire, envelope.occurredAt);
        break;
      case 9:
        envelope.recordedAt = reader.timestamp(wire, envelope.recordedAt);
        break;
      case 10:
        envelope.correlationId = reader.string(wire);
        break;
      case 11:
        envelope.causationId = reader.string(wire);
        break;
      case 12:
        envelope.traceparent = reader.string(wire);
        break;
      case 13:
        envelope.tracestate = reader.string(wire);
        break;
      case 14:
        envelope.contentHash = reader.bytes(wire);
        break;
      case 15:
        envelope.previousHash = reader.bytes(wire);
        break;
      case 16:
        envelope.dataSubjectKeyId = reader.string(wire);
        break;
      case 17:
        envelope.payload = reader.bytes(wire);
        break;
      case 18:
        envelope.actor = reader.actor(wire, envelope.actor);
        break;
      default:
        reader.skip(field, wire, RECURSION_LIMIT);
    }
  }
  return envelope;
}

class Reader {
  private pos: number;
  private readonly buf: Buffer;

  constructor(
    bytes: Uint8Array,
    start = 0,
    private readonly end = bytes.byteLength,
  ) {
    this.buf = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
  }

  more(): boolean {
    return this.pos < this.end;
  }

  tag(): [field: number, wire: number] {
    const start = this.pos;
    const tag = this.varint32();
    if (this.pos - start > 5 || (this.pos - start === 5 && (this.buf[this.pos - 1] ?? 0) > 0x0f)) {
      throw new Error('illegal tag: varint overflows uint32');
    }
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field <= 0 || wire > 5) {
      throw new Error(`illegal tag: field no ${String(field)} wire type ${String(wire)}`);
    }
    return [field, wire];
  }

  uint32(wire: number): number {
    expectWire(wire, VARINT);
    return this.varint32();
  }

  uint64(wire: number): bigint {
    expectWire(wire, VARINT);
    const [low, high] = this.varint64();
    return high < 0x200000 ? BigInt(high * TWO_POW_32 + low) : (BigInt(high) << 32n) | BigInt(low);
  }

  bytes(wire: number): Uint8Array {
    const [start, end] = this.delimited(wire);
    return this.buf.subarray(start, end);
  }

  string(wire: number): string {
    const [start, end] = this.delimited(wire);
    const buf = this.buf;
    for (let i = start; i < end; i += 1) {
      if ((buf[i] ?? 0) > 0x7f) return strictUtf8.decode(buf.subarray(start, end));
    }
    return buf.toString('latin1', start, end);
  }

  timestamp(wire: number, into: Timestamp | undefined): Timestamp {
    const [start, end] = this.delimited(wire);
    const timestamp: Timestamp = into ?? {
      $typeName: 'google.protobuf.Timestamp',
      seconds: 0n,
      nanos: 0,
    };
    const inner = new Reader(this.buf, start, end);
    while (inner.more()) {
      const [field, fieldWire] = inner.tag();
      if (field === 1) {
        expectWire(fieldWire, VARINT);
        const [low, high] = inner.varint64();
        // int64: two's complement over the 64 bits.
        timestamp.seconds = BigInt.asIntN(64, (BigInt(high) << 32n) | BigInt(low));
      } else if (field === 2) {
        timestamp.nanos = inner.uint32(fieldWire) | 0;
      } else {
        inner.skip(field, fieldWire, RECURSION_LIMIT);
      }
    }
    return timestamp;
  }

  actor(wire: number, into: Actor | undefined): Actor {
    const [start, end] = this.delimited(wire);
    const actor: Actor = into ?? {
      $typeName: 'gov.platform.v1.Actor',
      kind: '',
      id: '',
      organisationId: '',
    };
    const inner = new Reader(this.buf, start, end);
    while (inner.more()) {
      const [field, fieldWire] = inner.tag();
      if (field === 1) actor.kind = inner.string(fieldWire);
      else if (field === 2) actor.id = inner.string(fieldWire);
      else if (field === 3) actor.organisationId = inner.string(fieldWire);
      else inner.skip(field, fieldWire, RECURSION_LIMIT);
    }
    return actor;
  }

  skip(field: number, wire: number, depth: number): void {
    switch (wire) {
      case VARINT:
        this.varint64();
        return;
      case FIXED64:
        this.advance(8);
        return;
      case FIXED32:
        this.advance(4);
        return;
      case LENGTH_DELIMITED:
        this.delimited(wire);
        return;
      case START_GROUP: {
        if (depth <= 0) throw new Error('maximum recursion depth reached');
        for (;;) {
          const [inner, innerWire] = this.tag();
          if (innerWire === END_GROUP) {
            if (inner !== field) throw new Error('invalid end group tag');
            return;
          }
          this.skip(inner, innerWire, depth - 1);
        }
      }
      default:
        throw new Error(`cannot skip wire type ${String(wire)}`);
    }
  }

  private delimited(wire: number): [start: number, end: number] {
    expectWire(wire, LENGTH_DELIMITED);
    const length = this.varint32();
    const start = this.pos;
    this.advance(length);
    return [start, this.pos];
  }

  private advance(bytes: number): void {
    this.pos += bytes;
    if (this.pos > this.end) throw new RangeError('premature end of the envelope');
  }

  private byte(): number {
    if (this.pos >= this.end) throw new RangeError('premature end of the envelope');
    return this.buf[this.pos++] ?? 0;
  }

  /** The low 32 bits of a varint of up to 10 bytes, unsigned. */
  private varint32(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte();
      result |= (b & 0x7f) << shift;
      if (b < 0x80) return result >>> 0;
    }
    // Bytes 6 to 10 only carry bits above the 32 kept (a negative int32 is sign-extended).
    for (let i = 0; i < 5; i += 1) {
      if (this.byte() < 0x80) return result >>> 0;
    }
    throw new Error('invalid varint');
  }

  private varint64(): [low: number, high: number] {
    let low = 0;
    let shift = 0;
    for (; shift < 28; shift += 7) {
      const b = this.byte();
      low |= (b & 0x7f) << shift;
      if (b < 0x80) return [low >>> 0, 0];
    }
    const middle = this.byte();
    low |= (middle & 0x0f) << 28;
    let high = (middle & 0x7f) >> 4;
    if (middle < 0x80) return [low >>> 0, high >>> 0];
    for (shift = 3; shift <= 31; shift += 7) {
      const b = this.byte();
      high |= (b & 0x7f) << shift;
      if (b < 0x80) return [low >>> 0, high >>> 0];
    }
    throw new Error('invalid varint');
  }
}

function expectWire(actual: number, expected: number): void {
  if (actual !== expected) {
    throw new Error(`wire type ${String(actual)} where ${String(expected)} was expected`);
  }
}
