import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { decodeJwt } from 'jose';

import { ensureLocalSigningKeys } from './local-keys';
import { OwnToken, ownTokenSource } from './own-token';

const CLAIMS = {
  role: 'agency',
  subject: 'letterbox',
  organisationId: 'letterbox',
  issuer: 'unit',
  audience: 'backbone',
} as const;

describe('a service’s own token', () => {
  let dir: string;
  let clock = 0;
  const now = () => clock;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'own-token-'));
    clock = 1_000_000;
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('names the first setting given, or none', () => {
    expect(ownTokenSource({ token: 't', tokenFile: 'f' })).toEqual({ kind: 'token', token: 't' });
    expect(ownTokenSource({ tokenFile: 'f', signingKeyFile: 'k' })).toEqual({
      kind: 'token-file',
      path: 'f',
    });
    expect(ownTokenSource({ signingKeyFile: 'k' })).toEqual({
      kind: 'signing-key',
      privateKeyFile: 'k',
    });
    expect(ownTokenSource({})).toBeUndefined();
  });

  it('reads a token file again after 30 s, or at once after invalidate', async () => {
    const file = join(dir, 'token');
    writeFileSync(file, 'first\n');
    const token = new OwnToken({ kind: 'token-file', path: file }, CLAIMS, now);
    expect(await token.get()).toBe('first');

    writeFileSync(file, 'rotated\n');
    clock += 29_999;
    expect(await token.get()).toBe('first');
    clock += 1;
    expect(await token.get()).toBe('rotated');

    writeFileSync(file, 'after-401\n');
    token.invalidate();
    expect(await token.get()).toBe('after-401');
  });

  it('mints a 15-minute token with its claims, and a new one after 10 minutes', async () => {
    const keys = await ensureLocalSigningKeys(dir);
    const token = new OwnToken(
      { kind: 'signing-key', privateKeyFile: keys.privateKeyFile },
      CLAIMS,
      now,
    );
    const first = await token.get();
    const claims = decodeJwt(first);
    expect(claims).toMatchObject({
      role: 'agency',
      sub: 'letterbox',
      org: 'letterbox',
      iss: 'unit',
      aud: 'backbone',
    });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(15 * 60);
    expect(await token.get()).toBe(first);
    clock += 10 * 60_000;
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // a later iat, a new token
    expect(await token.get()).not.toBe(first);
  });

  it('gives a token given as is, always', async () => {
    const token = new OwnToken({ kind: 'token', token: 'given' }, CLAIMS, now);
    clock += 3_600_000;
    token.invalidate();
    expect(await token.get()).toBe('given');
  });
});
