/**
 * The capacity in which someone read a person's data (gov.registry.v1.AccessorRole). The
 * registry records reads by registrars and agencies; `data-subject` and `prefill` exist in the
 * contract for other producers (a person's own reads are not logged here).
 */
export type AccessorRole =
  'data-subject' | 'registrar' | 'agency-official' | 'agency-system' | 'prefill';

/**
 * Personal data of a person was read from the registry: the fact the audit service and the
 * person's "who accessed my data" view are built from. Not a decision of any register, so not a
 * domain event: the application records it, in a stream per data subject, before it returns the
 * data.
 */
export interface PersonalDataAccessed {
  readonly type: 'PersonalDataAccessed';
  readonly data: {
    readonly subjectNationalId: string;
    /** The reading organisation, as its token names it. */
    readonly organisationId: string;
    readonly purpose: string;
    readonly legalBasis: string;
    /** The fields returned, by their names in gov.registry.v1 (`family_name`, `address`). */
    readonly fieldsRead: readonly string[];
    readonly accessedAt: Date;
    /** W3C trace id of the reading request, when it was traced. */
    readonly traceId: string | null;
    readonly accessorRole: AccessorRole;
    /** An agency's read on a legal basis: its id in the legal-basis catalogue. */
    readonly legalBasisId?: string;
    /** An agency's read on the subject's consent: the artefact's id. */
    readonly consentId?: string;
    /** A read under a covert basis: hidden from the subject until then. */
    readonly sealedUntil?: Date;
    /** The procedure the read was made for, as the reader declared it. */
    readonly procedureId?: string;
  };
}
