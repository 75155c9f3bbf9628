import { isCanonicalUuid, newEventId } from './event-id';

describe('newEventId', () => {
  it('makes canonical UUIDv7s that sort by creation time', () => {
    const ids = [1_700_000_000_000, 1_700_000_000_001, 1_800_000_000_000].map((t) => newEventId(t));
    for (const id of ids) {
      expect(isCanonicalUuid(id)).toBe(true);
      expect(id[14]).toBe('7');
      expect('89ab').toContain(id[19]);
    }
    expect([...ids].sort()).toEqual(ids);
    expect(ids[0]!.slice(0, 13)).toBe('018bcfe5-6800');
  });

  it('does not repeat', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newEventId(0)));
    expect(ids.size).toBe(10_000);
  });
});

describe('isCanonicalUuid', () => {
  it('accepts only the lowercase hyphenated form', () => {
    expect(isCanonicalUuid('0b6c8e2a-5d1f-4c47-9a3e-2f8f3c1d4e5a')).toBe(true);
    expect(isCanonicalUuid('0B6C8E2A-5D1F-4C47-9A3E-2F8F3C1D4E5A')).toBe(false);
    expect(isCanonicalUuid('0b6c8e2a5d1f4c479a3e2f8f3c1d4e5a')).toBe(false);
    expect(isCanonicalUuid('{0b6c8e2a-5d1f-4c47-9a3e-2f8f3c1d4e5a}')).toBe(false);
  });
});
