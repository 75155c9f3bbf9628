import { fromBinary, toJson } from '@bufbuild/protobuf';

import { RecordChangeSchema, Register } from '@gov/contracts';
import type { RecordChange } from '@gov/contracts';
import { businessDecider, personDecider } from '@gov/registry-domain';
import type { BusinessEvent, BusinessState, PersonEvent, PersonState } from '@gov/registry-domain';

import {
  ESCH,
  LUXEMBOURG,
  at,
  businessLife,
  newBusinessNumber,
  newNationalId,
  personLife,
} from '../testing/feed-fixtures';
import { RECORD_CHANGE_CONTENT_TYPE, toFeedMessage } from './feed-topic';
import { businessRecordChange, personRecordChange } from './record-change';

const CORRECTION = '6f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7';
const ANNA = newNationalId('1983-08-12');
const BEN = newNationalId('1990-01-31');
const BUSINESS = newBusinessNumber();
const [FIRST_MANAGER, SECOND_MANAGER] = [ANNA, BEN].sort();

/** The change message of each event of a person's life, folded from the start. */
function personChanges(events: readonly PersonEvent[]): RecordChange[] {
  let state: PersonState = personDecider.initialState;
  return events.map((event, i) => {
    state = personDecider.evolve(state, event);
    const change = personRecordChange(event, state, { version: i + 1, occurredAt: at(i) });
    if (change === undefined) throw new Error(`no change for ${event.type}`);
    return change;
  });
}

function businessChanges(events: readonly BusinessEvent[]): RecordChange[] {
  let state: BusinessState = businessDecider.initialState;
  return events.map((event, i) => {
    state = businessDecider.evolve(state, event);
    const change = businessRecordChange(event, state, { version: i + 1, occurredAt: at(i) });
    if (change === undefined) throw new Error(`no change for ${event.type}`);
    return change;
  });
}

const json = (change: RecordChange | undefined): unknown =>
  change && toJson(RecordChangeSchema, change);

const address = (value: typeof LUXEMBOURG) => ({ ...value });

describe('a person’s record on the change feed', () => {
  const changes = personChanges(personLife(ANNA, CORRECTION)).map(json);
  const registered = {
    nationalId: ANNA,
    status: 'PERSON_STATUS_LIVING',
    givenNames: 'Anna Maria',
    familyName: 'Schmit',
    birthDate: '1983-08-12',
    placeOfBirth: { locality: 'Ettelbruck', country: 'LU' },
    sex: 'SEX_MARKER_F',
    nationalities: ['LU', 'PT'],
    address: address(LUXEMBOURG),
    civilStatus: 'CIVIL_STATUS_SINGLE',
  };
  const common = (version: number) => ({
    recordId: ANNA,
    register: 'REGISTER_PERSONS',
    recordVersion: String(version),
    occurredAt: at(version - 1)
      .toISOString()
      .replace('.000Z', 'Z'),
  });

  it('registered: the whole record, every field of PersonRecord named as changed', () => {
    expect(changes[0]).toEqual({
      ...common(1),
      kind: 'CHANGE_KIND_REGISTERED',
      changedFields: [
        'national_id',
        'status',
        'given_names',
        'family_name',
        'birth_date',
        'place_of_birth',
        'sex',
        'nationalities',
        'address',
        'civil_status',
        'civil_status_since',
        'date_of_death',
      ],
      person: registered,
    });
  });

  it('name changed: both parts of the name, the rest as it was', () => {
    expect(changes[1]).toEqual({
      ...common(2),
      kind: 'CHANGE_KIND_NAME_CHANGED',
      changedFields: ['given_names', 'family_name'],
      person: { ...registered, familyName: 'Schmit-Weber' },
    });
  });

  it('address changed: the new address in the complete record', () => {
    expect(changes[2]).toEqual({
      ...common(3),
      kind: 'CHANGE_KIND_ADDRESS_CHANGED',
      changedFields: ['address'],
      person: { ...registered, familyName: 'Schmit-Weber', address: address(ESCH) },
    });
  });

  it('civil status changed: the status and since when', () => {
    expect(changes[3]).toEqual({
      ...common(4),
      kind: 'CHANGE_KIND_CIVIL_STATUS_CHANGED',
      changedFields: ['civil_status', 'civil_status_since'],
      person: {
        ...registered,
        familyName: 'Schmit-Weber',
        address: address(ESCH),
        civilStatus: 'CIVIL_STATUS_MARRIED',
        civilStatusSince: '2024-05-04',
      },
    });
  });

  it('death recorded: deceased, with the date of death', () => {
    expect(changes[4]).toEqual({
      ...common(5),
      kind: 'CHANGE_KIND_DEATH_RECORDED',
      changedFields: ['status', 'date_of_death'],
      person: {
        ...registered,
        status: 'PERSON_STATUS_DECEASED',
        familyName: 'Schmit-Weber',
        address: address(ESCH),
        civilStatus: 'CIVIL_STATUS_MARRIED',
        civilStatusSince: '2024-05-04',
        dateOfDeath: '2026-02-01',
      },
    });
  });

  it('corrected (after death): the corrected field only, still deceased, no correction details', () => {
    expect(changes[5]).toEqual({
      ...common(6),
      kind: 'CHANGE_KIND_CORRECTED',
      changedFields: ['place_of_birth'],
      person: {
        ...registered,
        status: 'PERSON_STATUS_DECEASED',
        familyName: 'Schmit-Weber',
        placeOfBirth: { locality: 'Diekirch', country: 'LU' },
        address: address(ESCH),
        civilStatus: 'CIVIL_STATUS_MARRIED',
        civilStatusSince: '2024-05-04',
        dateOfDeath: '2026-02-01',
      },
    });
    expect(JSON.stringify(changes[5])).not.toContain(CORRECTION);
  });

  it('leaves an unknown place of birth unset', () => {
    const [first] = personLife(ANNA, CORRECTION);
    if (first?.type !== 'PersonRegistered') throw new Error('fixture');
    const [change] = personChanges([{ ...first, data: { ...first.data, placeOfBirth: null } }]);
    expect(change?.record.case === 'person' && change.record.value.placeOfBirth).toBeUndefined();
  });

  it('publishes nothing for a stream that does not start with a registration', () => {
    const moved: PersonEvent = {
      type: 'PersonAddressChanged',
      data: { nationalId: ANNA, address: ESCH },
    };
    const state = personDecider.evolve(personDecider.initialState, moved);
    expect(personRecordChange(moved, state, { version: 1, occurredAt: at(0) })).toBeUndefined();
  });
});

