import { createHash } from 'node:crypto';

import { computeContentHash } from './content-hash';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('computeContentHash', () => {
  // Vectors computed independently (Python: hashlib.sha256 over struct.pack('>I', ...) etc.).
  it.each([
    [
      'person-7f3e2a90',
      3,
      'gov.registry.v1.PersonRegistered',
      Uint8Array.from([0x0a, 0x03, 0x41, 0x64, 0x61]),
      '66c52f46b3009b1d865e7dd0faebb2515764532383f2289f941ae178c7d2f3bb',
    ],
    [
      'personne-é',
      1,
      't',
      new Uint8Array(0),
      '6af5921d665e939abcc0005340be567efe82789ab92fcb1fcc7a5cca9dff9fc4',
    ],
    [
      's',
      2 ** 40 + 5,
      'gov.x.v1.Y',
      Uint8Array.from({ length: 256 }, (_, i) => i),
      'a90e4ff4fb5afd5017bf4c599869edbe43dbe1569baab78134742ef83b552425',
    ],
  ])('matches the envelope layout for %s v%d', (streamId, version, type, payload, expected) => {
    expect(hex(computeContentHash(streamId, version, type, payload))).toBe(expected);
  });

  it('is the SHA-256 of length-prefixed fields, big-endian', () => {
    const payload = Uint8Array.from([1, 2, 3]);
    const layout = Buffer.concat([
      Buffer.from([0, 0, 0, 2]),
      Buffer.from('ab'),
      Buffer.from([0, 0, 0, 0, 0, 0, 1, 2]),
      Buffer.from([0, 0, 0, 1]),
      Buffer.from('c'),
      Buffer.from([0, 0, 0, 3]),
      Buffer.from(payload),
    ]);
    expect(hex(computeContentHash('ab', 258, 'c', payload))).toBe(
      createHash('sha256').update(layout).digest('hex'),
    );
  });

  it('tells apart inputs that only differ in where a field ends', () => {
    const empty = new Uint8Array(0);
    expect(hex(computeContentHash('ab', 1, 'c', empty))).not.toBe(
      hex(computeContentHash('a', 1, 'bc', empty)),
    );
  });

  it('counts UTF-8 bytes, not characters', () => {
    const layout = Buffer.concat([
      Buffer.from([0, 0, 0, 2]),
      Buffer.from('é'),
      Buffer.alloc(8, 0).fill(1, 7),
      Buffer.from([0, 0, 0, 1, 0x74, 0, 0, 0, 0]),
    ]);
    expect(hex(computeContentHash('é', 1, 't', new Uint8Array(0)))).toBe(
      createHash('sha256').update(layout).digest('hex'),
    );
  });

  it('returns 32 bytes and refuses versions outside the safe range', () => {
    expect(computeContentHash('s', 1, 't', new Uint8Array(0))).toHaveLength(32);
    expect(() => computeContentHash('s', -1, 't', new Uint8Array(0))).toThrow(RangeError);
    expect(() => computeContentHash('s', 1.5, 't', new Uint8Array(0))).toThrow(RangeError);
  });
});
