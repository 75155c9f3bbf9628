import type { Address } from '../../shared/address';
import type { LocalDate } from '../../shared/check';
import type { Command } from '../../shared/messages';
import type { LegalForm, ManagerRole, StrikeOffGround } from './business';
import type { BusinessCorrection } from './business.corrections';

/** A manager as a command gives it: the national identification number is checked. */
export interface ManagerInput {
  readonly nationalId: string;
  readonly role: ManagerRole;
}

/** Registers a business under a number the application assigned (the stream id). */
export type RegisterBusiness = Command<
  'RegisterBusiness',
  {
    readonly businessNumber: string;
    readonly name: string;
    readonly legalForm: LegalForm;
    readonly registeredAddress: Address;
    readonly managers: readonly ManagerInput[];
  }
>;

/** Records a move of the registered office. */
export type ChangeBusinessAddress = Command<
  'ChangeBusinessAddress',
  { readonly businessNumber: string; readonly registeredAddress: Address }
>;

/** Records the managers as they now are: the complete list replaces the previous one. */
export type ChangeManagers = Command<
  'ChangeManagers',
  { readonly businessNumber: string; readonly managers: readonly ManagerInput[] }
>;

/** Strikes the business off the register. Afterwards only corrections change the record. */
export type StrikeOffBusiness = Command<
  'StrikeOffBusiness',
  {
    readonly businessNumber: string;
    readonly effectiveDate: LocalDate;
    readonly ground: StrikeOffGround;
  }
>;

/**
 * Applies an accepted correction to the record. Sent by the application on `CorrectionAccepted`
 * (see `correctRecordCommand`), never by a client: `correctionId` links the change to the request.
 */
export type CorrectBusinessRecord = Command<
  'CorrectBusinessRecord',
  {
    readonly businessNumber: string;
    readonly correctionId: string;
    readonly correction: BusinessCorrection;
  }
>;

/** Every command of the register of businesses. */
export type BusinessCommand =
  | RegisterBusiness
  | ChangeBusinessAddress
  | ChangeManagers
  | StrikeOffBusiness
  | CorrectBusinessRecord;
