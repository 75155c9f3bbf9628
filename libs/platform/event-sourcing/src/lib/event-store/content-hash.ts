import { hash } from 'node:crypto';

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
  // One buffer and a one-shot digest: a hash object per event cost more than the hashing itself
  // (a replica verifies every event it replays).
  const streamBytes = Buffer.byteLength(streamId, 'utf8');
  const typeBytes = Buffer.byteLength(eventType, 'utf8');
  const input = Buffer.allocUnsafe(4 + streamBytes + 8 + 4 + typeBytes + 4 + payload.length);
  let offset = input.writeUInt32BE(streamBytes, 0);
  offset += input.write(streamId, offset, 'utf8');
  offset = input.writeUInt32BE(Math.floor(streamVersion / 2 ** 32), offset);
  offset = input.writeUInt32BE(streamVersion % 2 ** 32, offset);
  offset = input.writeUInt32BE(typeBytes, offset);
  offset += input.write(eventType, offset, 'utf8');
  offset = input.writeUInt32BE(payload.length, offset);
  input.set(payload, offset);
  const digest = hash('sha256', input, 'buffer');
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
}
