import type { Address } from '../../shared/address';
import type { LocalDate } from '../../shared/check';
import type { Event } from '../../shared/messages';
import type { BusinessNumber, LegalForm, Manager, StrikeOffGround } from './business';
import type { BusinessCorrection } from './business.corrections';

// As for persons: each event carries the whole new value of what changed (the complete address,
// the complete list of managers) and names its record, never a diff or the previous value.

/** A business was entered in the register. */
export type BusinessRegistered = Event<
  'BusinessRegistered',
  {
    readonly businessNumber: BusinessNumber;
    readonly name: string;
    readonly legalForm: LegalForm;
    readonly registeredAddress: Address;
    /** At least one; sorted by national identification number. */
    readonly managers: readonly Manager[];
  }
>;

/** The registered office moved; the complete new address. */
export type BusinessAddressChanged = Event<
  'BusinessAddressChanged',
  { readonly businessNumber: BusinessNumber; readonly registeredAddress: Address }
>;

/** The managers changed; the complete new list, which replaces the previous one. */
export type BusinessManagersChanged = Event<
  'BusinessManagersChanged',
  { readonly businessNumber: BusinessNumber; readonly managers: readonly Manager[] }
>;

/** The business was struck off the register. The record is closed except to corrections. */
export type BusinessStruckOff = Event<
  'BusinessStruckOff',
  {
    readonly businessNumber: BusinessNumber;
    readonly effectiveDate: LocalDate;
    readonly ground: StrikeOffGround;
  }
>;

/** A field of the record was corrected because the correction request `correctionId` was accepted. */
export type BusinessRecordCorrected = Event<
  'BusinessRecordCorrected',
  {
    readonly businessNumber: BusinessNumber;
    readonly correctionId: string;
    readonly correction: BusinessCorrection;
  }
>;

/** Every event of the register of businesses. */
export type BusinessEvent =
  | BusinessRegistered
  | BusinessAddressChanged
  | BusinessManagersChanged
  | BusinessStruckOff
  | BusinessRecordCorrected;
