/** The body of a registry `POST /persons`, as the e2e specs register people. */
export interface PersonRegistration {
  readonly givenNames: string;
  readonly familyName: string;
  readonly birthDate: string;
  readonly placeOfBirth?: { readonly locality: string; readonly country: string };
  readonly sex: 'F' | 'M' | 'X';
  readonly nationalities: readonly string[];
  readonly address: {
    readonly street: string;
    readonly houseNumber: string;
    readonly postcode: string;
    readonly locality: string;
    readonly country: string;
  };
  readonly civilStatus: string;
}

/**
 * A birth date in the 1930s to the 1980s, random, so that the national numbers a spec's
 * registrations get are new to topics that other specs of the run share (the change feed).
 */
export function randomBirthDate(): string {
  const year = 1930 + Math.floor(Math.random() * 60);
  const month = 1 + Math.floor(Math.random() * 12);
  const day = 1 + Math.floor(Math.random() * 28);
  return `${String(year)}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/**
 * A person to register: Anna Schmit of Luxembourg, born on a random date, with `overrides`.
 * The values pass the registry's validation; a spec changes what it looks at.
 */
export function aPerson(overrides: Partial<PersonRegistration> = {}): PersonRegistration {
  return {
    givenNames: 'Anna',
    familyName: 'Schmit',
    birthDate: randomBirthDate(),
    placeOfBirth: { locality: 'Ettelbruck', country: 'LU' },
    sex: 'F',
    nationalities: ['LU'],
    address: {
      street: 'Boulevard Royal',
      houseNumber: '12A',
      postcode: '2449',
      locality: 'Luxembourg',
      country: 'LU',
    },
    civilStatus: 'single',
    ...overrides,
  };
}
