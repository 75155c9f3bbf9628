// Replicated events as PostgreSQL's binary COPY format
// (https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4): the cheapest way for
// the server to take many rows, since it neither parses SQL per row nor text per field (a uuid
// is 16 bytes, a bytea its bytes, a timestamp one integer), and the cheapest for the client,
// which writes each field once into one buffer instead of building escaped text arrays.
import { Buffer } from 'node:buffer';

import type { PositionedEvent } from '../event-store/event-store';

/** The `events` columns a replica writes, in the order {@link encodeCopyRows} writes them. */
export const COPY_COLUMNS = [
  'event_id',
  'stream_id',
  'stream_version',
  'event_type',
  'payload_schema_version',
  'payload',
  'occurred_at',
  'recorded_at',
  'correlation_id',
  'causation_id',
  'traceparent',
  'tracestate',
  'content_hash',
  'previous_hash',
  'data_subject_key_id',
  'producer',
  'actor_kind',
  'actor_id',
  'actor_organisation_id',
  'global_position',
] as const;

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** Signature, flags (no OIDs), header extension length (none). */
const HEADER_BYTES = SIGNATURE.length + 4 + 4;
/** 2000-01-01T00:00:00Z, PostgreSQL's timestamp epoch, in Unix milliseconds. */
const PG_EPOCH_MS = 946_684_800_000;
const TWO_POW_32 = 2 ** 32;

/**
 * `events` encoded as one binary COPY stream (header, a tuple per event in the columns of
 * {@link COPY_COLUMNS}, trailer): the rows exactly as the replica stores them, under the
 * primary's ids, positions, hashes and times (millisecond precision, as the envelope has them).
 */
export function encodeCopyRows(events: readonly PositionedEvent[]): Buffer {
  const writer = new CopyWriter(HEADER_BYTES + 2 + events.length * 400);
  writer.bytes(SIGNATURE);
  writer.int32(0);
  writer.int32(0);
  for (const event of events) {
    writer.ensure(
      2 +
        COPY_COLUMNS.length * 4 +
        16 +
        3 * 8 +
        2 * 8 +
        4 +
        event.payload.byteLength +
        64 +
        // Every text field at most 3 bytes per UTF-16 unit.
        3 *
          (event.streamId.length +
            event.eventType.length +
            event.correlationId.length +
            (event.causationId?.length ?? 0) +
            (event.traceparent?.length ?? 0) +
            (event.tracestate?.length ?? 0) +
            (event.dataSubjectKeyId?.length ?? 0) +
            event.producer.length +
            (event.actor?.kind.length ?? 0) +
            (event.actor?.id.length ?? 0) +
            (event.actor?.organisationId?.length ?? 0)),
    );
    writer.int16(COPY_COLUMNS.length);
    writer.uuid(event.eventId);
    writer.text(event.streamId);
    writer.int64(event.streamVersion);
    writer.text(event.eventType);
    writer.int32Field(event.payloadSchemaVersion);
    writer.bytea(event.payload);
    writer.timestamp(event.occurredAt);
    writer.timestamp(event.recordedAt);
    writer.text(event.correlationId);
    writer.text(event.causationId);
    writer.text(event.traceparent);
    writer.text(event.tracestate);
    writer.bytea(event.contentHash);
    writer.bytea(event.previousHash);
    writer.text(event.dataSubjectKeyId);
    writer.text(event.producer);
    writer.text(event.actor?.kind ?? null);
    writer.text(event.actor?.id ?? null);
    writer.text(event.actor?.organisationId ?? null);
    writer.bigint(event.globalPosition);
  }
  writer.ensure(2);
  writer.int16(-1);
  return writer.done();
}

/** Appends fields to a growing buffer; {@link ensure} before each tuple keeps writes in bounds. */
class CopyWriter {
  private buffer: Buffer;
  private offset = 0;

  constructor(capacity: number) {
    this.buffer = Buffer.allocUnsafe(capacity);
  }

  ensure(bytes: number): void {
    if (this.offset + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.offset + bytes));
    this.buffer.copy(grown, 0, 0, this.offset);
    this.buffer = grown;
  }

  done(): Buffer {
    return this.buffer.subarray(0, this.offset);
  }

  bytes(value: Uint8Array): void {
    this.buffer.set(value, this.offset);
    this.offset += value.byteLength;
  }

  int16(value: number): void {
    this.offset = this.buffer.writeInt16BE(value, this.offset);
  }

  int32(value: number): void {
    this.offset = this.buffer.writeInt32BE(value, this.offset);
  }

  private null(): void {
    this.int32(-1);
  }

  int32Field(value: number): void {
    this.int32(4);
    this.int32(value);
  }

  /** A safe integer as int8, without a BigInt. */
  int64(value: number): void {
    this.int32(8);
    this.rawInt64(value);
  }

  bigint(value: bigint): void {
    this.int32(8);
    this.offset = this.buffer.writeBigInt64BE(value, this.offset);
  }

  /** Microseconds since 2000-01-01 (integer datetimes, every supported server's build). */
  timestamp(value: Date): void {
    this.int32(8);
    this.rawInt64((value.getTime() - PG_EPOCH_MS) * 1000);
  }

  /** A canonical UUID string as its 16 bytes. */
  uuid(value: string): void {
    this.int32(16);
    const b = this.buffer;
    let at = this.offset;
    at += b.write(value.slice(0, 8), at, 'hex');
    at += b.write(value.slice(9, 13), at, 'hex');
    at += b.write(value.slice(14, 18), at, 'hex');
    at += b.write(value.slice(19, 23), at, 'hex');
    at += b.write(value.slice(24, 36), at, 'hex');
    if (at - this.offset !== 16) throw new TypeError(`not a UUID: ${value}`);
    this.offset = at;
  }

  text(value: string | null): void {
    if (value === null) {
      this.null();
      return;
    }
    const start = this.offset;
    const length = this.buffer.write(value, start + 4, 'utf8');
    this.buffer.writeInt32BE(length, start);
    this.offset = start + 4 + length;
  }

  bytea(value: Uint8Array | null): void {
    if (value === null) {
      this.null();
      return;
    }
    this.int32(value.byteLength);
    this.bytes(value);
  }

  private rawInt64(value: number): void {
    const high = Math.floor(value / TWO_POW_32);
    this.offset = this.buffer.writeInt32BE(high, this.offset);
    this.offset = this.buffer.writeUInt32BE(value - high * TWO_POW_32, this.offset);
  }
}
