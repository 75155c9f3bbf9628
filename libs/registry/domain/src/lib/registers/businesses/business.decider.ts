import { DomainRejection } from '@gov/platform-decider';
import type { Decider } from '@gov/platform-decider';

import { sameAddress } from '../../shared/address';
import { Check, checkUuid } from '../../shared/check';
import { checkNationalId } from '../../shared/identifiers';
import { assertNever } from '../../shared/messages';
import type { RegistryRejectionCode } from '../../shared/rejection';
import {
  BUSINESS_LIMITS,
  LEGAL_FORMS,
  MANAGER_ROLES,
  STRIKE_OFF_GROUNDS,
  isBusinessNumber,
} from './business';
import type { BusinessNumber, BusinessRecord, Manager, StrikeOff } from './business';
import type {
  BusinessCommand,
  ChangeBusinessAddress,
  ChangeManagers,
  CorrectBusinessRecord,
  ManagerInput,
  RegisterBusiness,
  StrikeOffBusiness,
} from './business.commands';
import {
  applyBusinessCorrection,
  checkBusinessCorrection,
  checkRegisteredAddress,
} from './business.corrections';
import type { BusinessEvent } from './business.events';

/** The state of one business's stream, folded from its events by `evolveBusiness`. */
export type BusinessState =
  | { readonly status: 'unregistered' }
  | {
      readonly status: 'active';
      readonly record: BusinessRecord;
      /** Ids of the corrections already applied: a repeated correction command changes nothing. */
      readonly appliedCorrections: readonly string[];
    }
  | {
      readonly status: 'struck-off';
      readonly record: BusinessRecord;
      readonly strikeOff: StrikeOff;
      readonly appliedCorrections: readonly string[];
    };

type OnRecord = Exclude<BusinessState, { status: 'unregistered' }>;

/** The state of a stream with no events. */
export function initialBusinessState(): BusinessState {
  return { status: 'unregistered' };
}

/**
 * Decides what a command on one business's record produces. Pure; throws `DomainRejection`.
 * A command whose effect is already in place decides no events; one that contradicts the
 * record is rejected.
 */
export function decideBusiness(command: BusinessCommand, state: BusinessState): BusinessEvent[] {
  switch (command.type) {
    case 'RegisterBusiness':
      return registerBusiness(command, state);
    case 'ChangeBusinessAddress':
      return changeBusinessAddress(command, state);
    case 'ChangeManagers':
      return changeManagers(command, state);
    case 'StrikeOffBusiness':
      return strikeOffBusiness(command, state);
    case 'CorrectBusinessRecord':
      return correctBusinessRecord(command, state);
    default:
      return assertNever(command, 'business command');
  }
}

function registerBusiness({ data }: RegisterBusiness, state: BusinessState): BusinessEvent[] {
  if (state.status !== 'unregistered') {
    throw new DomainRejection<RegistryRejectionCode>(
      'ALREADY_REGISTERED',
      `business ${state.record.businessNumber} is already registered`,
      [{ field: 'businessNumber', code: 'already-registered', message: 'is already registered' }],
    );
  }
  const check = new Check();
  const businessNumber = data.businessNumber.trim();
  if (!isBusinessNumber(businessNumber)) {
    check.add(
      'businessNumber',
      'invalid-business-number',
      'must be B followed by 1 to 6 digits, without a leading zero',
    );
  }
  const name = check.text('name', data.name, BUSINESS_LIMITS.name);
  const legalForm = check.oneOf('legalForm', data.legalForm, LEGAL_FORMS);
  const registeredAddress = checkRegisteredAddress(
    check,
    'registeredAddress',
    data.registeredAddress,
  );
  const managers = checkManagers(check, data.managers);
  check.rejectIfAny('RegisterBusiness');
  return [
    {
      type: 'BusinessRegistered',
      data: {
        businessNumber: businessNumber as BusinessNumber,
        name,
        legalForm,
        registeredAddress,
        managers,
      },
    },
  ];
}

function changeBusinessAddress(
  { data }: ChangeBusinessAddress,
  state: BusinessState,
): BusinessEvent[] {
  const { record } = active(state);
  const check = new Check();
  const registeredAddress = checkRegisteredAddress(
    check,
    'registeredAddress',
    data.registeredAddress,
  );
  check.rejectIfAny('ChangeBusinessAddress');
  if (sameAddress(registeredAddress, record.registeredAddress)) return [];
  return [
    {
      type: 'BusinessAddressChanged',
      data: { businessNumber: record.businessNumber, registeredAddress },
    },
  ];
}

function changeManagers({ data }: ChangeManagers, state: BusinessState): BusinessEvent[] {
  const { record } = active(state);
  const check = new Check();
  const managers = checkManagers(check, data.managers);
  check.rejectIfAny('ChangeManagers');
  if (sameManagers(managers, record.managers)) return [];
  return [
    { type: 'BusinessManagersChanged', data: { businessNumber: record.businessNumber, managers } },
  ];
}

function strikeOffBusiness(
  { data, metadata }: StrikeOffBusiness,
  state: BusinessState,
): BusinessEvent[] {
  const { record } = onRecord(state);
  const check = new Check();
  const effectiveDate = check.pastDate('effectiveDate', data.effectiveDate, metadata.now);
  const ground = check.oneOf('ground', data.ground, STRIKE_OFF_GROUNDS);
  check.rejectIfAny('StrikeOffBusiness');
  if (state.status === 'struck-off') {
    const { strikeOff } = state;
    if (strikeOff.effectiveDate === effectiveDate && strikeOff.ground === ground) return [];
    throw struckOff(record.businessNumber, strikeOff);
  }
  return [
    {
      type: 'BusinessStruckOff',
      data: { businessNumber: record.businessNumber, effectiveDate, ground },
    },
  ];
}

