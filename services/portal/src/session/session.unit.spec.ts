import { randomBytes } from 'node:crypto';

import { SessionSealer, newSessionId } from './session';
import type { Session } from './session';

const session = (expiresAt: number): Session => ({
  user: { role: 'citizen', nationalId: '1983081200071', displayName: 'Anna Schmit' },
  token: 'header.payload.signature',
  expiresAt,
  id: newSessionId(),
});

describe('sealed sessions', () => {
  const sealer = new SessionSealer(randomBytes(32));

  it('open to what was sealed, and keep the token out of sight', () => {
    const original = session(Date.now() + 60_000);
    const sealed = sealer.seal(original);
    expect(sealed).not.toContain('payload');
    expect(Buffer.from(sealed, 'base64url').toString('latin1')).not.toContain('1983081200071');
    expect(sealer.open(sealed)).toEqual(original);
  });

  it('refuse a changed byte, another key, an ended session and garbage', () => {
    const sealed = sealer.seal(session(Date.now() + 60_000));
    const bytes = Buffer.from(sealed, 'base64url');
    bytes[20] = (bytes[20] ?? 0) ^ 1;
    expect(sealer.open(bytes.toString('base64url'))).toBeUndefined();
    expect(new SessionSealer(randomBytes(32)).open(sealed)).toBeUndefined();
    expect(sealer.open(sealer.seal(session(Date.now() - 1)))).toBeUndefined();
    expect(sealer.open('not-a-session')).toBeUndefined();
    expect(sealer.open('')).toBeUndefined();
    expect(sealer.open(undefined)).toBeUndefined();
  });

  it('never open a value sealed for another purpose', () => {
    const value: { expiresAt: number; state: string } = {
      expiresAt: Date.now() + 60_000,
      state: 'x',
    };
    const transaction = sealer.sealJson(value, 'sign-in');
    expect(sealer.open(transaction)).toBeUndefined();
    expect(sealer.openJson(transaction, 'sign-in')).toMatchObject({ state: 'x' });
    expect(sealer.openJson(sealer.seal(session(Date.now() + 60_000)), 'sign-in')).toBeUndefined();
  });

  it('give each session its own anti-forgery token', () => {
    const a = session(Date.now() + 60_000);
    const b = session(Date.now() + 60_000);
    expect(sealer.checkCsrf(a, sealer.csrfToken(a))).toBe(true);
    expect(sealer.checkCsrf(a, sealer.csrfToken(b))).toBe(false);
    expect(sealer.checkCsrf(a, undefined)).toBe(false);
    expect(sealer.checkCsrf(a, [sealer.csrfToken(a)])).toBe(false);
  });

  it('need a key of 32 bytes at least', () => {
    expect(() => new SessionSealer(randomBytes(16))).toThrow(/32 bytes/);
  });
});
