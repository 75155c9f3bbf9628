/** The register of natural persons: one stream per person, keyed by national id number. */
export { CIVIL_STATUSES, CIVIL_STATUS_TRANSITIONS, PERSON_LIMITS, SEX_MARKERS } from './person';
export type { CivilStatus, PersonName, PersonRecord, PlaceOfBirth, SexMarker } from './person';
export type {
  ChangeAddress,
  ChangeCivilStatus,
  ChangeName,
  CorrectPersonRecord,
  ErasePerson,
  PersonCommand,
  RecordDeath,
  RegisterPerson,
} from './person.commands';
export { PERSON_CORRECTABLE_FIELDS } from './person.corrections';
export type { PersonCorrectableField, PersonCorrection } from './person.corrections';
export { decidePerson, evolvePerson, initialPersonState, personDecider } from './person.decider';
export type { PersonState } from './person.decider';
export type {
  PersonAddressChanged,
  PersonCivilStatusChanged,
  PersonDeathRecorded,
  PersonErased,
  PersonEvent,
  PersonNameChanged,
  PersonRecordCorrected,
  PersonRegistered,
} from './person.events';
