import { DomainRejection } from '@gov/platform-decider';
import type { Decider } from '@gov/platform-decider';

import { checkAddress, sameAddress } from '../../shared/address';
import { Check } from '../../shared/check';
import type { LocalDate } from '../../shared/check';
import { checkUuid } from '../../shared/check';
import { checkNationalId } from '../../shared/identifiers';
import { assertNever } from '../../shared/messages';
import type { RegistryRejectionCode } from '../../shared/rejection';
import type { NationalId } from '../../national-id';
import { CIVIL_STATUSES, CIVIL_STATUS_TRANSITIONS, PERSON_LIMITS, SEX_MARKERS } from './person';
import type { PersonRecord } from './person';
import type {
  ChangeAddress,
  ChangeCivilStatus,
  ChangeName,
  CorrectPersonRecord,
  ErasePerson,
  PersonCommand,
  RecordDeath,
  RegisterPerson,
} from './person.commands';
import {
  applyPersonCorrection,
  checkNationalities,
  checkPersonCorrection,
  checkPlaceOfBirth,
} from './person.corrections';
import type { PersonEvent } from './person.events';

/** The state of one person's stream, folded from its events by `evolvePerson`. */
export type PersonState =
  | { readonly status: 'unregistered' }
  | {
      readonly status: 'registered';
      readonly record: PersonRecord;
      /** Ids of the corrections already applied: a repeated correction command changes nothing. */
      readonly appliedCorrections: readonly string[];
    }
  | {
      readonly status: 'deceased';
      readonly record: PersonRecord;
      readonly dateOfDeath: LocalDate;
      readonly appliedCorrections: readonly string[];
    }
  | {
      /** The data was erased: only the number and the ground remain; nothing follows. */
      readonly status: 'erased';
      readonly nationalId: NationalId;
      readonly legalGround: string;
    };

type OnRecord = Exclude<PersonState, { status: 'unregistered' } | { status: 'erased' }>;

/** The state of a stream with no events. */
export function initialPersonState(): PersonState {
  return { status: 'unregistered' };
}

/**
 * Decides what a command on one person's record produces. Pure: the time comes in the command's
 * metadata, the national identification number in its data. Throws `DomainRejection`.
 *
 * A command whose effect is already in place (the same address again, a repeated correction)
 * decides no events, so an application retry is harmless; a command that contradicts the record
 * is rejected.
 */
export function decidePerson(command: PersonCommand, state: PersonState): PersonEvent[] {
  switch (command.type) {
    case 'RegisterPerson':
      return registerPerson(command, state);
    case 'ChangeName':
      return changeName(command, state);
    case 'ChangeAddress':
      return changeAddress(command, state);
    case 'ChangeCivilStatus':
      return changeCivilStatus(command, state);
    case 'RecordDeath':
      return recordDeath(command, state);
    case 'CorrectPersonRecord':
      return correctPersonRecord(command, state);
    case 'ErasePerson':
      return erasePerson(command, state);
    default:
      return assertNever(command, 'person command');
  }
}

function registerPerson({ data, metadata }: RegisterPerson, state: PersonState): PersonEvent[] {
  if (state.status !== 'unregistered') {
    const nationalId = state.status === 'erased' ? state.nationalId : state.record.nationalId;
    throw new DomainRejection<RegistryRejectionCode>(
      'ALREADY_REGISTERED',
      `person ${nationalId} is already registered`,
      [{ field: 'nationalId', code: 'already-registered', message: 'is already registered' }],
    );
  }
  const check = new Check();
  const nationalId = checkNationalId(check, 'nationalId', data.nationalId);
  const givenNames = check.text('givenNames', data.givenNames, PERSON_LIMITS.givenNames, {
    letters: true,
  });
  const familyName = check.text('familyName', data.familyName, PERSON_LIMITS.familyName, {
    letters: true,
  });
  const birthDate = check.pastDate('birthDate', data.birthDate, metadata.now);
  if (
    check.isValid('nationalId') &&
    check.isValid('birthDate') &&
    nationalId.slice(0, 8) !== birthDate.replaceAll('-', '')
  ) {
    check.add('nationalId', 'birth-date-mismatch', 'does not encode the birth date');
  }
  const placeOfBirth =
    data.placeOfBirth === null ? null : checkPlaceOfBirth(check, 'placeOfBirth', data.placeOfBirth);
  const sex = check.oneOf('sex', data.sex, SEX_MARKERS);
  const nationalities = checkNationalities(check, 'nationalities', data.nationalities);
  const address = checkAddress(check, 'address', data.address);
  const civilStatus = check.oneOf('civilStatus', data.civilStatus, CIVIL_STATUSES);
  check.rejectIfAny('RegisterPerson');
  return [
    {
      type: 'PersonRegistered',
      data: {
        nationalId,
        givenNames,
        familyName,
        birthDate,
        placeOfBirth,
        sex,
        nationalities,
        address,
        civilStatus,
      },
    },
  ];
}

