import { z } from 'zod';

import { BUILT_IN_SOURCES, fieldOf, sourceOf } from './categories';
import type { DataCategory } from './categories';

const id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and hyphens, at most 63');

/** An organisation that may be named in a consent or hold a legal basis. */
export const OrganisationSchema = z.strictObject({
  /** The id tokens carry in their `org` claim, e.g. `ccss`. */
  id,
  /** The organisation's name, as a receipt shows it to the person. */
  name: z.string().min(1).max(200),
  /** Where the person reaches the organisation (a receipt's controller contact). */
  contact: z.string().min(1).max(200),
  /** The organisation's privacy notice (a receipt's `policyUrl`). */
  policyUrl: z.url(),
});

/** One legal basis: a provision that lets an organisation use named categories for purposes. */
export const LegalBasisSchema = z.strictObject({
  /** Stable id, e.g. `ccss-family-allowances`; what a permit names. */
  id,
  /** The organisation the provision empowers (an id of `organisations`). */
  organisationId: id,
  /** The legal text it rests on, e.g. `Code de la sécurité sociale, art. 269`. */
  provision: z.string().min(1).max(500),
  /**
   * The data categories it allows, at least one, each `<source>.<field>` of a built-in source or
   * of one the catalogue declares in `sources` (checked against them once the file is read).
   */
  categories: z
    .array(z.string().regex(/^[a-z][a-z0-9-]*\.[a-z][a-z0-9_-]*$/, '<source>.<field>'))
    .min(1),
  /** The purposes it allows, as organisations declare them (`family-allowance-eligibility`). */
  purposes: z.array(z.string().min(1).max(200)).min(1),
  /**
   * Set for an investigation: an access under this basis is hidden from the data subject for
   * `sealDays` days after it was permitted (a data-protection officer sees it at once).
   * Fractions of a day are allowed (`0.5`: twelve hours).
   */
  covert: z.strictObject({ sealDays: z.number().positive().max(3650) }).optional(),
});

/**
 * An organisation's change feed: the registry publishes to it, on a topic of its own, the
 * records and fields that `legalBasisId` covers (see `proto/gov/registry/v1/changes.proto`).
 */
export const FeedSchema = z.strictObject({
  /** The subscribing organisation (an id of `organisations`); one feed per organisation. */
  organisationId: id,
  /** The basis that justifies the feed: one of the organisation's own. */
  legalBasisId: id,
});

const fieldName = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,62}$/, 'lower-case letters, digits, _ and -');

