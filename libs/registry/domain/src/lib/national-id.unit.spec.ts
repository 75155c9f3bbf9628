import {
  composeNationalId,
  luhnCheckDigit,
  parseNationalId,
  verhoeffCheckDigit,
} from './national-id';

describe('national identification number', () => {
  it('accepts the documented example 1983081246785', () => {
    expect(parseNationalId('1983081246785')).toEqual({ ok: true, value: '1983081246785' });
  });

  it('computes the known check digits of the example', () => {
    expect(luhnCheckDigit('19830812467')).toBe(8);
    expect(verhoeffCheckDigit('19830812467')).toBe(5);
  });

  it('computes textbook Luhn and Verhoeff check digits', () => {
    expect(luhnCheckDigit('7992739871')).toBe(3); // the classic Luhn example 79927398713
    expect(verhoeffCheckDigit('236')).toBe(3); // the classic Verhoeff example 2363
  });

  it.each([
    ['1983081246786', 'verhoeff'],
    ['1983081246775', 'luhn'],
    ['1983081246', 'format'],
    ['19830812467850', 'format'],
    ['198308124678a', 'format'],
    ['1983023046785', 'birth-date'],
    ['1983130146785', 'birth-date'],
  ])('rejects %s (%s)', (input, kind) => {
    const result = parseNationalId(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem.kind).toBe(kind);
  });

  it('detects every single-digit error and every adjacent transposition of the example', () => {
    const valid = '1983081246785';
    for (let i = 0; i < valid.length; i += 1) {
      for (let d = 0; d <= 9; d += 1) {
        if (String(d) === valid[i]) continue;
        const mutated = `${valid.slice(0, i)}${d}${valid.slice(i + 1)}`;
        expect(parseNationalId(mutated).ok).toBe(false);
      }
    }
    for (let i = 0; i < valid.length - 1; i += 1) {
      if (valid[i] === valid[i + 1]) continue;
      const swapped = `${valid.slice(0, i)}${valid[i + 1]}${valid[i]}${valid.slice(i + 2)}`;
      expect(parseNationalId(swapped).ok).toBe(false);
    }
  });

  it('composes numbers that validate, and the example from its parts', () => {
    expect(composeNationalId('1983-08-12', 467)).toBe('1983081246785');
    for (const sequence of [0, 1, 42, 999]) {
      expect(parseNationalId(composeNationalId('2001-02-28', sequence)).ok).toBe(true);
    }
    expect(() => composeNationalId('2001-02-30', 1)).toThrow(/birth date/);
    expect(() => composeNationalId('2001-02-28', 1000)).toThrow(RangeError);
  });
});
