import { create, toJson } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';

import {
  BusinessRecordSchema,
  BusinessStatus,
  ChangeKind,
  CivilStatus,
  PersonStatus,
  PersonRecordSchema,
  RecordChangeSchema,
  Register,
  RegisterSchema,
  SexMarker,
  StrikeOffGround,
  VehicleRecordSchema,
  VehicleStatus,
} from '@gov/contracts';
import type { RecordChange } from '@gov/contracts';

import {
  agencyView,
  cutForAgency,
  recordMessageOf,
  registerSource,
  viewCovers,
  viewFields,
} from './agency-cut';

const ADDRESS = {
  street: 'rue Mercier',
  houseNumber: '4',
  postcode: 'L-2144',
  locality: 'Luxembourg',
  country: 'LU',
};

function personChange(kind: ChangeKind, changedFields: string[]): RecordChange {
  return create(RecordChangeSchema, {
    recordId: '1983081200123',
    register: Register.PERSONS,
    recordVersion: 3n,
    kind,
    changedFields,
    occurredAt: timestampFromDate(new Date('2026-03-01T10:00:00Z')),
    record: {
      case: 'person',
      value: {
        nationalId: '1983081200123',
        status: PersonStatus.DECEASED,
        givenNames: 'Anna',
        familyName: 'Schmit',
        birthDate: '1983-08-12',
        placeOfBirth: { locality: 'Ettelbruck', country: 'LU' },
        sex: SexMarker.F,
        nationalities: ['LU'],
        address: ADDRESS,
        civilStatus: CivilStatus.MARRIED,
        civilStatusSince: '2010-06-01',
        dateOfDeath: '2026-02-28',
      },
    },
  });
}

function businessChange(kind: ChangeKind, changedFields: string[]): RecordChange {
  return create(RecordChangeSchema, {
    recordId: 'B123456',
    register: Register.BUSINESSES,
    recordVersion: 2n,
    kind,
    changedFields,
    record: {
      case: 'business',
      value: {
        businessNumber: 'B123456',
        status: BusinessStatus.STRUCK_OFF,
        name: 'Schmit SARL',
        registeredAddress: ADDRESS,
        managers: [{ nationalId: '1983081200123' }],
        strikeOff: { effectiveDate: '2026-01-01', ground: StrikeOffGround.DISSOLUTION },
      },
    },
  });
}

const EVERY_PERSON_FIELD = [
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
];

const view = (...categories: string[]) => agencyView('ccss', 'ccss-affiliation', 2, categories);

const json = (change: RecordChange | undefined): unknown =>
  change && toJson(RecordChangeSchema, change);

function vehicleChange(): RecordChange {
  return create(RecordChangeSchema, {
    recordId: 'AB1234',
    register: Register.VEHICLES,
    recordVersion: 2n,
    kind: ChangeKind.OWNERSHIP_TRANSFERRED,
    changedFields: ['owner'],
    record: {
      case: 'vehicle',
      value: {
        registrationNumber: 'AB1234',
        status: VehicleStatus.REGISTERED,
        owner: { kind: { case: 'nationalId', value: '1983081200123' } },
        make: 'Renault',
        model: 'Zoe',
        firstRegistration: '2021-04-01',
      },
    },
  });
}

