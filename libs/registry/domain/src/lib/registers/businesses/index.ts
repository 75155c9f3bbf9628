/** The register of businesses: one stream per business, keyed by business number. */
export {
  BUSINESS_LIMITS,
  LEGAL_FORMS,
  MANAGER_ROLES,
  STRIKE_OFF_GROUNDS,
  isBusinessNumber,
} from './business';
export type {
  BusinessNumber,
  BusinessRecord,
  LegalForm,
  Manager,
  ManagerRole,
  StrikeOff,
  StrikeOffGround,
} from './business';
export type {
  BusinessCommand,
  ChangeBusinessAddress,
  ChangeManagers,
  CorrectBusinessRecord,
  ManagerInput,
  RegisterBusiness,
  StrikeOffBusiness,
} from './business.commands';
export { BUSINESS_CORRECTABLE_FIELDS } from './business.corrections';
export type { BusinessCorrectableField, BusinessCorrection } from './business.corrections';
export {
  businessDecider,
  decideBusiness,
  evolveBusiness,
  initialBusinessState,
} from './business.decider';
export type { BusinessState } from './business.decider';
export type {
  BusinessAddressChanged,
  BusinessEvent,
  BusinessManagersChanged,
  BusinessRecordCorrected,
  BusinessRegistered,
  BusinessStruckOff,
} from './business.events';