describe('a business’s record on the change feed', () => {
  const changes = businessChanges(businessLife(BUSINESS, [ANNA, BEN], CORRECTION)).map(json);
  const registered = {
    businessNumber: BUSINESS,
    status: 'BUSINESS_STATUS_ACTIVE',
    name: 'Schmit & Weber SARL',
    legalForm: 'LEGAL_FORM_SARL',
    registeredAddress: address(LUXEMBOURG),
    managers: [{ nationalId: FIRST_MANAGER, role: 'MANAGER_ROLE_MANAGER' }],
  };
  const both = [
    { nationalId: FIRST_MANAGER, role: 'MANAGER_ROLE_MANAGER' },
    { nationalId: SECOND_MANAGER, role: 'MANAGER_ROLE_DAILY_MANAGER' },
  ];
  const common = (version: number) => ({
    recordId: BUSINESS,
    register: 'REGISTER_BUSINESSES',
    recordVersion: String(version),
    occurredAt: at(version - 1)
      .toISOString()
      .replace('.000Z', 'Z'),
  });

  it('registered: the whole record, every field of BusinessRecord named as changed', () => {
    expect(changes[0]).toEqual({
      ...common(1),
      kind: 'CHANGE_KIND_REGISTERED',
      changedFields: [
        'business_number',
        'status',
        'name',
        'legal_form',
        'registered_address',
        'managers',
        'strike_off',
      ],
      business: registered,
    });
  });

  it('address changed: the new registered office', () => {
    expect(changes[1]).toEqual({
      ...common(2),
      kind: 'CHANGE_KIND_ADDRESS_CHANGED',
      changedFields: ['registered_address'],
      business: { ...registered, registeredAddress: address(ESCH) },
    });
  });

  it('managers changed: the complete list, sorted by national identification number', () => {
    expect(changes[2]).toEqual({
      ...common(3),
      kind: 'CHANGE_KIND_MANAGERS_CHANGED',
      changedFields: ['managers'],
      business: { ...registered, registeredAddress: address(ESCH), managers: both },
    });
  });

  it('struck off: the status and the strike-off', () => {
    expect(changes[3]).toEqual({
      ...common(4),
      kind: 'CHANGE_KIND_STRUCK_OFF',
      changedFields: ['status', 'strike_off'],
      business: {
        ...registered,
        status: 'BUSINESS_STATUS_STRUCK_OFF',
        registeredAddress: address(ESCH),
        managers: both,
        strikeOff: { effectiveDate: '2026-01-31', ground: 'STRIKE_OFF_GROUND_DISSOLUTION' },
      },
    });
  });

  it('corrected (after the strike-off): the corrected field, still struck off', () => {
    expect(changes[4]).toEqual({
      ...common(5),
      kind: 'CHANGE_KIND_CORRECTED',
      changedFields: ['name'],
      business: {
        ...registered,
        status: 'BUSINESS_STATUS_STRUCK_OFF',
        name: 'Schmit et Weber SARL',
        registeredAddress: address(ESCH),
        managers: both,
        strikeOff: { effectiveDate: '2026-01-31', ground: 'STRIKE_OFF_GROUND_DISSOLUTION' },
      },
    });
  });
});

describe('the Kafka record of a change', () => {
  it('is keyed by the record id, typed, traced to its event, and decodes back', () => {
    const [change] = personChanges(personLife(ANNA, CORRECTION).slice(0, 1));
    if (!change) throw new Error('no change');

    const message = toFeedMessage(change, '01950000-0000-7000-8000-000000000001');

    expect(message.key).toBe(ANNA);
    expect(message.headers).toEqual({
      'content-type': RECORD_CHANGE_CONTENT_TYPE,
      'event-id': '01950000-0000-7000-8000-000000000001',
    });
    const decoded = fromBinary(RecordChangeSchema, message.value ?? new Uint8Array());
    expect(decoded.register).toBe(Register.PERSONS);
    expect(decoded).toEqual(change);
  });
});