describe('cutForAgency', () => {
  it('cuts a register added after it (vehicles) by its fields’ names, with no entry of its own', () => {
    const police = agencyView('police', 'police-vehicle-identification', 1, [
      'vehicles.registration_number',
      'vehicles.owner',
      'vehicles.make',
    ]);
    expect(json(cutForAgency(vehicleChange(), police))).toEqual({
      recordId: 'AB1234',
      register: 'REGISTER_VEHICLES',
      recordVersion: '2',
      kind: 'CHANGE_KIND_OWNERSHIP_TRANSFERRED',
      changedFields: ['owner'],
      view: {
        organisationId: 'police',
        legalBasisId: 'police-vehicle-identification',
        version: 1,
        categories: ['vehicles.make', 'vehicles.owner', 'vehicles.registration_number'],
      },
      vehicle: {
        registrationNumber: 'AB1234',
        owner: { nationalId: '1983081200123' },
        make: 'Renault',
      },
    });
    // A change of a field the view does not name is not sent; nor is a vehicle to a view
    // naming only persons.
    const modelOnly = agencyView('police', 'x', 1, [
      'vehicles.registration_number',
      'vehicles.model',
    ]);
    expect(cutForAgency(vehicleChange(), modelOnly)).toBeUndefined();
    expect(
      cutForAgency(vehicleChange(), view('persons.national_id', 'persons.address')),
    ).toBeUndefined();
  });

  it('sends a record only if the view names its register’s id field', () => {
    const change = personChange(ChangeKind.REGISTERED, EVERY_PERSON_FIELD);
    expect(cutForAgency(change, view('persons.address', 'persons.family_name'))).toBeUndefined();
    expect(cutForAgency(change, view('persons.national_id', 'persons.address'))).toBeDefined();
  });

  it('sends a record only if the view names a field of it besides the id', () => {
    const change = personChange(ChangeKind.REGISTERED, EVERY_PERSON_FIELD);
    expect(
      cutForAgency(
        change,
        view('persons.national_id', 'businesses.business_number', 'businesses.name'),
      ),
    ).toBeUndefined();
  });

  it('sends nothing of a register the view does not cover', () => {
    const change = businessChange(ChangeKind.REGISTERED, ['business_number', 'name']);
    expect(cutForAgency(change, view('persons.national_id', 'persons.address'))).toBeUndefined();
  });

  it('clears every field the view does not name, and sets the view', () => {
    const cut = cutForAgency(
      personChange(ChangeKind.REGISTERED, EVERY_PERSON_FIELD),
      view('persons.national_id', 'persons.address', 'persons.family_name'),
    );
    expect(json(cut)).toEqual({
      recordId: '1983081200123',
      register: 'REGISTER_PERSONS',
      recordVersion: '3',
      kind: 'CHANGE_KIND_REGISTERED',
      changedFields: ['national_id', 'family_name', 'address'],
      occurredAt: '2026-03-01T10:00:00Z',
      view: {
        organisationId: 'ccss',
        legalBasisId: 'ccss-affiliation',
        version: 2,
        categories: ['persons.address', 'persons.family_name', 'persons.national_id'],
      },
      person: { nationalId: '1983081200123', familyName: 'Schmit', address: ADDRESS },
    });
  });

  it('leaves the full feed’s message as it was', () => {
    const change = personChange(ChangeKind.REGISTERED, EVERY_PERSON_FIELD);
    const before = json(change);
    cutForAgency(change, view('persons.national_id', 'persons.address'));
    expect(json(change)).toEqual(before);
  });

  it('sends a person’s status and date of death with persons.date_of_death', () => {
    const cut = cutForAgency(
      personChange(ChangeKind.DEATH_RECORDED, ['status', 'date_of_death']),
      view('persons.national_id', 'persons.date_of_death'),
    );
    expect(cut?.changedFields).toEqual(['status', 'date_of_death']);
    expect(json(cut)).toMatchObject({
      person: {
        nationalId: '1983081200123',
        status: 'PERSON_STATUS_DECEASED',
        dateOfDeath: '2026-02-28',
      },
    });
    expect(
      json(
        cutForAgency(
          personChange(ChangeKind.REGISTERED, EVERY_PERSON_FIELD),
          view('persons.national_id', 'persons.address'),
        ),
      ),
    ).not.toHaveProperty('person.status');
  });

  it('sends civil_status_since with persons.civil_status', () => {
    const cut = cutForAgency(
      personChange(ChangeKind.CIVIL_STATUS_CHANGED, ['civil_status', 'civil_status_since']),
      view('persons.national_id', 'persons.civil_status'),
    );
    expect(json(cut)).toMatchObject({
      changedFields: ['civil_status', 'civil_status_since'],
      person: {
        nationalId: '1983081200123',
        civilStatus: 'CIVIL_STATUS_MARRIED',
        civilStatusSince: '2010-06-01',
      },
    });
    expect(Object.keys((json(cut) as { person: object }).person).sort()).toEqual([
      'civilStatus',
      'civilStatusSince',
      'nationalId',
    ]);
  });

  it('sends a business’s status with businesses.strike_off', () => {
    const cut = cutForAgency(
      businessChange(ChangeKind.STRUCK_OFF, ['status', 'strike_off']),
      view('businesses.business_number', 'businesses.strike_off'),
    );
    expect(json(cut)).toMatchObject({
      changedFields: ['status', 'strike_off'],
      business: {
        businessNumber: 'B123456',
        status: 'BUSINESS_STATUS_STRUCK_OFF',
        strikeOff: { effectiveDate: '2026-01-01', ground: 'STRIKE_OFF_GROUND_DISSOLUTION' },
      },
    });
    expect(json(cut)).not.toHaveProperty('business.name');
  });

  it('keeps only the named fields in changed_fields', () => {
    const cut = cutForAgency(
      personChange(ChangeKind.NAME_CHANGED, ['given_names', 'family_name']),
      view('persons.national_id', 'persons.family_name'),
    );
    expect(cut?.changedFields).toEqual(['family_name']);
  });

  it('sends nothing of a change that sets no named field', () => {
    expect(
      cutForAgency(
        personChange(ChangeKind.CIVIL_STATUS_CHANGED, ['civil_status', 'civil_status_since']),
        view('persons.national_id', 'persons.address'),
      ),
    ).toBeUndefined();
  });
});

