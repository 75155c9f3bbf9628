import type { Address } from '../../shared/address';
import type { LocalDate } from '../../shared/check';
import type { Command } from '../../shared/messages';
import type { CivilStatus, PlaceOfBirth, SexMarker } from './person';
import type { PersonCorrection } from './person.corrections';

/**
 * Registers a person (birth, or arrival of a resident). The application picks the sequence
 * number and composes the national identification number with `composeNationalId(birthDate,
 * sequence)`; it is the stream id, so the application needs it before deciding. `decide` checks
 * that it is valid and encodes the birth date, and stays deterministic.
 */
export type RegisterPerson = Command<
  'RegisterPerson',
  {
    readonly nationalId: string;
    readonly givenNames: string;
    readonly familyName: string;
    readonly birthDate: LocalDate;
    readonly placeOfBirth: PlaceOfBirth | null;
    readonly sex: SexMarker;
    readonly nationalities: readonly string[];
    readonly address: Address;
    readonly civilStatus: CivilStatus;
  }
>;

/** Records a new name (by marriage, a court decision, …): both parts, as they now are. */
export type ChangeName = Command<
  'ChangeName',
  { readonly nationalId: string; readonly givenNames: string; readonly familyName: string }
>;

/** Records a move to a new address. */
export type ChangeAddress = Command<
  'ChangeAddress',
  { readonly nationalId: string; readonly address: Address }
>;

/** Records a civil-status act (marriage, divorce, …) and the date it took effect. */
export type ChangeCivilStatus = Command<
  'ChangeCivilStatus',
  {
    readonly nationalId: string;
    readonly civilStatus: CivilStatus;
    readonly effectiveDate: LocalDate;
  }
>;

/** Records the death of the person. Afterwards only corrections change the record. */
export type RecordDeath = Command<
  'RecordDeath',
  { readonly nationalId: string; readonly dateOfDeath: LocalDate }
>;

/**
 * Applies an accepted correction to the record. Sent by the application on `CorrectionAccepted`
 * (see `correctRecordCommand`), never by a client: `correctionId` links the change to the request.
 */
export type CorrectPersonRecord = Command<
  'CorrectPersonRecord',
  {
    readonly nationalId: string;
    readonly correctionId: string;
    readonly correction: PersonCorrection;
  }
>;

/**
 * Erases the person's data from the register under a stated legal ground. The application
 * destroys the data subject's key once the event is appended; the decision only closes the
 * record. Allowed on a living or deceased record; repeating it changes nothing.
 */
export type ErasePerson = Command<
  'ErasePerson',
  { readonly nationalId: string; readonly legalGround: string }
>;

/** Every command of the register of natural persons. */
export type PersonCommand =
  | RegisterPerson
  | ErasePerson
  | ChangeName
  | ChangeAddress
  | ChangeCivilStatus
  | RecordDeath
  | CorrectPersonRecord;
