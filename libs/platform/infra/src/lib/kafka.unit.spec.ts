import { clusterId } from './kafka';

describe('clusterId', () => {
  it('is 16 random bytes in base64url that never starts with a dash (an option to the CLI)', () => {
    const ids = Array.from({ length: 2_000 }, () => clusterId());

    expect(ids.every((id) => /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/.test(id))).toBe(true);
    expect(ids.every((id) => Buffer.from(id, 'base64url').length === 16)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