describe('viewCovers and viewFields', () => {
  const ccss = view('persons.national_id', 'persons.address', 'persons.date_of_death');

  it('covers the registers whose records the view sends (their tombstones go there too)', () => {
    expect(viewCovers(ccss, Register.PERSONS)).toBe(true);
    expect(viewCovers(ccss, Register.BUSINESSES)).toBe(false);
    expect(viewCovers(ccss, Register.UNSPECIFIED)).toBe(false);
  });

  it('lists the fields a re-cut sends, qualifiers included, in field-number order', () => {
    expect(viewFields(ccss, Register.PERSONS)).toEqual([
      'national_id',
      'status',
      'address',
      'date_of_death',
    ]);
    expect(viewFields(ccss, Register.BUSINESSES)).toEqual([]);
  });

  it('names registers as the catalogue’s sources', () => {
    expect(registerSource(Register.PERSONS)).toBe('persons');
    expect(registerSource(Register.BUSINESSES)).toBe('businesses');
    expect(registerSource(Register.VEHICLES)).toBe('vehicles');
  });

  it('finds the record message of every register of the contract by its oneof case', () => {
    expect(recordMessageOf(Register.PERSONS)).toBe(PersonRecordSchema);
    expect(recordMessageOf(Register.BUSINESSES)).toBe(BusinessRecordSchema);
    expect(recordMessageOf(Register.VEHICLES)).toBe(VehicleRecordSchema);
    expect(recordMessageOf(Register.UNSPECIFIED)).toBeUndefined();
    // A register added to the contract whose case is named otherwise would never be cut.
    // The enum's values as the descriptor lists them (every one, this version's and none else).
    // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment
    const registers: Register[] = RegisterSchema.values.map((value) => value.number);
    const cases = RecordChangeSchema.oneofs.find((oneof) => oneof.name === 'record')?.fields;
    const known = registers.filter((register) => register !== Register.UNSPECIFIED);
    expect(known.map((register) => recordMessageOf(register)?.typeName).sort()).toEqual(
      (cases ?? []).map((field) => field.message?.typeName).sort(),
    );
  });
});
