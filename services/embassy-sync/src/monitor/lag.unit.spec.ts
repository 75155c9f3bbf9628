import { computeLag } from './lag';

const at = (iso: string): Date => new Date(iso);

describe('computeLag', () => {
  it('is the events and the span of writes the embassy does not hold yet', () => {
    expect(
      computeLag(
        { head: 1_500n, headRecordedAt: at('2026-01-01T10:00:02.250Z') },
        { head: 1_200n, headRecordedAt: at('2026-01-01T10:00:01.000Z') },
      ),
    ).toEqual({ events: 300, ms: 1_250 });
  });

  it('is zero when caught up, whatever the times say', () => {
    const same = { head: 42n, headRecordedAt: at('2026-01-01T10:00:00Z') };
    expect(computeLag(same, same)).toEqual({ events: 0, ms: 0 });
  });

  it('is zero, never negative, for an embassy ahead (after a failover)', () => {
    expect(
      computeLag(
        { head: 10n, headRecordedAt: at('2026-01-01T10:00:00Z') },
        { head: 12n, headRecordedAt: at('2026-01-01T10:00:05Z') },
      ),
    ).toEqual({ events: 0, ms: 0 });
  });

  it('has no milliseconds for an embassy that holds nothing yet', () => {
    expect(
      computeLag(
        { head: 5n, headRecordedAt: at('2026-01-01T10:00:00Z') },
        { head: 0n, headRecordedAt: null },
      ),
    ).toEqual({ events: 5, ms: null });
  });

  it('is zero for two empty logs', () => {
    expect(
      computeLag({ head: 0n, headRecordedAt: null }, { head: 0n, headRecordedAt: null }),
    ).toEqual({ events: 0, ms: 0 });
  });

  it('never goes negative when two events share a recording millisecond order oddly', () => {
    expect(
      computeLag(
        { head: 11n, headRecordedAt: at('2026-01-01T10:00:00.000Z') },
        { head: 10n, headRecordedAt: at('2026-01-01T10:00:00.001Z') },
      ),
    ).toEqual({ events: 1, ms: 0 });
  });
});
