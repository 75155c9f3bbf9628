import { createHash } from 'node:crypto';

/**
 * The `content_hash` of an event, exactly as `gov.platform.v1.EventEnvelope` defines it: SHA-256
 * over
 *
 * 1. the UTF-8 byte length of `streamId`, 4-byte big-endian unsigned;
 * 2. `streamId` in UTF-8;
 * 3. `streamVersion`, 8-byte big-endian unsigned;
 * 4. the UTF-8 byte length of `eventType`, 4-byte big-endian unsigned;
 * 5. `eventType` in UTF-8;
 * 6. the length of `payload`, 4-byte big-endian unsigned;
 * 7. `payload` byte for byte.
 *
 * The length prefixes make the encoding unambiguous (`"ab" + "c"` and `"a" + "bc"` differ).
 * Compute and verify it over the payload bytes as stored, never over a re-serialization.
 *
 * @returns The 32-byte digest.
 */
export function computeContentHash(
  streamId: string,
  streamVersion: number,
  eventType: string,
  payload: Uint8Array,
): Uint8Array {
  if (!Number.isSafeInteger(streamVersion) || streamVersion < 0) {
    throw new RangeError(`streamVersion must be a non-negative safe integer, got ${streamVersion}`);
  }
  const stream = Buffer.from(streamId, 'utf8');
  const type = Buffer.from(eventType, 'utf8');
  const header = Buffer.allocUnsafe(4 + stream.length + 8 + 4 + type.length + 4);
  let offset = header.writeUInt32BE(stream.length, 0);
  offset += stream.copy(header, offset);
  offset = header.writeBigUInt64BE(BigInt(streamVersion), offset);
  offset = header.writeUInt32BE(type.length, offset);
  offset += type.copy(header, offset);
  header.writeUInt32BE(payload.length, offset);
  const digest = createHash('sha256').update(header).update(payload).digest();
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
}
