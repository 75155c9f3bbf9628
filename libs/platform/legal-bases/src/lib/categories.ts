/**
 * The data categories the platform knows: what a legal basis allows, what a consent grants and
 * what a decision permits. A category names one field of an authentic source's record or one
 * item of the person's own space, as `<source>.<field>`.
 */

/** The fields of a natural person's record, as `gov.registry.v1` names them. */
export const PERSON_FIELDS = [
  'national_id',
  'given_names',
  'family_name',
  'birth_date',
  'place_of_birth',
  'sex',
  'nationalities',
  'address',
  'civil_status',
  'date_of_death',
] as const;

/** The fields of a business's record, as `gov.registry.v1` names them. */
export const BUSINESS_FIELDS = [
  'business_number',
  'name',
  'legal_form',
  'registered_address',
  'managers',
  'strike_off',
] as const;

/** The items a person keeps in their personal space for reuse (the procedures service's). */
export const PERSONAL_SPACE_ITEMS = ['bank-account', 'phone', 'email'] as const;

/** The sources data categories belong to: the two registers and the personal space. */
export const DATA_SOURCES = ['persons', 'businesses', 'personal-space'] as const;

/** A source of data: `persons`, `businesses` or `personal-space`. */
export type DataSource = (typeof DATA_SOURCES)[number];

/** A known data category, e.g. `persons.address` or `personal-space.bank-account`. */
export type DataCategory =
  | `persons.${(typeof PERSON_FIELDS)[number]}`
  | `businesses.${(typeof BUSINESS_FIELDS)[number]}`
  | `personal-space.${(typeof PERSONAL_SPACE_ITEMS)[number]}`;

/** Every known data category, in a stable order (persons, businesses, personal space). */
export const DATA_CATEGORIES: readonly DataCategory[] = [
  ...PERSON_FIELDS.map((field) => `persons.${field}` as const),
  ...BUSINESS_FIELDS.map((field) => `businesses.${field}` as const),
  ...PERSONAL_SPACE_ITEMS.map((item) => `personal-space.${item}` as const),
];

const KNOWN = new Set<string>(DATA_CATEGORIES);

/** Whether `value` is a known data category. */
export function isDataCategory(value: string): value is DataCategory {
  return KNOWN.has(value);
}

/** The source a category belongs to (`persons.address` → `persons`). */
export function sourceOf(category: DataCategory): DataSource {
  const source = category.slice(0, category.indexOf('.'));
  if (source === 'persons' || source === 'businesses' || source === 'personal-space') {
    return source;
  }
  throw new TypeError(`not a data category: ${category}`);
}
