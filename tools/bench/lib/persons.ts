// Valid, distinct persons for POST /persons. The registry allocates national identification
// numbers per birth date (at most 1 000 per date), so consecutive requests use different dates:
// the benchmark measures the command path, not contention on one date's counter.

const GIVEN_NAMES = ['Anna', 'Marie', 'Luc', 'Paul', 'Sofia', 'Jean', 'Lena', 'Tom', 'Nora'];
const FAMILY_NAMES = ['Schmit', 'Weber', 'Muller', 'Wagner', 'Hoffmann', 'Thill', 'Kremer'];
const STREETS = ['Boulevard Royal', 'Grand-Rue', "Rue de l'Alzette", 'Avenue de la Gare'];
const LOCALITIES = [
  ['2449', 'Luxembourg'],
  ['4011', 'Esch-sur-Alzette'],
  ['9010', 'Ettelbruck'],
  ['3401', 'Dudelange'],
] as const;

/** Days from 1940-01-01 the birth dates cycle through (up to 2019). */
const BIRTH_DATE_SPAN_DAYS = 29_000;
const FIRST_BIRTH_DATE = Date.UTC(1940, 0, 1);
const DAY_MS = 86_400_000;

function pick<T>(values: readonly T[], index: number): T {
  const value = values[index % values.length];
  if (value === undefined) throw new RangeError('empty list');
  return value;
}

/** The JSON body registering person number `index` (valid for the register's checks). */
export function registerPersonBody(index: number): Record<string, unknown> {
  const birthDate = new Date(FIRST_BIRTH_DATE + (index % BIRTH_DATE_SPAN_DAYS) * DAY_MS)
    .toISOString()
    .slice(0, 10);
  const [postcode, locality] = pick(LOCALITIES, index >> 2);
  return {
    givenNames: `${pick(GIVEN_NAMES, index)} ${pick(GIVEN_NAMES, index >> 3)}`,
    familyName: pick(FAMILY_NAMES, index >> 1),
    birthDate,
    placeOfBirth: { locality: 'Luxembourg', country: 'LU' },
    sex: pick(['F', 'M', 'X'], index),
    nationalities: index % 5 === 0 ? ['LU', 'PT'] : ['LU'],
    address: {
      street: pick(STREETS, index >> 4),
      houseNumber: String(1 + (index % 180)),
      postcode,
      locality,
      country: 'LU',
    },
    civilStatus: pick(['single', 'married', 'divorced'], index >> 5),
  };
}
