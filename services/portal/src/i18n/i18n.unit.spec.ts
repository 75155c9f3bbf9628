import { formatsFor, languageOf, messages, negotiateLanguage } from './i18n';

describe('messages', () => {
  const greeting = messages(
    { hello: 'Hello {name}', bye: 'Goodbye' },
    {
      fr: { hello: 'Bonjour {name}', bye: 'Au revoir' },
      de: { hello: 'Hallo {name}', bye: 'Tschüss' },
    },
  );

  it('answer in the chosen language with placeholders filled', () => {
    expect(greeting.in('fr')('hello', { name: 'Anna' })).toBe('Bonjour Anna');
    expect(greeting.in('de')('bye')).toBe('Tschüss');
    expect(greeting.in('en')('hello', { name: 3 })).toBe('Hello 3');
  });

  it('leave a placeholder without a value visible', () => {
    expect(greeting.in('en')('hello', {})).toBe('Hello {name}');
  });

  it('list their keys', () => {
    expect(greeting.keys).toEqual(['hello', 'bye']);
  });
});

describe('the language of a person who has not chosen one', () => {
  it.each([
    ['de-LU,de;q=0.9,en;q=0.8', 'de'],
    ['en-US,en;q=0.9', 'en'],
    ['lb-LU, fr;q=0.5, de;q=0.7', 'de'],
    ['pt-PT', 'fr'],
    [undefined, 'fr'],
    ['en;q=0, de', 'de'],
  ])('%s -> %s', (header, expected) => {
    expect(negotiateLanguage(header)).toBe(expected);
  });

  it('accepts only the three languages as a choice', () => {
    expect(languageOf('de')).toBe('de');
    expect(languageOf('lb')).toBeUndefined();
    expect(languageOf(['fr'])).toBeUndefined();
  });
});

describe('formats', () => {
  it('write dates in the language, instants in Luxembourg time', () => {
    expect(formatsFor('fr').date('1983-08-12')).toBe('12 août 1983');
    expect(formatsFor('de').date('1983-08-12')).toBe('12. August 1983');
    expect(formatsFor('en').date('1983-08-12')).toBe('12 August 1983');
    // 23:30 UTC is already the next day in Luxembourg in winter (UTC+1).
    expect(formatsFor('en').dateTime('2026-12-06T23:30:00Z')).toBe('7 Dec 2026, 00:30:00');
  });

  it('give back what is not a date', () => {
    expect(formatsFor('en').date('not a date')).toBe('not a date');
  });
});
