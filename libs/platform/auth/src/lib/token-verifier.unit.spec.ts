import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { CryptoKey, JSONWebKeySet } from 'jose';

import { TokenRejectedError, TokenVerifier } from './token-verifier';
import type { TokenVerifierOptions } from './token-verifier';

const ISSUER = 'test-issuer';
const AUDIENCE = 'backbone';
const T0 = Date.UTC(2026, 11, 6, 8, 0, 0);

let privateKey: CryptoKey;
let jwks: JSONWebKeySet;

beforeAll(async () => {
  const pair = await generateKeyPair('EdDSA', { extractable: true });
  privateKey = pair.privateKey;
  jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'EdDSA' }] };
});

/** A registrar token issued at `T0`, expiring `ttlSeconds` later. */
function token(subject: string, ttlSeconds: number): Promise<string> {
  const issuedAt = T0 / 1000;
  return new SignJWT({ role: 'registrar', registers: ['persons'] })
    .setProtectedHeader({ alg: 'EdDSA', kid: 'k1' })
    .setSubject(subject)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ttlSeconds)
    .sign(privateKey);
}

/** A verifier on a clock the test moves. */
function verifier(options: Partial<TokenVerifierOptions> = {}): {
  verifier: TokenVerifier;
  clock: { now: number };
} {
  const clock = { now: T0 };
  return {
    clock,
    verifier: new TokenVerifier({
      keys: { kind: 'jwks', jwks },
      issuer: ISSUER,
      audience: AUDIENCE,
      clockToleranceSeconds: 30,
      now: () => clock.now,
      ...options,
    }),
  };
}

describe('TokenVerifier', () => {
  it('answers a token it verified before from memory (the same principal)', async () => {
    const { verifier: v, clock } = verifier();
    const jwt = await token('clerk-1', 3_600);
    const first = await v.verify(jwt);
    clock.now += 10_000;
    expect(await v.verify(jwt)).toBe(first);
    expect(first).toMatchObject({ kind: 'registrar', subject: 'clerk-1' });
  });

  it('checks the signature again once the cache time is over', async () => {
    const { verifier: v, clock } = verifier({ verifiedCacheMs: 1_000 });
    const jwt = await token('clerk-1', 3_600);
    const first = await v.verify(jwt);
    clock.now += 1_500;
    const second = await v.verify(jwt);
    expect(second).not.toBe(first);
    expect(second).toEqual(first);
  });

  it('refuses a remembered token once it has expired (beyond the clock tolerance)', async () => {
    const { verifier: v, clock } = verifier();
    const jwt = await token('clerk-1', 20);
    await v.verify(jwt);
    clock.now += 45_000; // exp + 25 s: still inside the 30 s tolerance
    await expect(v.verify(jwt)).resolves.toMatchObject({ subject: 'clerk-1' });
    clock.now += 10_000; // exp + 35 s
    await expect(v.verify(jwt)).rejects.toMatchObject({
      constructor: TokenRejectedError,
      problem: 'expired',
    });
  });

  it('never remembers a refused token', async () => {
    const { verifier: v } = verifier();
    const jwt = await token('clerk-1', 3_600);
    const forged = `${jwt.slice(0, -4)}AAAA`;
    for (let i = 0; i < 2; i += 1) {
      await expect(v.verify(forged)).rejects.toMatchObject({ problem: 'bad-signature' });
    }
  });

  it('keeps at most verifiedCacheSize tokens, dropping the oldest', async () => {
    const { verifier: v } = verifier({ verifiedCacheSize: 2 });
    const [a, b, c] = await Promise.all([token('a', 3_600), token('b', 3_600), token('c', 3_600)]);
    const first = await v.verify(a);
    const second = await v.verify(b);
    await v.verify(c);
    expect(await v.verify(b)).toBe(second);
    expect(await v.verify(a)).not.toBe(first);
  });

  it('remembers nothing with verifiedCacheMs 0', async () => {
    const { verifier: v } = verifier({ verifiedCacheMs: 0 });
    const jwt = await token('clerk-1', 3_600);
    expect(await v.verify(jwt)).not.toBe(await v.verify(jwt));
  });
});
