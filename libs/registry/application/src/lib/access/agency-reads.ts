import { ApplicationError } from '@gov/platform-chassis';
import { BUSINESS_FIELDS, PERSON_FIELDS } from '@gov/platform-legal-bases';
import type { BasisCoverage, DataCategory, LegalBasisCatalogue } from '@gov/platform-legal-bases';

import type { Clock } from '../ports';

/** A person field as gov.registry.v1 names it (`family_name`), and as categories name it. */
export type PersonFieldName = (typeof PERSON_FIELDS)[number];

/** A business field as gov.registry.v1 names it (`registered_address`). */
export type BusinessFieldName = (typeof BUSINESS_FIELDS)[number];

/** The categories of a person's record: `persons.<field>` for every field. */
const PERSON_CATEGORIES: readonly DataCategory[] = PERSON_FIELDS.map(
  (field) => `persons.${field}` as const,
);

/** The categories of a business's record: `businesses.<field>` for every field. */
const BUSINESS_CATEGORIES: readonly DataCategory[] = BUSINESS_FIELDS.map(
  (field) => `businesses.${field}` as const,
);

/** What the consent service is asked when no legal basis of the catalogue allows a read. */
export interface ConsentDecisionRequest {
  /** The data subject's national identification number. */
  readonly subject: string;
  /** The categories the read would return. */
  readonly categories: readonly DataCategory[];
  /** The agency's declared purpose. */
  readonly purpose: string;
  /** The agency's own bearer token: the consent service decides for the token's organisation. */
  readonly bearerToken: string;
}

/** The consent service's answer. */
export type ConsentDecision =
  | {
      readonly kind: 'permit';
      /** The artefact that permits. */
      readonly consentId: string;
      /** The asked categories it permits (never more than asked). */
      readonly categories: readonly DataCategory[];
    }
  | { readonly kind: 'deny'; readonly reason: string };

/**
 * The consent service's decision API, as the registry uses it: "may this agency use these
 * categories of this person for this purpose?" A permit counts one use of the artefact there;
 * the registry records the read itself (`accessRecordedBy: registry`), so that one read is one
 * access entry.
 *
 * @throws `DependencyUnavailableError` when the consent service cannot be asked (the read is
 *   then refused with 503: never served without a decision).
 */
export interface ConsentDecisions {
  decide(request: ConsentDecisionRequest): Promise<ConsentDecision>;
}

/** What an agency may read of a person, and how the read is recorded. */
export interface AgencyReadPermit {
  /** The person fields it may receive (gov.registry.v1 names). */
  readonly fields: ReadonlySet<PersonFieldName>;
  readonly purpose: string;
  /** The provision of the legal basis, or `consent/<artefact id>`. */
  readonly legalBasis: string;
  readonly legalBasisId?: string;
  readonly consentId?: string;
  /** A covert basis: the access is hidden from the subject until then. */
  readonly sealedUntil?: Date;
}

/** What an agency may read of a business, and on which basis. */
export interface AgencyBusinessReadPermit {
  /** The business fields it may receive (gov.registry.v1 names). */
  readonly fields: ReadonlySet<BusinessFieldName>;
  readonly legalBasisId: string;
}

/** What an agency may read of a vehicle, and on which basis. */
export interface AgencyVehicleReadPermit {
  /** The vehicle fields it may receive (gov.registry.vehicles.v1 VehicleRecord names). */
  readonly fields: ReadonlySet<string>;
  /** The provision of the legal basis. */
  readonly legalBasis: string;
  readonly legalBasisId: string;
}

/** An agency's read as its request declares it. */
export interface AgencyReadRequest {
  readonly organisationId: string;
  readonly subject: string;
  readonly purpose: string;
  /** A legal basis id of the catalogue the agency names (`X-Legal-Basis`), if it names one. */
  readonly legalBasisId?: string;
  /** The agency's bearer token, for the consent service. */
  readonly bearerToken?: string;
}

/**
 * Decides an agency's read of a person's record (data minimisation included):
 *
 * 1. A legal basis of the operator's catalogue, held by the agency's organisation, that allows
 *    the declared purpose: the one the agency names (`X-Legal-Basis`), else the one that covers
 *    the most of the record. Decided here, from the catalogue the registry loads at start: no
 *    other service is asked, so these reads work while the consent service is down.
 * 2. Otherwise (no basis named, none applies), the person's consent, as the consent service
 *    decides it.
 * 3. Otherwise 403.
 *
 * The agency receives only the fields the basis or consent allows.
 */
export class AgencyReadPolicy {
  constructor(
    private readonly catalogue: LegalBasisCatalogue,
    private readonly consents: ConsentDecisions | undefined,
    private readonly clock: Clock,
  ) {}

