/**
 * The legal-basis catalogue: the organisations of the platform and the legal bases on which
 * they may use named data categories of a person for named purposes, as the operator
 * configures them (`LEGAL_BASES_FILE`), and the data categories the platform knows. The consent
 * service decides on it; the registry will decide its reads on it locally.
 *
 * @packageDocumentation
 */
export {
  BUILT_IN_SOURCES,
  BUSINESS_FIELDS,
  DATA_CATEGORIES,
  DATA_SOURCES,
  PERSONAL_SPACE_ITEMS,
  PERSON_FIELDS,
  QUALIFYING_FIELDS,
  categoryOfField,
  fieldOf,
  isDataCategory,
  sourceOf,
} from './lib/categories';
export type { BuiltInDataCategory, DataCategory, DataSource } from './lib/categories';
export {
  FeedSchema,
  InvalidLegalBasisCatalogueError,
  LegalBasisCatalogue,
  LegalBasisCatalogueSchema,
  LegalBasisSchema,
  OrganisationSchema,
  parseLegalBasisCatalogue,
} from './lib/catalogue';
export type { BasisCoverage, Feed, LegalBasis, Organisation } from './lib/catalogue';
export {
  DEFAULT_LEGAL_BASES_FILE,
  LEGAL_BASES_FILE_VARIABLE,
  loadLegalBasisCatalogue,
} from './lib/load';