function changeName({ data }: ChangeName, state: PersonState): PersonEvent[] {
  const { record } = living(state);
  const check = new Check();
  const givenNames = check.text('givenNames', data.givenNames, PERSON_LIMITS.givenNames, {
    letters: true,
  });
  const familyName = check.text('familyName', data.familyName, PERSON_LIMITS.familyName, {
    letters: true,
  });
  check.rejectIfAny('ChangeName');
  if (givenNames === record.givenNames && familyName === record.familyName) return [];
  return [
    { type: 'PersonNameChanged', data: { nationalId: record.nationalId, givenNames, familyName } },
  ];
}

function changeAddress({ data }: ChangeAddress, state: PersonState): PersonEvent[] {
  const { record } = living(state);
  const check = new Check();
  const address = checkAddress(check, 'address', data.address);
  check.rejectIfAny('ChangeAddress');
  if (sameAddress(address, record.address)) return [];
  return [{ type: 'PersonAddressChanged', data: { nationalId: record.nationalId, address } }];
}

function changeCivilStatus(
  { data, metadata }: ChangeCivilStatus,
  state: PersonState,
): PersonEvent[] {
  const { record } = living(state);
  const check = new Check();
  const civilStatus = check.oneOf('civilStatus', data.civilStatus, CIVIL_STATUSES);
  const effectiveDate = check.pastDate('effectiveDate', data.effectiveDate, metadata.now);
  if (check.isValid('effectiveDate')) {
    if (effectiveDate < record.birthDate) {
      check.add('effectiveDate', 'before-birth', 'must not be before the birth date');
    } else if (record.civilStatusSince !== null && effectiveDate < record.civilStatusSince) {
      check.add(
        'effectiveDate',
        'before-current-status',
        'must not be before the current civil status took effect',
      );
    }
  }
  check.rejectIfAny('ChangeCivilStatus');
  if (civilStatus === record.civilStatus) return [];
  if (!CIVIL_STATUS_TRANSITIONS[record.civilStatus].includes(civilStatus)) {
    throw new DomainRejection<RegistryRejectionCode>(
      'INVALID_CIVIL_STATUS_TRANSITION',
      `civil status ${record.civilStatus} cannot become ${civilStatus}; if the record is wrong, request a correction`,
      [
        {
          field: 'civilStatus',
          code: 'invalid-transition',
          message: `cannot follow ${record.civilStatus}`,
        },
      ],
    );
  }
  return [
    {
      type: 'PersonCivilStatusChanged',
      data: { nationalId: record.nationalId, civilStatus, effectiveDate },
    },
  ];
}

function recordDeath({ data, metadata }: RecordDeath, state: PersonState): PersonEvent[] {
  const { record } = onRecord(state);
  const check = new Check();
  const dateOfDeath = check.pastDate('dateOfDeath', data.dateOfDeath, metadata.now);
  if (check.isValid('dateOfDeath') && dateOfDeath < record.birthDate) {
    check.add('dateOfDeath', 'before-birth', 'must not be before the birth date');
  }
  check.rejectIfAny('RecordDeath');
  if (state.status === 'deceased') {
    if (state.dateOfDeath === dateOfDeath) return [];
    throw deceased(record.nationalId, state.dateOfDeath);
  }
  return [{ type: 'PersonDeathRecorded', data: { nationalId: record.nationalId, dateOfDeath } }];
}

/**
 * Corrections apply to a deceased person's record too, and are never refused because of the
 * record's lifecycle: once a registrar accepted a correction, the record must take it (see
 * `corrections/correction.decider.ts`). Idempotent by correction id.
 */
function correctPersonRecord({ data }: CorrectPersonRecord, state: PersonState): PersonEvent[] {
  const { record, appliedCorrections } = onRecord(state);
  const check = new Check();
  const correctionId = checkUuid(check, 'correctionId', data.correctionId);
  const correction = checkPersonCorrection(check, 'correction', data.correction);
  check.rejectIfAny('CorrectPersonRecord');
  if (appliedCorrections.includes(correctionId)) return [];
  // Emitted even when the record already holds the value: the event records that the
  // correction was applied, so a late repeat of the command cannot undo a later change.
  return [
    {
      type: 'PersonRecordCorrected',
      data: { nationalId: record.nationalId, correctionId, correction },
    },
  ];
}

