import { ISO_3166_ALPHA_2, isCountryCode } from './country-codes';

describe('ISO 3166-1 alpha-2 codes', () => {
  it('holds the 249 officially assigned codes', () => {
    expect(ISO_3166_ALPHA_2.size).toBe(249);
  });

  it('holds only codes that name a region, by the ICU data of the runtime', () => {
    const regions = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
    const unnamed = [...ISO_3166_ALPHA_2].filter((code) => regions.of(code) === undefined);
    expect(unnamed).toEqual([]);
  });

  it.each(['LU', 'DE', 'SS', 'CW'])('knows %s', (code) => {
    expect(isCountryCode(code)).toBe(true);
  });

  it.each(['EU', 'XK', 'UK', 'ZZ', 'lu', 'LUX', ''])('refuses %p', (code) => {
    expect(isCountryCode(code)).toBe(false);
  });
});
