/**
 * The data categories the platform knows: what a legal basis allows, what a consent grants and
 * what a decision permits. A category names one field of a source of data (an authentic
 * source's register, or the person's own space) as `<source>.<field>`.
 *
 * Three sources are built in (the registers of persons and businesses and the personal space).
 * A catalogue file may declare more in its `sources` (a register added to the registry, say
 * `vehicles`), so that a new authentic source needs no change here; see
 * {@link LegalBasisCatalogue.isCategory}.
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

/** The built-in sources: the two first registers and the personal space. */
export const DATA_SOURCES = ['persons', 'businesses', 'personal-space'] as const;

/**
 * A source of data: a built-in one (`persons`, `businesses`, `personal-space`) or one a
 * catalogue declares (`vehicles`).
 */
export type DataSource = string;

/** A built-in data category, e.g. `persons.address` or `personal-space.bank-account`. */
export type BuiltInDataCategory =
  | `persons.${(typeof PERSON_FIELDS)[number]}`
  | `businesses.${(typeof BUSINESS_FIELDS)[number]}`
  | `personal-space.${(typeof PERSONAL_SPACE_ITEMS)[number]}`;

/**
 * A data category, `<source>.<field>`. Whether one is known depends on the catalogue (its
 * declared sources): check with {@link LegalBasisCatalogue.isCategory}.
 */
export type DataCategory = BuiltInDataCategory | `${string}.${string}`;

/** The fields of each built-in source, by source. */
export const BUILT_IN_SOURCES: Readonly<Record<string, readonly string[]>> = {
  persons: PERSON_FIELDS,
  businesses: BUSINESS_FIELDS,
  'personal-space': PERSONAL_SPACE_ITEMS,
};

/** Every built-in data category, in a stable order (persons, businesses, personal space). */
export const DATA_CATEGORIES: readonly BuiltInDataCategory[] = [
  ...PERSON_FIELDS.map((field) => `persons.${field}` as const),
  ...BUSINESS_FIELDS.map((field) => `businesses.${field}` as const),
  ...PERSONAL_SPACE_ITEMS.map((item) => `personal-space.${item}` as const),
];

const BUILT_IN = new Set<string>(DATA_CATEGORIES);

/**
 * Whether `value` is a built-in data category. A catalogue may declare more sources: where one
 * is loaded, ask it ({@link LegalBasisCatalogue.isCategory}).
 */
export function isDataCategory(value: string): value is BuiltInDataCategory {
  return BUILT_IN.has(value);
}

/**
 * Fields of a register's record that are no category of their own: each qualifies another field
 * and goes with that field's category (a person's `status` says whether `date_of_death` applies,
 * `civil_status_since` dates `civil_status`; a business's `status` follows its `strike_off`). A
 * basis that covers the qualified field covers its qualifiers; one that does not, neither. Every
 * other field is the category of its own name, so a register whose fields are named as its
 * categories needs no entry.
 */
export const QUALIFYING_FIELDS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  persons: { status: 'date_of_death', civil_status_since: 'civil_status' },
  businesses: { status: 'strike_off' },
};

/**
 * The category a field of a record of `source` goes with: `<source>.<field>`, or the category of
 * the field it qualifies ({@link QUALIFYING_FIELDS}): `persons`, `status` → `persons.date_of_death`.
 */
export function categoryOfField(source: DataSource, field: string): DataCategory {
  return `${source}.${QUALIFYING_FIELDS[source]?.[field] ?? field}`;
}

/** The source a category belongs to (`persons.address` → `persons`). */
export function sourceOf(category: string): DataSource {
  const dot = category.indexOf('.');
  if (dot <= 0) throw new TypeError(`not a data category: ${category}`);
  return category.slice(0, dot);
}

/** The field a category names within its source (`persons.address` → `address`). */
export function fieldOf(category: string): string {
  const dot = category.indexOf('.');
  if (dot <= 0) throw new TypeError(`not a data category: ${category}`);
  return category.slice(dot + 1);
}
