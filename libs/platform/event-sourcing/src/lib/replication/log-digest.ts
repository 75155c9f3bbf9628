// The state digest of an event log: one hash that two sites compare to prove they hold the same
// log up to the same position.
import { createHash } from 'node:crypto';

import type { PositionedEvent } from '../event-store/event-store';

/** A digest of the log up to a position. */
export interface LogDigest {
  /** The last position covered (the log from 1 to here). */
  readonly position: bigint;
  /** `sha256:` and 64 hex digits; for position 0 the digest of the empty log. */
  readonly digest: string;
}

/** What the digest reads: the stored log in position order (a `PostgresEventStore`, say). */
export interface DigestSource {
  /** Events as stored (never upcast) from `fromPosition`, at most `limit`. */
  readAllStored(fromPosition: bigint, limit: number): Promise<PositionedEvent[]>;
}

const EMPTY = Buffer.alloc(32);
const READ_BATCH = 5_000;

/**
 * The digest of the log up to `position`, as a hash chain:
 *
 *     d(0) = 32 zero bytes
 *     d(n) = SHA-256( d(n-1) || record(event at position n) )
 *
 * where `record` is, in this order: the position (8 bytes big-endian), then each of event id,
 * event type, stream id, producer, correlation id, causation id, traceparent, tracestate,
 * data-subject key id, actor kind, actor id, actor organisation id as a 4-byte big-endian
 * length and UTF-8 bytes (an absent value as length 0), the payload schema version (4 bytes),
 * the stream version (8 bytes), occurred-at and recorded-at in milliseconds since the epoch
 * (8 bytes each, signed), the content hash (32 bytes) and the previous hash (32 bytes, zeros
 * for a stream's first event). The payload itself is covered by the content hash.
 *
 * Every field of the envelope is in it, so two logs with the same digest at the same position
 * hold the same events, in the same order, with the same metadata. Times are taken at
 * millisecond precision because that is what the envelope carries across sites.
 *
 * The chain makes the digest incremental: {@link LogDigester} continues from its last result.
 */
export async function digestLog(source: DigestSource, position: bigint): Promise<LogDigest> {
  return new LogDigester(source).digestAt(position);
}

/**
 * Computes {@link digestLog} digests, remembering the last one so that a later position only
 * reads the events since (the periodic signed checkpoints ask for ever-later positions).
 */
export class LogDigester {
  private last: { position: bigint; state: Buffer } = { position: 0n, state: EMPTY };

  constructor(private readonly source: DigestSource) {}

  /**
   * @throws `RangeError` when the log does not reach `position` (it is not there yet).
   */
  async digestAt(position: bigint): Promise<LogDigest> {
    if (position < 0n) throw new RangeError(`position must not be negative, got ${position}`);
    let { position: at, state } =
      position >= this.last.position ? this.last : { position: 0n, state: EMPTY };
    while (at < position) {
      const limit = Number(position - at < BigInt(READ_BATCH) ? position - at : BigInt(READ_BATCH));
      const events = await this.source.readAllStored(at + 1n, limit);
      if (events.length === 0) {
        throw new RangeError(`the log ends at position ${at}, before ${position}`);
      }
      for (const event of events) {
        if (event.globalPosition !== at + 1n) {
          throw new RangeError(
            `the log has position ${event.globalPosition} where ${at + 1n} was expected`,
          );
        }
        state = chain(state, event);
        at += 1n;
      }
    }
    this.last = { position: at, state };
    return { position: at, digest: `sha256:${state.toString('hex')}` };
  }
}

function chain(previous: Buffer, event: PositionedEvent): Buffer {
  const hash = createHash('sha256').update(previous);
  const fixed = Buffer.alloc(8);
  fixed.writeBigUInt64BE(event.globalPosition, 0);
  hash.update(fixed);
  for (const text of [
    event.eventId,
    event.eventType,
    event.streamId,
    event.producer,
    event.correlationId,
    event.causationId,
    event.traceparent,
    event.tracestate,
    event.dataSubjectKeyId,
    event.actor?.kind,
    event.actor?.id,
    event.actor?.organisationId,
  ]) {
    const bytes = Buffer.from(text ?? '', 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length, 0);
    hash.update(length).update(bytes);
  }
  const numbers = Buffer.alloc(4 + 8 + 8 + 8);
  numbers.writeUInt32BE(event.payloadSchemaVersion, 0);
  numbers.writeBigUInt64BE(BigInt(event.streamVersion), 4);
  numbers.writeBigInt64BE(BigInt(event.occurredAt.getTime()), 12);
  numbers.writeBigInt64BE(BigInt(event.recordedAt.getTime()), 20);
  hash.update(numbers);
  hash.update(event.contentHash);
  hash.update(event.previousHash ?? EMPTY);
  return hash.digest();
}
