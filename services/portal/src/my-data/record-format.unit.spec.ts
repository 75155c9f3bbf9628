import { formatsFor } from '../i18n/i18n';
import type { Language } from '../i18n/i18n';
import type { PageContext } from '../http/page-context';
import { changeKind, fieldLabel, fieldValue, luxembourgInstant } from './record-format';

const pageIn = (language: Language): PageContext => ({
  language,
  formats: formatsFor(language),
  session: undefined,
  csrf: '',
  here: '/my-data',
  site: 'primary',
});

describe('luxembourgInstant', () => {
  it('is the end of the day on Luxembourg’s clock, winter and summer', () => {
    expect(luxembourgInstant('2026-01-15')).toBe('2026-01-15T23:59:59.999+01:00');
    expect(luxembourgInstant('2026-07-15')).toBe('2026-07-15T23:59:59.999+02:00');
    // The day the clocks go forward: the evening is already summer time.
    expect(luxembourgInstant('2026-03-29')).toBe('2026-03-29T23:59:59.999+02:00');
  });

  it('takes a time of day, to the minute or the second, with the offset of that moment', () => {
    expect(luxembourgInstant('2026-07-15', '14:30')).toBe('2026-07-15T14:30:59.999+02:00');
    expect(luxembourgInstant('2026-01-15', '08:05:07')).toBe('2026-01-15T08:05:07.999+01:00');
    // Before 02:00 on the day the clocks go forward it is still winter time.
    expect(luxembourgInstant('2026-03-29', '01:30')).toBe('2026-03-29T01:30:59.999+01:00');
    expect(luxembourgInstant('2026-03-29', '12:00')).toBe('2026-03-29T12:00:59.999+02:00');
  });

  it('refuses what is not a real date or time', () => {
    for (const [date, time] of [
      ['2026-02-30', ''],
      ['2026-13-01', ''],
      ['26-01-01', ''],
      ['2026-01-01T00:00', ''],
      ['', ''],
      ['2026-01-01', '24:00'],
      ['2026-01-01', '12:60'],
      ['2026-01-01', 'noon'],
    ] as const) {
      expect(luxembourgInstant(date, time)).toBeUndefined();
    }
  });
});

describe('field values and names', () => {
  it('writes values out in the person’s language, and escapes what came from the registry', () => {
    const fr = pageIn('fr');
    expect(fieldValue(fr, 'sex', 'F').toString()).toBe('Féminin');
    expect(fieldValue(fr, 'birthDate', '1983-08-12').toString()).toBe('12 août 1983');
    expect(fieldValue(pageIn('de'), 'nationalities', ['LU', 'PT']).toString()).toBe(
      'Luxemburg, Portugal',
    );
    expect(
      fieldValue(pageIn('en'), 'address', {
        street: '<b>Rue</b>',
        houseNumber: '1',
        postcode: '1661',
        locality: 'Luxembourg',
        country: 'LU',
      }).toString(),
    ).toBe('&lt;b&gt;Rue&lt;/b&gt; 1, 1661 Luxembourg, Luxembourg');
    expect(fieldValue(pageIn('en'), 'mystery', { a: '<i>' }).toString()).toBe(
      '{&quot;a&quot;:&quot;&lt;i&gt;&quot;}',
    );
    expect(fieldLabel('de', 'familyName')).toBe('Familienname');
    expect(fieldLabel('en', 'unheardOf')).toBe('unheardOf');
    expect(changeKind('fr', 'gov.registry.v1.PersonAddressChanged')).toBe('Changement d’adresse');
    expect(changeKind('en', 'gov.registry.v2.SomethingNew')).toBe('SomethingNew');
  });
});
