import { Check, checkUuid, isLocalDate, registerToday } from './check';
import type { DomainRejection } from '@gov/platform-decider';

describe('registerToday', () => {
  it.each([
    // Winter (UTC+1) and summer (UTC+2): the date turns at midnight in Luxembourg, not in UTC.
    ['2026-01-15T22:59:59.999Z', '2026-01-15'],
    ['2026-01-15T23:00:00.000Z', '2026-01-16'],
    ['2026-07-15T21:59:59.999Z', '2026-07-15'],
    ['2026-07-15T22:00:00.000Z', '2026-07-16'],
  ])('at %s is %s', (instant, date) => {
    expect(registerToday(new Date(instant))).toBe(date);
  });
});

describe('isLocalDate', () => {
  it.each(['2024-02-29', '1850-01-01', '2026-12-31'])('accepts %s', (value) => {
    expect(isLocalDate(value)).toBe(true);
  });

  it.each(['2025-02-29', '2026-13-01', '2026-04-31', '26-01-01', '2026-1-1', '2026-01-01T00:00Z'])(
    'rejects %s',
    (value) => {
      expect(isLocalDate(value)).toBe(false);
    },
  );
});

describe('Check', () => {
  it('normalises text to NFC, trimmed, with single spaces', () => {
    const check = new Check();
    expect(check.text('name', '  Jose\u0301   Maria\t', 100)).toBe('José Maria');
    expect(check.issues).toEqual([]);
  });

  it('counts characters, not UTF-16 units, against the bound', () => {
    const check = new Check();
    check.text('name', '𝔄'.repeat(10), 10);
    expect(check.issues).toEqual([]);
    check.text('name', '𝔄'.repeat(11), 10);
    expect(check.issues).toEqual([
      { field: 'name', code: 'too-long', message: 'must be at most 10 characters' },
    ]);
  });

  it('throws one rejection naming every issue, and nothing when there is none', () => {
    const check = new Check();
    check.rejectIfAny('Nothing');
    check.add('a', 'wrong', 'is wrong');
    check.add('b.c', 'wrong-too', 'is wrong too');
    expect(() => {
      check.rejectIfAny('Something');
    }).toThrow(
      expect.objectContaining({
        name: 'DomainRejection',
        code: 'INVALID_INPUT',
        fields: [
          { field: 'a', code: 'wrong', message: 'is wrong' },
          { field: 'b.c', code: 'wrong-too', message: 'is wrong too' },
        ],
        message: 'Something: a is wrong; b.c is wrong too',
      }) as DomainRejection,
    );
  });

  it('tells whether a path or anything below it was found invalid', () => {
    const check = new Check();
    check.add('address.postcode', 'x', 'x');
    check.add('managers[1].role', 'x', 'x');
    expect(check.isValid('address')).toBe(false);
    expect(check.isValid('address.postcode')).toBe(false);
    expect(check.isValid('address.street')).toBe(true);
    expect(check.isValid('managers')).toBe(false);
    expect(check.isValid('addressee')).toBe(true);
  });

  it('accepts only canonical lower-case UUIDs', () => {
    const check = new Check();
    checkUuid(check, 'ok', '6f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7');
    checkUuid(check, 'upper', '6F1C2A3B-4D5E-4F60-8A71-92B3C4D5E6F7');
    checkUuid(check, 'short', '6f1c2a3b4d5e4f608a7192b3c4d5e6f7');
    expect(check.issues.map((v) => v.field)).toEqual(['upper', 'short']);
  });
});