  async permit(request: AgencyReadRequest): Promise<AgencyReadPermit> {
    const { organisationId, purpose } = request;
    const onBasis = this.catalogueBasis(request, PERSON_CATEGORIES, 'a person');
    if (onBasis !== undefined) {
      return this.onBasis(
        onBasis.basis,
        fieldsOf(onBasis.categories, 'persons', PERSON_FIELDS),
        purpose,
      );
    }
    if (this.consents === undefined || request.bearerToken === undefined) {
      throw ApplicationError.forbidden(
        `no legal basis of ${organisationId} allows the purpose "${purpose}", and consents are not consulted here`,
      );
    }
    const decision = await this.consents.decide({
      subject: request.subject,
      categories: PERSON_CATEGORIES,
      purpose,
      bearerToken: request.bearerToken,
    });
    if (decision.kind === 'deny') {
      throw ApplicationError.forbidden(
        `no legal basis of ${organisationId} allows the purpose "${purpose}", and the person's consent does not: ${decision.reason}`,
      );
    }
    const fields = fieldsOf(decision.categories, 'persons', PERSON_FIELDS);
    if (fields.size === 0) {
      throw ApplicationError.forbidden('the consent permits no data of the person record');
    }
    return {
      fields,
      purpose,
      legalBasis: `consent/${decision.consentId}`,
      consentId: decision.consentId,
    };
  }

  /**
   * An agency's read of a business's record: on a legal basis of the catalogue only (a
   * business's record is no one person's data to consent to), named or the best covering one;
   * 403 otherwise.
   */
  permitBusinessRead(
    request: Omit<AgencyReadRequest, 'subject' | 'bearerToken'>,
  ): AgencyBusinessReadPermit {
    const onBasis = this.catalogueBasis(request, BUSINESS_CATEGORIES, 'a business');
    if (onBasis === undefined) {
      throw ApplicationError.forbidden(
        `no legal basis of ${request.organisationId} allows the purpose "${request.purpose}" on business records`,
      );
    }
    return {
      fields: fieldsOf(onBasis.categories, 'businesses', BUSINESS_FIELDS),
      legalBasisId: onBasis.basis.id,
    };
  }

  /**
   * An agency's read of a vehicle's record: as for a business, on a legal basis of the
   * catalogue only, over the fields the catalogue declares for the source `vehicles` (its
   * `sources`; none declared, no agency reads vehicles). 403 otherwise.
   */
  permitVehicleRead(
    request: Omit<AgencyReadRequest, 'subject' | 'bearerToken'>,
  ): AgencyVehicleReadPermit {
    const known = this.catalogue.sources.get('vehicles') ?? [];
    const categories = known.map((field) => `vehicles.${field}` as const);
    const onBasis = this.catalogueBasis(request, categories, 'a vehicle');
    if (onBasis === undefined) {
      throw ApplicationError.forbidden(
        `no legal basis of ${request.organisationId} allows the purpose "${request.purpose}" on vehicle records`,
      );
    }
    return {
      fields: fieldsOf(onBasis.categories, 'vehicles', known),
      legalBasis: onBasis.basis.provision,
      legalBasisId: onBasis.basis.id,
    };
  }

  /**
   * The catalogue basis of the request's organisation for `purpose` on the given categories:
   * the named one (403 if it is not the organisation's, not for the purpose, or covers none of
   * them), else the one covering the most; `undefined` when none does.
   */
  private catalogueBasis(
    request: Pick<AgencyReadRequest, 'organisationId' | 'purpose' | 'legalBasisId'>,
    categories: readonly DataCategory[],
    what: string,
  ): BasisCoverage | undefined {
    const { organisationId, purpose } = request;
    if (this.catalogue.organisation(organisationId) === undefined) {
      throw ApplicationError.forbidden(
        `organisation ${organisationId} is not in the platform's legal-basis catalogue`,
      );
    }
    if (request.legalBasisId === undefined) {
      return this.catalogue.bestCoverage(organisationId, purpose, categories);
    }
    const basis = this.catalogue.legalBasis(request.legalBasisId);
    if (basis === undefined || basis.organisationId !== organisationId) {
      throw ApplicationError.forbidden(
        `${request.legalBasisId} is not a legal basis of ${organisationId} in the catalogue`,
      );
    }
    if (!basis.purposes.includes(purpose)) {
      throw ApplicationError.forbidden(
        `legal basis ${basis.id} does not allow the purpose "${purpose}"`,
      );
    }
    const covered = categories.filter((category) => basis.categories.includes(category));
    if (covered.length === 0) {
      throw ApplicationError.forbidden(`legal basis ${basis.id} allows no data of ${what}`);
    }
    return { basis, categories: covered };
  }

  private onBasis(
    basis: { id: string; provision: string; covert?: { sealDays: number } | undefined },
    fields: ReadonlySet<PersonFieldName>,
    purpose: string,
  ): AgencyReadPermit {
    return {
      fields,
      purpose,
      legalBasis: basis.provision,
      legalBasisId: basis.id,
      ...(basis.covert === undefined
        ? {}
        : {
            sealedUntil: new Date(this.clock.now().getTime() + basis.covert.sealDays * 86_400_000),
          }),
    };
  }
}

/** The fields of `source` (`known`) that `categories` name, as `<source>.<field>`. */
function fieldsOf<Field extends string>(
  categories: readonly DataCategory[],
  source: 'persons' | 'businesses' | 'vehicles',
  known: readonly Field[],
): ReadonlySet<Field> {
  const fields = new Set<Field>();
  for (const category of categories) {
    if (!category.startsWith(`${source}.`)) continue;
    const field = category.slice(source.length + 1);
    if ((known as readonly string[]).includes(field)) fields.add(field as Field);
  }
  return fields;
}
