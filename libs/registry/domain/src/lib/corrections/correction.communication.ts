import type { PersonCorrectableField } from '../registers/persons/person.corrections';

/**
 * One read of a person's data by an organisation, as the person's access log
 * (`PersonalDataAccessed` on `access-<national id>`) records it: the lookup from which the
 * recipients of a correction are computed. The application reads the log; `decide` reads
 * nothing.
 */
export interface RecordedRead {
  /** The reading organisation; `self` for the person's own reads. */
  readonly organisationId: string;
  /**
   * The capacity of the read, as gov.registry.v1's AccessorRole names it in the application
   * (`registrar`, `agency-system`, …).
   */
  readonly accessorRole: string;
  /** The fields returned, by their gov.registry.v1 names (`family_name`, `address`). */
  readonly fieldsRead: readonly string[];
  /** When the data was read. */
  readonly accessedAt: Date;
  readonly purpose: string;
  /** The provision, or `consent/<artefact id>`. */
  readonly legalBasis: string;
  readonly legalBasisId?: string;
  readonly consentId?: string;
  readonly procedureId?: string;
  /** A read under a covert basis: hidden from the person until then. */
  readonly sealedUntil?: Date;
}

/**
 * An organisation that had received the old value of a corrected field, and the notice it is
 * sent: the details of its last read of the field before the acceptance.
 */
export interface CorrectionRecipient {
  readonly organisationId: string;
  /** Id (UUID) of the `CorrectionNotice` sent to it; its idempotency key. */
  readonly noticeId: string;
  /** When it last read the field before the acceptance. */
  readonly lastReceivedAt: Date;
  readonly purpose: string;
  readonly legalBasis: string;
  readonly legalBasisId?: string;
  readonly consentId?: string;
  readonly procedureId?: string;
  /**
   * Set when every read that gave it the old value was under a covert basis: the person does
   * not see this recipient before then (the latest of those reads' `sealedUntil`).
   */
  readonly sealedUntil?: Date;
}

/** The organisation id of a person's own reads in the access log: never a recipient. */
export const SELF_ORGANISATION = 'self';

/**
 * The capacity of a registrar's read: the register's keeper, who holds the corrected value
 * (it corrected it), is no recipient of its own register (GDPR Art. 4(9), 19).
 */
export const REGISTRAR_ROLE = 'registrar';

/**
 * The name under which the access log lists each correctable field of a person (the field's
 * name in gov.registry.v1's `PersonRegistered.PersonalData`).
 */
export const PERSON_FIELD_READ_NAMES: Readonly<Record<PersonCorrectableField, string>> = {
  givenNames: 'given_names',
  familyName: 'family_name',
  placeOfBirth: 'place_of_birth',
  sex: 'sex',
  nationalities: 'nationalities',
  address: 'address',
};

/**
 * The organisations that received the old value of `field`: reads by anyone but the person and
 * the register's own registrars, whose fields include it, made before `acceptedAt` (the acceptance's time; the read's own
 * `accessedAt`, so that a read served on the embassy and joined to the log later counts by when
 * it happened). One recipient per organisation, with its last such read (the later one in log
 * order on equal times), ordered by organisation id.
 */
export function correctionRecipients(
  field: PersonCorrectableField,
  reads: readonly RecordedRead[],
  acceptedAt: Date,
  noticeIdOf: (organisationId: string) => string,
): CorrectionRecipient[] {
  const readName = PERSON_FIELD_READ_NAMES[field];
  const byOrganisation = new Map<string, { last: RecordedRead; sealedUntil: Date | null }>();
  for (const read of reads) {
    if (read.organisationId === SELF_ORGANISATION || read.accessorRole === REGISTRAR_ROLE) continue;
    if (!read.fieldsRead.includes(readName)) continue;
    if (read.accessedAt.getTime() >= acceptedAt.getTime()) continue;
    const seen = byOrganisation.get(read.organisationId);
    // One open read unseals the organisation for good: the person saw that one already.
    const sealedUntil =
      read.sealedUntil === undefined || (seen !== undefined && seen.sealedUntil === null)
        ? null
        : seen?.sealedUntil !== undefined && seen.sealedUntil !== null
          ? new Date(Math.max(seen.sealedUntil.getTime(), read.sealedUntil.getTime()))
          : read.sealedUntil;
    const last =
      seen === undefined || read.accessedAt.getTime() >= seen.last.accessedAt.getTime()
        ? read
        : seen.last;
    byOrganisation.set(read.organisationId, { last, sealedUntil });
  }
  return [...byOrganisation.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([organisationId, { last, sealedUntil }]) => ({
      organisationId,
      noticeId: noticeIdOf(organisationId),
      lastReceivedAt: last.accessedAt,
      purpose: last.purpose,
      legalBasis: last.legalBasis,
      ...(last.legalBasisId === undefined ? {} : { legalBasisId: last.legalBasisId }),
      ...(last.consentId === undefined ? {} : { consentId: last.consentId }),
      ...(last.procedureId === undefined ? {} : { procedureId: last.procedureId }),
      ...(sealedUntil === null ? {} : { sealedUntil }),
    }));
}
