import type { Address } from '../../shared/address';
import type { LocalDate } from '../../shared/check';
import type { Event } from '../../shared/messages';
import type { NationalId } from '../../national-id';
import type { CivilStatus, PlaceOfBirth, SexMarker } from './person';
import type { PersonCorrection } from './person.corrections';

// Each event carries the whole new value of what changed (the full name, the full address),
// never a diff and never the previous value: the previous value is already a fact earlier in the
// same stream, which every consumer reads in order, and repeating it would only multiply the
// personal data to erase. Every event names its record (`nationalId`), so it stands on its own.

/** A person was entered in the register, with everything the register holds about them. */
export type PersonRegistered = Event<
  'PersonRegistered',
  {
    readonly nationalId: NationalId;
    readonly givenNames: string;
    readonly familyName: string;
    readonly birthDate: LocalDate;
    /** `null`: the register does not know the place of birth. */
    readonly placeOfBirth: PlaceOfBirth | null;
    readonly sex: SexMarker;
    readonly nationalities: readonly string[];
    readonly address: Address;
    readonly civilStatus: CivilStatus;
  }
>;

/** The person's name changed; both parts as they now are. */
export type PersonNameChanged = Event<
  'PersonNameChanged',
  { readonly nationalId: NationalId; readonly givenNames: string; readonly familyName: string }
>;

/** The person moved; the complete new address. */
export type PersonAddressChanged = Event<
  'PersonAddressChanged',
  { readonly nationalId: NationalId; readonly address: Address }
>;

/** A civil-status act took effect on `effectiveDate`. */
export type PersonCivilStatusChanged = Event<
  'PersonCivilStatusChanged',
  {
    readonly nationalId: NationalId;
    readonly civilStatus: CivilStatus;
    readonly effectiveDate: LocalDate;
  }
>;

/** The person died on `dateOfDeath`. The record is closed except to corrections. */
export type PersonDeathRecorded = Event<
  'PersonDeathRecorded',
  { readonly nationalId: NationalId; readonly dateOfDeath: LocalDate }
>;

/**
 * A field of the record was corrected because the correction request `correctionId` was
 * accepted. A separate event from the ordinary changes: it states that the earlier value was
 * wrong (not that something happened to the person), and it is allowed on a closed record.
 */
export type PersonRecordCorrected = Event<
  'PersonRecordCorrected',
  {
    readonly nationalId: NationalId;
    readonly correctionId: string;
    readonly correction: PersonCorrection;
  }
>;

/**
 * The person's data was erased under `legalGround`: every earlier event's personal data is
 * unreadable from now on (its key is destroyed) and the record is closed for good. Only the
 * national identification number remains, which is never issued again.
 */
export type PersonErased = Event<
  'PersonErased',
  { readonly nationalId: NationalId; readonly legalGround: string }
>;

/** Every event of the register of natural persons. */
export type PersonEvent =
  | PersonRegistered
  | PersonNameChanged
  | PersonAddressChanged
  | PersonCivilStatusChanged
  | PersonDeathRecorded
  | PersonRecordCorrected
  | PersonErased;