/**
 * Erasure closes any record, living or deceased; on an erased record it decides nothing, so a
 * retried erasure (whose key destruction may not have completed) goes through again.
 */
function erasePerson({ data }: ErasePerson, state: PersonState): PersonEvent[] {
  if (state.status === 'erased') return [];
  const { record } = onRecord(state);
  const check = new Check();
  const legalGround = check.text('legalGround', data.legalGround, PERSON_LIMITS.legalGround);
  check.rejectIfAny('ErasePerson');
  return [{ type: 'PersonErased', data: { nationalId: record.nationalId, legalGround } }];
}

function onRecord(state: PersonState): OnRecord {
  if (state.status === 'erased') {
    throw new DomainRejection<RegistryRejectionCode>(
      'RECORD_ERASED',
      `the data of person ${state.nationalId} was erased; the record is closed for good`,
      [{ field: 'nationalId', code: 'erased', message: 'was erased' }],
    );
  }
  if (state.status === 'unregistered') {
    throw new DomainRejection<RegistryRejectionCode>(
      'NOT_REGISTERED',
      'no person is registered with this number',
      [{ field: 'nationalId', code: 'not-registered', message: 'is not registered' }],
    );
  }
  return state;
}

function living(state: PersonState): OnRecord & { status: 'registered' } {
  const current = onRecord(state);
  if (current.status === 'deceased') throw deceased(current.record.nationalId, current.dateOfDeath);
  return current;
}

function deceased(
  nationalId: NationalId,
  dateOfDeath: LocalDate,
): DomainRejection<RegistryRejectionCode> {
  return new DomainRejection<RegistryRejectionCode>(
    'PERSON_DECEASED',
    `person ${nationalId} died on ${dateOfDeath}; only corrections change the record`,
    [{ field: 'nationalId', code: 'deceased', message: 'is recorded as deceased' }],
  );
}

/**
 * Folds one event into the state. Total: an event that cannot apply to the state (only a
 * corrupted stream has one, and its hash chain shows it) leaves the state as it is, so a replay
 * on the embassy never stops on it.
 */
export function evolvePerson(state: PersonState, event: PersonEvent): PersonState {
  // Nothing follows an erasure; an event after one (a corrupted stream) changes nothing.
  if (state.status === 'erased') return state;
  switch (event.type) {
    case 'PersonRegistered':
      if (state.status !== 'unregistered') return state;
      return {
        status: 'registered',
        record: { ...event.data, civilStatusSince: null },
        appliedCorrections: [],
      };
    case 'PersonNameChanged':
      if (state.status === 'unregistered') return state;
      return {
        ...state,
        record: {
          ...state.record,
          givenNames: event.data.givenNames,
          familyName: event.data.familyName,
        },
      };
    case 'PersonAddressChanged':
      if (state.status === 'unregistered') return state;
      return { ...state, record: { ...state.record, address: event.data.address } };
    case 'PersonCivilStatusChanged':
      if (state.status === 'unregistered') return state;
      return {
        ...state,
        record: {
          ...state.record,
          civilStatus: event.data.civilStatus,
          civilStatusSince: event.data.effectiveDate,
        },
      };
    case 'PersonDeathRecorded':
      if (state.status === 'unregistered') return state;
      return {
        status: 'deceased',
        record: state.record,
        dateOfDeath: event.data.dateOfDeath,
        appliedCorrections: state.appliedCorrections,
      };
    case 'PersonRecordCorrected':
      if (state.status === 'unregistered') return state;
      return {
        ...state,
        record: applyPersonCorrection(state.record, event.data.correction),
        appliedCorrections: [...state.appliedCorrections, event.data.correctionId],
      };
    case 'PersonErased':
      return {
        status: 'erased',
        nationalId: event.data.nationalId,
        legalGround: event.data.legalGround,
      };
    default:
      return assertNever(event, 'person event');
  }
}

/**
 * The register of natural persons as a decider: one stream per person, its id the national
 * identification number.
 */
export const personDecider: Decider<PersonCommand, PersonEvent, PersonState> = {
  decide: decidePerson,
  evolve: evolvePerson,
  // Shared by every load: states are immutable values.
  initialState: initialPersonState(),
};
