import { checkAddress } from './address';
import type { Address } from './address';
import { Check } from './check';

const lu: Address = {
  street: 'Boulevard Royal',
  houseNumber: '12A',
  postcode: '2449',
  locality: 'Luxembourg',
  country: 'LU',
};

function checked(address: Address): { value: Address; fields: string[] } {
  const check = new Check();
  const value = checkAddress(check, 'address', address);
  return { value, fields: check.issues.map((v) => v.field) };
}

describe('address', () => {
  it.each(['2449', 'L-2449', 'l-2449', ' L-2449 '])(
    'keeps the four digits of the Luxembourg postcode %p',
    (postcode) => {
      expect(checked({ ...lu, postcode })).toEqual({ value: lu, fields: [] });
    },
  );

  it.each(['244', '24490', 'L2449', 'L-24A9', 'D-2449', ''])(
    'rejects the Luxembourg postcode %p',
    (postcode) => {
      expect(checked({ ...lu, postcode }).fields).toEqual(['address.postcode']);
    },
  );

  it.each([
    ['FR', '57000'],
    ['GB', 'SW1A 1AA'],
    ['NL', '1012 AB'],
    ['PT', '1000-001'],
  ])('accepts a postcode abroad (%s %s)', (country, postcode) => {
    expect(checked({ ...lu, country, postcode }).fields).toEqual([]);
  });

  it('upper-cases the country code and refuses codes the standard does not assign', () => {
    expect(checked({ ...lu, country: 'lu' }).value.country).toBe('LU');
    expect(checked({ ...lu, country: 'EU' }).fields).toEqual(['address.country']);
    expect(checked({ ...lu, country: 'LUX' }).fields).toEqual(['address.country']);
  });

  it('bounds every text field and wants letters in street and locality', () => {
    expect(
      checked({
        ...lu,
        street: 'x'.repeat(101),
        houseNumber: '1'.repeat(17),
        locality: '12',
      }).fields,
    ).toEqual(['address.street', 'address.houseNumber', 'address.locality']);
  });
});
