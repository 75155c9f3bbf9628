import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { KeyEncryptionKey, ensureKeyEncryptionKeyFile } from './key-encryption-key';
import { ERASED, KeyRing } from './key-ring';
import { SealedDataError, open, seal, sealingContext } from './sealing';
import { KeyUnavailableError, SubjectErasedError } from './subject-keys';

const key = randomBytes(32);
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
const bytes = (value: string) => Buffer.from(value, 'utf8');

describe('seal and open', () => {
  it('round-trips, with a fresh nonce each time', () => {
    const a = seal(key, bytes('Anna Schmit'), 'ctx');
    const b = seal(key, bytes('Anna Schmit'), 'ctx');
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
    expect(text(open(key, a, 'ctx'))).toBe('Anna Schmit');
    expect(a[0]).toBe(1);
    expect(a).toHaveLength(1 + 12 + 'Anna Schmit'.length + 16);
  });

  it('refuses another key, another context, altered or truncated bytes', () => {
    const sealed = seal(key, bytes('Anna'), 'ctx');
    expect(() => open(randomBytes(32), sealed, 'ctx')).toThrow(SealedDataError);
    expect(() => open(key, sealed, 'other')).toThrow(SealedDataError);
    const altered = Buffer.from(sealed);
    altered[14] = (altered[14] ?? 0) ^ 1;
    expect(() => open(key, altered, 'ctx')).toThrow(SealedDataError);
    expect(() => open(key, sealed.subarray(0, 20), 'ctx')).toThrow(/too short/);
    const future = Buffer.from(sealed);
    future[0] = 2;
    expect(() => open(key, future, 'ctx')).toThrow(/unknown sealed format 2/);
  });

  it('takes only 32-byte keys', () => {
    expect(() => seal(randomBytes(16), bytes('x'), 'ctx')).toThrow(/32 bytes/);
  });

  it('keeps context parts apart', () => {
    expect(sealingContext('a', 'bc')).not.toBe(sealingContext('ab', 'c'));
    expect(() => sealingContext('a\0b')).toThrow(/NUL/);
  });
});

describe('KeyEncryptionKey', () => {
  it('wraps a data key bound to its id and subject', () => {
    const kek = KeyEncryptionKey.generate();
    const dataKey = randomBytes(32);
    const wrapped = kek.wrap(dataKey, 'k1', 's1');
    expect(Buffer.from(kek.unwrap(wrapped, 'k1', 's1')).equals(dataKey)).toBe(true);
    expect(() => kek.unwrap(wrapped, 'k2', 's1')).toThrow(SealedDataError);
    expect(() => kek.unwrap(wrapped, 'k1', 's2')).toThrow(SealedDataError);
    expect(() => KeyEncryptionKey.generate().unwrap(wrapped, 'k1', 's1')).toThrow(SealedDataError);
  });

  it('reads its base64 form and refuses anything else', () => {
    const kek = KeyEncryptionKey.generate();
    const again = KeyEncryptionKey.fromBase64(` ${kek.toBase64()}\n`);
    expect(again.toBase64()).toBe(kek.toBase64());
    expect(() => KeyEncryptionKey.fromBase64('c2hvcnQ=')).toThrow(/32 bytes/);
    expect(() => KeyEncryptionKey.fromBase64('not base64 at all!')).toThrow(/32 bytes/);
  });

  it('wraps under the current key and still opens what a previous one wrapped (rotation)', () => {
    const old = KeyEncryptionKey.generate();
    const rotated = KeyEncryptionKey.fromBase64(
      `${KeyEncryptionKey.generate().toBase64()}\n\n  ${old.toBase64()}\n`,
    );
    expect(rotated.previousKeys).toBe(1);
    const dataKey = randomBytes(32);
    const before = old.wrap(dataKey, 'k1', 's1');
    const opened = rotated.unwrapped(before, 'k1', 's1');
    expect(Buffer.from(opened.dataKey).equals(dataKey)).toBe(true);
    expect(opened.current).toBe(false);
    const after = rotated.wrap(dataKey, 'k1', 's1');
    expect(rotated.unwrapped(after, 'k1', 's1').current).toBe(true);
    // The old key alone does not open the new wrapping; a key of neither opens nothing.
    expect(() => old.unwrap(after, 'k1', 's1')).toThrow(SealedDataError);
    const stranger = KeyEncryptionKey.generate().wrap(dataKey, 'k1', 's1');
    expect(() => rotated.unwrap(stranger, 'k1', 's1')).toThrow(SealedDataError);
    expect(() => KeyEncryptionKey.fromBase64(`${old.toBase64()}\nc2hvcnQ=`)).toThrow(/line 2/);
    expect(() => KeyEncryptionKey.fromBase64(' \n ')).toThrow(/none given/);
  });

  it('creates the local key file once, readable only by its owner', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'kek-')), 'nested', 'kek');
    ensureKeyEncryptionKeyFile(path);
    const first = readFileSync(path, 'utf8');
    ensureKeyEncryptionKeyFile(path);
    expect(readFileSync(path, 'utf8')).toBe(first);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(KeyEncryptionKey.fromFile(path).toBase64()).toBe(first.trim());
  });
});

describe('KeyRing', () => {
  const live = { keyId: 'k1', subjectId: 's1', key };

  it('seals for a loaded subject and opens by key id', () => {
    const ring = new KeyRing([{ state: 'live', key: live }]);
    const { keyId, sealed } = ring.seal('s1', bytes('Anna'), ['T', 'stream']);
    expect(keyId).toBe('k1');
    expect(text(ring.open('k1', sealed, ['T', 'stream']) as Uint8Array)).toBe('Anna');
    expect(() => ring.open('k1', sealed, ['T', 'other'])).toThrow(SealedDataError);
  });

  it('answers ERASED for a destroyed key and refuses to seal for its subject', () => {
    const sealed = new KeyRing([{ state: 'live', key: live }]).seal('s1', bytes('x'), []).sealed;
    const destroyedAt = new Date('2026-12-01T00:00:00Z');
    const ring = new KeyRing([{ state: 'destroyed', keyId: 'k1', subjectId: 's1', destroyedAt }]);
    expect(ring.open('k1', sealed, [])).toBe(ERASED);
    expect(ring.isErased('k1')).toBe(true);
    expect(() => ring.seal('s1', bytes('x'), [])).toThrow(SubjectErasedError);
  });

  it('tells a key it does not have from an erased one', () => {
    expect(() => KeyRing.EMPTY.open('k9', Buffer.alloc(40), [])).toThrow(KeyUnavailableError);
    expect(() => KeyRing.EMPTY.seal('s9', bytes('x'), [])).toThrow(/no key of subject s9/);
  });
});
