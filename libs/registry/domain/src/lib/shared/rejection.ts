/**
 * Why the registry refused a command: the codes of the `DomainRejection`s its deciders throw
 * (`DomainRejection<RegistryRejectionCode>`, from `@gov/platform-decider`). A closed set: the
 * registry application gives each code one HTTP status (`INVALID_INPUT` 400 with the field
 * paths, the `*_NOT_FOUND`/`NOT_REGISTERED` codes 404, the authorisation codes 403, the state
 * conflicts 409), and the chassis answers with it.
 */
export type RegistryRejectionCode =
  /** One or more fields are invalid; the rejection's `fields` list each with its path. */
  | 'INVALID_INPUT'
  /** A record with this id already exists (for a person: pick another sequence number). */
  | 'ALREADY_REGISTERED'
  /** The record does not exist. */
  | 'NOT_REGISTERED'
  /** The person is recorded as deceased: only corrections still change the record. */
  | 'PERSON_DECEASED'
  /** The person's data was erased from the register: the record is closed for good. */
  | 'RECORD_ERASED'
  /** The business is struck off the register: only corrections still change the record. */
  | 'BUSINESS_STRUCK_OFF'
  /** The vehicle is deregistered: its record is closed. */
  | 'VEHICLE_DEREGISTERED'
  /**
   * A vehicle's owner is not on record in its register (no living person, or no business not
   * struck off, with that number): the field names which.
   */
  | 'OWNER_NOT_ON_RECORD'
  /** The civil status cannot follow the current one (e.g. divorced while single). */
  | 'INVALID_CIVIL_STATUS_TRANSITION'
  /** A correction request with this id already exists. */
  | 'CORRECTION_ALREADY_EXISTS'
  /** No correction request with this id exists. */
  | 'CORRECTION_NOT_FOUND'
  /** The correction request was already decided the other way. */
  | 'CORRECTION_ALREADY_DECIDED'
  /** The correction request is not accepted (yet), so there is nothing to communicate. */
  | 'CORRECTION_NOT_ACCEPTED'
  /** The requester may not ask to correct this record (it is not theirs to correct). */
  | 'NOT_DATA_SUBJECT'
  /** The registrar does not keep the register the record belongs to. */
  | 'NOT_REGISTRAR_OF_REGISTER'
  /** The registrar would decide on their own request or their own record. */
  | 'CONFLICT_OF_INTEREST';