/** The catalogue file: the organisations and the legal bases the operator configures. */
export const LegalBasisCatalogueSchema = z
  .strictObject({
    /**
     * Sources of data beyond the built-in ones (`persons`, `businesses`, `personal-space`), each
     * with its fields: a register added to the registry declares its fields here.
     */
    sources: z
      .record(
        z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'lower-case letters, digits and hyphens'),
        z.array(fieldName).min(1),
      )
      .optional(),
    organisations: z.array(OrganisationSchema).min(1),
    legalBases: z.array(LegalBasisSchema),
    /** The organisations that receive a change feed, each under one of its bases. */
    feeds: z.array(FeedSchema).optional(),
  })
  .superRefine((catalogue, context) => {
    const sources = new Map<string, ReadonlySet<string>>(
      Object.entries(BUILT_IN_SOURCES).map(([source, fields]) => [source, new Set(fields)]),
    );
    for (const [source, fields] of Object.entries(catalogue.sources ?? {})) {
      if (sources.has(source)) {
        context.addIssue({
          code: 'custom',
          path: ['sources', source],
          message: `${source} is a built-in source; it cannot be declared again`,
        });
        continue;
      }
      const duplicates = fields.filter((field, i) => fields.indexOf(field) !== i);
      if (duplicates.length > 0) {
        context.addIssue({
          code: 'custom',
          path: ['sources', source],
          message: `fields listed twice: ${[...new Set(duplicates)].join(', ')}`,
        });
      }
      sources.set(source, new Set(fields));
    }
    const organisations = new Set<string>();
    catalogue.organisations.forEach((organisation, i) => {
      if (organisations.has(organisation.id)) {
        context.addIssue({
          code: 'custom',
          path: ['organisations', i, 'id'],
          message: `organisation ${organisation.id} is listed twice`,
        });
      }
      organisations.add(organisation.id);
    });
    const bases = new Set<string>();
    catalogue.legalBases.forEach((basis, i) => {
      if (bases.has(basis.id)) {
        context.addIssue({
          code: 'custom',
          path: ['legalBases', i, 'id'],
          message: `legal basis ${basis.id} is listed twice`,
        });
      }
      bases.add(basis.id);
      if (!organisations.has(basis.organisationId)) {
        context.addIssue({
          code: 'custom',
          path: ['legalBases', i, 'organisationId'],
          message: `organisation ${basis.organisationId} is not in organisations`,
        });
      }
      const unknown = basis.categories.filter(
        (category) => sources.get(sourceOf(category))?.has(fieldOf(category)) !== true,
      );
      if (unknown.length > 0) {
        context.addIssue({
          code: 'custom',
          path: ['legalBases', i, 'categories'],
          message: `legal basis ${basis.id} names unknown fields: ${unknown.join(', ')}`,
        });
      }
    });
    const fed = new Set<string>();
    (catalogue.feeds ?? []).forEach((feed, i) => {
      if (fed.has(feed.organisationId)) {
        context.addIssue({
          code: 'custom',
          path: ['feeds', i, 'organisationId'],
          message: `organisation ${feed.organisationId} has a feed already`,
        });
      }
      fed.add(feed.organisationId);
      if (!organisations.has(feed.organisationId)) {
        context.addIssue({
          code: 'custom',
          path: ['feeds', i, 'organisationId'],
          message: `organisation ${feed.organisationId} is not in organisations`,
        });
      }
      const basis = catalogue.legalBases.find((b) => b.id === feed.legalBasisId);
      if (basis?.organisationId !== feed.organisationId) {
        context.addIssue({
          code: 'custom',
          path: ['feeds', i, 'legalBasisId'],
          message:
            basis === undefined
              ? `legal basis ${feed.legalBasisId} is not in legalBases`
              : `legal basis ${feed.legalBasisId} is ${basis.organisationId}'s, not ${feed.organisationId}'s`,
        });
      }
    });
  });

/** An organisation of the catalogue. */
export type Organisation = z.output<typeof OrganisationSchema>;

/** A legal basis of the catalogue (its categories are known {@link DataCategory}s). */
export type LegalBasis = Omit<z.output<typeof LegalBasisSchema>, 'categories'> & {
  readonly categories: readonly DataCategory[];
};

/** An organisation's change feed, as the catalogue declares it. */
export type Feed = z.output<typeof FeedSchema>;

/** What a legal basis covers of a request, when it applies at all. */
export interface BasisCoverage {
  readonly basis: LegalBasis;
  /** The asked categories it allows, in the order asked; never empty. */
  readonly categories: readonly DataCategory[];
}

/**
 * The operator's catalogue of organisations and legal bases, read-only. A basis that is not in
 * it never permits anything: look-ups of unknown ids answer `undefined`.
 */
export class LegalBasisCatalogue {
  private readonly organisationsById: ReadonlyMap<string, Organisation>;
  private readonly basesById: ReadonlyMap<string, LegalBasis>;
  private readonly feedsByOrganisation: ReadonlyMap<string, Feed>;

