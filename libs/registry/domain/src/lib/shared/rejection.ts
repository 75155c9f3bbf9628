/**
 * Why the registry refused a command. A closed set: the HTTP layer maps each code to one status
 * (`INVALID_INPUT` to 400 with the field paths, the `*_NOT_FOUND`/`NOT_REGISTERED` codes to 404,
 * the authorisation codes to 403, the state conflicts to 409) in its exception filter.
 */
export type RejectionCode =
  /** One or more fields are invalid; `violations` lists each with its path. */
  | 'INVALID_INPUT'
  /** A record with this id already exists (for a person: pick another sequence number). */
  | 'ALREADY_REGISTERED'
  /** The record does not exist. */
  | 'NOT_REGISTERED'
  /** The person is recorded as deceased: only corrections still change the record. */
  | 'PERSON_DECEASED'
  /** The business is struck off the register: only corrections still change the record. */
  | 'BUSINESS_STRUCK_OFF'
  /** The civil status cannot follow the current one (e.g. divorced while single). */
  | 'INVALID_CIVIL_STATUS_TRANSITION'
  /** A correction request with this id already exists. */
  | 'CORRECTION_ALREADY_EXISTS'
  /** No correction request with this id exists. */
  | 'CORRECTION_NOT_FOUND'
  /** The correction request was already decided the other way. */
  | 'CORRECTION_ALREADY_DECIDED'
  /** The requester may not ask to correct this record (it is not theirs to correct). */
  | 'NOT_DATA_SUBJECT'
  /** The registrar does not keep the register the record belongs to. */
  | 'NOT_REGISTRAR_OF_REGISTER'
  /** The registrar would decide on their own request or their own record. */
  | 'CONFLICT_OF_INTEREST';

/** One offending field: its path in the command data (`address.postcode`, `managers[1].role`). */
export interface FieldViolation {
  readonly path: string;
  readonly problem: string;
}

/**
 * A command the registry refuses. Thrown by `decide`; nothing is appended. Carries a closed
 * `code` and the offending field paths, so the HTTP layer can answer without parsing messages.
 */
export class RegistryRejection extends Error {
  override readonly name = 'RegistryRejection';
  /** The paths of `violations`, in order: what the HTTP layer lists in its 400 answer. */
  readonly fields: readonly string[];

  constructor(
    readonly code: RejectionCode,
    message: string,
    readonly violations: readonly FieldViolation[] = [],
  ) {
    super(message);
    this.fields = violations.map((violation) => violation.path);
  }
}

/** Type guard for the translation of domain rejections at a boundary. */
export function isRegistryRejection(error: unknown): error is RegistryRejection {
  return error instanceof RegistryRejection;
}
