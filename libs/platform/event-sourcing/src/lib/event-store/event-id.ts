import { randomUUID } from 'node:crypto';

const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Whether `id` is a UUID in the canonical lowercase, hyphenated form the envelope requires. */
export function isCanonicalUuid(id: string): boolean {
  return CANONICAL_UUID.test(id);
}

/**
 * A new event id: a UUIDv7 (RFC 9562), 48 bits of Unix milliseconds followed by randomness.
 * Time-ordered ids keep the store's unique index on event ids append-mostly instead of writing
 * all over it, which keeps appends flat as the log grows; 74 random bits keep ids unguessable
 * enough and collision-free in practice.
 */
export function newEventId(now: number = Date.now()): string {
  // A v4 UUID's random bits and variant, with the time and version of v7 put in front: the
  // runtime's UUID generator draws from a buffered entropy pool, ten times faster than asking
  // for 16 random bytes per id.
  const random = randomUUID();
  const time = now.toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15)}`;
}