/**
 * Corrections apply to a struck-off business too: striking off ends the business's changes,
 * not the duty to keep its record right. Never refused because of the lifecycle, since a
 * registrar already accepted the correction (see `corrections/correction.decider.ts`).
 * Idempotent by correction id.
 */
function correctBusinessRecord(
  { data }: CorrectBusinessRecord,
  state: BusinessState,
): BusinessEvent[] {
  const { record, appliedCorrections } = onRecord(state);
  const check = new Check();
  const correctionId = checkUuid(check, 'correctionId', data.correctionId);
  const correction = checkBusinessCorrection(check, 'correction', data.correction);
  check.rejectIfAny('CorrectBusinessRecord');
  if (appliedCorrections.includes(correctionId)) return [];
  return [
    {
      type: 'BusinessRecordCorrected',
      data: { businessNumber: record.businessNumber, correctionId, correction },
    },
  ];
}

/**
 * Checks the managers: at least one, at most `BUSINESS_LIMITS.managers`, each a valid national
 * identification number with a known role, and no person twice. Sorted by national
 * identification number, so equal lists are equal however they were ordered.
 */
function checkManagers(check: Check, raw: readonly ManagerInput[]): readonly Manager[] {
  if (raw.length === 0) check.add('managers', 'empty', 'must name at least one manager');
  if (raw.length > BUSINESS_LIMITS.managers) {
    check.add('managers', 'too-many', `must name at most ${BUSINESS_LIMITS.managers} managers`);
  }
  const managers = raw.map((manager, i) => ({
    nationalId: checkNationalId(check, `managers[${i}].nationalId`, manager.nationalId),
    role: check.oneOf(`managers[${i}].role`, manager.role, MANAGER_ROLES),
  }));
  managers.forEach((manager, i) => {
    const first = managers.findIndex((other) => other.nationalId === manager.nationalId);
    if (first !== i)
      check.add(`managers[${i}].nationalId`, 'repeated', `repeats managers[${first}]`);
  });
  return [...managers].sort((a, b) =>
    a.nationalId < b.nationalId ? -1 : a.nationalId > b.nationalId ? 1 : 0,
  );
}

function sameManagers(a: readonly Manager[], b: readonly Manager[]): boolean {
  return (
    a.length === b.length &&
    a.every((m, i) => m.nationalId === b[i]?.nationalId && m.role === b[i].role)
  );
}

function onRecord(state: BusinessState): OnRecord {
  if (state.status === 'unregistered') {
    throw new DomainRejection<RegistryRejectionCode>(
      'NOT_REGISTERED',
      'no business is registered with this number',
      [{ field: 'businessNumber', code: 'not-registered', message: 'is not registered' }],
    );
  }
  return state;
}

function active(state: BusinessState): OnRecord & { status: 'active' } {
  const current = onRecord(state);
  if (current.status === 'struck-off') {
    throw struckOff(current.record.businessNumber, current.strikeOff);
  }
  return current;
}

function struckOff(
  businessNumber: BusinessNumber,
  strikeOff: StrikeOff,
): DomainRejection<RegistryRejectionCode> {
  return new DomainRejection<RegistryRejectionCode>(
    'BUSINESS_STRUCK_OFF',
    `business ${businessNumber} was struck off on ${strikeOff.effectiveDate} (${strikeOff.ground}); only corrections change the record`,
    [{ field: 'businessNumber', code: 'struck-off', message: 'is struck off' }],
  );
}

/**
 * Folds one event into the state. Total: an event that cannot apply to the state leaves it as
 * it is (see `evolvePerson`).
 */
export function evolveBusiness(state: BusinessState, event: BusinessEvent): BusinessState {
  switch (event.type) {
    case 'BusinessRegistered':
      if (state.status !== 'unregistered') return state;
      return { status: 'active', record: { ...event.data }, appliedCorrections: [] };
    case 'BusinessAddressChanged':
      if (state.status === 'unregistered') return state;
      return {
        ...state,
        record: { ...state.record, registeredAddress: event.data.registeredAddress },
      };
    case 'BusinessManagersChanged':
      if (state.status === 'unregistered') return state;
      return { ...state, record: { ...state.record, managers: event.data.managers } };
    case 'BusinessStruckOff':
      if (state.status === 'unregistered') return state;
      return {
        status: 'struck-off',
        record: state.record,
        strikeOff: { effectiveDate: event.data.effectiveDate, ground: event.data.ground },
        appliedCorrections: state.appliedCorrections,
      };
    case 'BusinessRecordCorrected':
      if (state.status === 'unregistered') return state;
      return {
        ...state,
        record: applyBusinessCorrection(state.record, event.data.correction),
        appliedCorrections: [...state.appliedCorrections, event.data.correctionId],
      };
    default:
      return assertNever(event, 'business event');
  }
}

/**
 * The register of businesses as a decider: one stream per business, its id the business
 * number (`B123456`).
 */
export const businessDecider: Decider<BusinessCommand, BusinessEvent, BusinessState> = {
  decide: decideBusiness,
  evolve: evolveBusiness,
  // Shared by every load: states are immutable values.
  initialState: initialBusinessState(),
};
