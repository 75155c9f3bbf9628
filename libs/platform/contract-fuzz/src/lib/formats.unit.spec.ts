import { isDate, isDateTime } from './formats';

describe('formats', () => {
  it.each(['2024-02-29', '1900-01-01', '2026-12-31'])('takes the date %s', (value) => {
    expect(isDate(value)).toBe(true);
  });

  it.each(['2023-02-29', '2024-13-01', '2024-04-31', '24-01-01', '2024-1-1', ''])(
    'refuses the date %p',
    (value) => {
      expect(isDate(value)).toBe(false);
    },
  );

  it.each(['2026-03-01T10:00:00Z', '2026-03-01T10:00:00.123+01:00', '2016-12-31T23:59:60Z'])(
    'takes the instant %s',
    (value) => {
      expect(isDateTime(value)).toBe(true);
    },
  );

  it.each(['2026-03-01T10:00:00', '2026-03-01T24:00:00Z', '2026-02-30T10:00:00Z', 'yesterday'])(
    'refuses the instant %p',
    (value) => {
      expect(isDateTime(value)).toBe(false);
    },
  );
});