  /** Use {@link parseLegalBasisCatalogue} or `loadLegalBasisCatalogue` to build one. */
  constructor(
    readonly organisations: readonly Organisation[],
    readonly legalBases: readonly LegalBasis[],
    /** Every source with its fields: the built-in ones and those the file declares. */
    readonly sources: ReadonlyMap<string, readonly string[]> = new Map(
      Object.entries(BUILT_IN_SOURCES),
    ),
    /** The organisations that receive a change feed, in catalogue order. */
    readonly feeds: readonly Feed[] = [],
  ) {
    this.organisationsById = new Map(organisations.map((o) => [o.id, o]));
    this.basesById = new Map(legalBases.map((b) => [b.id, b]));
    this.feedsByOrganisation = new Map(feeds.map((f) => [f.organisationId, f]));
  }

  /** Whether `value` is a field of a source this catalogue knows (`vehicles.make`, say). */
  isCategory(value: string): value is DataCategory {
    const dot = value.indexOf('.');
    return (
      dot > 0 && this.sources.get(value.slice(0, dot))?.includes(value.slice(dot + 1)) === true
    );
  }

  /** The feed of `organisationId`, if the catalogue gives it one. */
  feedOf(organisationId: string): Feed | undefined {
    return this.feedsByOrganisation.get(organisationId);
  }

  /** The organisation with `id`, if the catalogue has it. */
  organisation(id: string): Organisation | undefined {
    return this.organisationsById.get(id);
  }

  /** The legal basis with `id`, if the catalogue has it. */
  legalBasis(id: string): LegalBasis | undefined {
    return this.basesById.get(id);
  }

  /** The legal bases of `organisationId`, in catalogue order. */
  basesOf(organisationId: string): readonly LegalBasis[] {
    return this.legalBases.filter((basis) => basis.organisationId === organisationId);
  }

  /**
   * The legal basis of `organisationId` that allows `purpose` and the most of `categories`
   * (the first in catalogue order among equals), with the asked categories it allows; `undefined`
   * when none allows the purpose and at least one of them.
   */
  bestCoverage(
    organisationId: string,
    purpose: string,
    categories: readonly DataCategory[],
  ): BasisCoverage | undefined {
    let best: BasisCoverage | undefined;
    for (const basis of this.basesOf(organisationId)) {
      if (!basis.purposes.includes(purpose)) continue;
      const covered = categories.filter((category) => basis.categories.includes(category));
      if (covered.length > 0 && covered.length > (best?.categories.length ?? 0)) {
        best = { basis, categories: covered };
      }
    }
    return best;
  }
}

/** Why a catalogue was refused: every offending entry, by path. */
export class InvalidLegalBasisCatalogueError extends Error {
  override readonly name = 'InvalidLegalBasisCatalogueError';

  constructor(
    readonly source: string,
    readonly issues: readonly { readonly path: string; readonly message: string }[],
  ) {
    super(
      `${source} is not a valid legal-basis catalogue: ${issues
        .map((issue) => `${issue.path || '(root)'}: ${issue.message}`)
        .join('; ')}`,
    );
  }
}

/**
 * The catalogue in `json` (the parsed file's content), validated.
 *
 * @param source - Where it came from, for the error message.
 * @throws {@link InvalidLegalBasisCatalogueError} naming every offending entry.
 */
export function parseLegalBasisCatalogue(json: unknown, source = 'catalogue'): LegalBasisCatalogue {
  const parsed = LegalBasisCatalogueSchema.safeParse(json);
  if (!parsed.success) {
    throw new InvalidLegalBasisCatalogueError(
      source,
      parsed.error.issues.map((issue) => ({
        path: issue.path.map(String).join('.'),
        message: issue.message,
      })),
    );
  }
  return new LegalBasisCatalogue(
    parsed.data.organisations,
    parsed.data.legalBases.map((basis) => ({
      ...basis,
      categories: basis.categories.filter((c): c is DataCategory => c.includes('.')),
    })),
    new Map([...Object.entries(BUILT_IN_SOURCES), ...Object.entries(parsed.data.sources ?? {})]),
    parsed.data.feeds ?? [],
  );
}
