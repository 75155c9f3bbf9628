// Domain state → gov.registry.v1.RecordChange, the value of a record on registry.changes.v1
// (a vehicle's record in it is gov.registry.vehicles.v1.VehicleRecord).
// Pure: no I/O. The enum tables are total in the domain → proto direction, so a domain literal
// without a contract value is a compile error here rather than a malformed message there.
import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';

import {
  AddressSchema,
  BusinessRecordSchema,
  BusinessStatus,
  ChangeKind,
  CivilStatus as ProtoCivilStatus,
  LegalForm as ProtoLegalForm,
  ManagerRole as ProtoManagerRole,
  ManagerSchema,
  PersonRecordSchema,
  PersonStatus,
  PlaceOfBirthSchema,
  RecordChangeSchema,
  Register,
  SexMarker as ProtoSexMarker,
  StrikeOffGround as ProtoStrikeOffGround,
  StrikeOffSchema,
  DeregistrationGround as ProtoDeregistrationGround,
  DeregistrationSchema,
  VehicleRecordSchema,
  VehicleStatus,
} from '@gov/contracts';
import type {
  Address as ProtoAddress,
  BusinessRecord as ProtoBusinessRecord,
  PersonRecord as ProtoPersonRecord,
  RecordChange,
  VehicleRecord as ProtoVehicleRecord,
} from '@gov/contracts';
import { vehicleOwnerToProto } from '@gov/registry-application';
import { assertNever } from '@gov/registry-domain';
import type {
  Address,
  BusinessCorrectableField,
  BusinessEvent,
  BusinessState,
  CivilStatus,
  DeregistrationGround,
  LegalForm,
  ManagerRole,
  PersonCorrectableField,
  PersonEvent,
  PersonState,
  SexMarker,
  StrikeOffGround,
  VehicleEvent,
  VehicleState,
} from '@gov/registry-domain';

/** When and at which version of its record a change happened. */
export interface ChangePosition {
  /** The record's stream version after the change: the message's `record_version`. */
  readonly version: number;
  /** When the change happened in the register (the event's `occurredAt`). */
  readonly occurredAt: Date;
}

const SEX_MARKERS: Readonly<Record<SexMarker, ProtoSexMarker>> = {
  F: ProtoSexMarker.F,
  M: ProtoSexMarker.M,
  X: ProtoSexMarker.X,
};

const CIVIL_STATUSES: Readonly<Record<CivilStatus, ProtoCivilStatus>> = {
  single: ProtoCivilStatus.SINGLE,
  married: ProtoCivilStatus.MARRIED,
  partnered: ProtoCivilStatus.PARTNERED,
  separated: ProtoCivilStatus.SEPARATED,
  divorced: ProtoCivilStatus.DIVORCED,
  widowed: ProtoCivilStatus.WIDOWED,
};

const LEGAL_FORMS: Readonly<Record<LegalForm, ProtoLegalForm>> = {
  SA: ProtoLegalForm.SA,
  SARL: ProtoLegalForm.SARL,
  'SARL-S': ProtoLegalForm.SARL_S,
  SAS: ProtoLegalForm.SAS,
  SCA: ProtoLegalForm.SCA,
  SCS: ProtoLegalForm.SCS,
  SCSp: ProtoLegalForm.SCSP,
  SNC: ProtoLegalForm.SNC,
  SC: ProtoLegalForm.SC,
  SE: ProtoLegalForm.SE,
  ASBL: ProtoLegalForm.ASBL,
  SOLE_TRADER: ProtoLegalForm.SOLE_TRADER,
};

const MANAGER_ROLES: Readonly<Record<ManagerRole, ProtoManagerRole>> = {
  manager: ProtoManagerRole.MANAGER,
  director: ProtoManagerRole.DIRECTOR,
  'managing-director': ProtoManagerRole.MANAGING_DIRECTOR,
  'daily-manager': ProtoManagerRole.DAILY_MANAGER,
};

const STRIKE_OFF_GROUNDS: Readonly<Record<StrikeOffGround, ProtoStrikeOffGround>> = {
  dissolution: ProtoStrikeOffGround.DISSOLUTION,
  bankruptcy: ProtoStrikeOffGround.BANKRUPTCY,
  merger: ProtoStrikeOffGround.MERGER,
  administrative: ProtoStrikeOffGround.ADMINISTRATIVE,
};

const DEREGISTRATION_GROUNDS: Readonly<Record<DeregistrationGround, ProtoDeregistrationGround>> = {
  scrapped: ProtoDeregistrationGround.SCRAPPED,
  exported: ProtoDeregistrationGround.EXPORTED,
  stolen: ProtoDeregistrationGround.STOLEN,
  withdrawn: ProtoDeregistrationGround.WITHDRAWN,
};

/** The contract's names (PersonRecord) of the fields a correction can set. */
const PERSON_CORRECTED_FIELD: Readonly<Record<PersonCorrectableField, string>> = {
  givenNames: 'given_names',
  familyName: 'family_name',
  placeOfBirth: 'place_of_birth',
  sex: 'sex',
  nationalities: 'nationalities',
  address: 'address',
};

/** The contract's names (BusinessRecord) of the fields a correction can set. */
const BUSINESS_CORRECTED_FIELD: Readonly<Record<BusinessCorrectableField, string>> = {
  name: 'name',
  legalForm: 'legal_form',
  registeredAddress: 'registered_address',
};

/**
 * Every field of the record messages, in field-number order: a registration sets them all
 * ("every field for CHANGE_KIND_REGISTERED"). Read from the descriptors, so a field added to the
 * contract is listed without a change here.
 */
const EVERY_PERSON_FIELD: readonly string[] = PersonRecordSchema.fields.map((f) => f.name);
const EVERY_BUSINESS_FIELD: readonly string[] = BusinessRecordSchema.fields.map((f) => f.name);
const EVERY_VEHICLE_FIELD: readonly string[] = VehicleRecordSchema.fields.map((f) => f.name);

/**
 * The change message for a person event, given the person's state right after it (the event
 * folded in with `evolvePerson`). `undefined` when that state holds no record: only a stream
 * that does not start with `PersonRegistered` (a corrupted one) gets there, and it has no record
 * to publish.
 */
export function personRecordChange(
  event: PersonEvent,
  after: PersonState,
  at: ChangePosition,
): RecordChange | undefined {
  if (after.status === 'unregistered' || after.status === 'erased') return undefined;
  const { kind, changedFields } = personChangeKind(event);
  return create(RecordChangeSchema, {
    recordId: after.record.nationalId,
    register: Register.PERSONS,
    recordVersion: BigInt(at.version),
    kind,
    changedFields: [...changedFields],
    occurredAt: timestampFromDate(at.occurredAt),
    record: { case: 'person', value: personRecord(after) },
  });
}

/**
 * The change message for a business event, given the business's state right after it. As
 * {@link personRecordChange}, `undefined` when that state holds no record.
 */
export function businessRecordChange(
  event: BusinessEvent,
  after: BusinessState,
  at: ChangePosition,
): RecordChange | undefined {
  if (after.status === 'unregistered') return undefined;
  const { kind, changedFields } = businessChangeKind(event);
  return create(RecordChangeSchema, {
    recordId: after.record.businessNumber,
    register: Register.BUSINESSES,
    recordVersion: BigInt(at.version),
    kind,
    changedFields: [...changedFields],
    occurredAt: timestampFromDate(at.occurredAt),
    record: { case: 'business', value: businessRecord(after) },
  });
}

/**
 * The change message for a vehicle event, given the vehicle's state right after it. As
 * {@link personRecordChange}, `undefined` when that state holds no record. The owner goes out
 * as its number (see vehicles.proto on personal data).
 */
export function vehicleRecordChange(
  event: VehicleEvent,
  after: VehicleState,
  at: ChangePosition,
): RecordChange | undefined {
  if (after.status === 'unregistered') return undefined;
  const { kind, changedFields } = vehicleChangeKind(event);
  return create(RecordChangeSchema, {
    recordId: after.record.registrationNumber,
    register: Register.VEHICLES,
    recordVersion: BigInt(at.version),
    kind,
    changedFields: [...changedFields],
    occurredAt: timestampFromDate(at.occurredAt),
    record: { case: 'vehicle', value: vehicleRecord(after) },
  });
}

interface KindAndFields {
  readonly kind: ChangeKind;
  readonly changedFields: readonly string[];
}

function personChangeKind(event: PersonEvent): KindAndFields {
  switch (event.type) {
    case 'PersonRegistered':
      return { kind: ChangeKind.REGISTERED, changedFields: EVERY_PERSON_FIELD };
    case 'PersonNameChanged':
      // The event carries the whole name, both parts as they now are.
      return { kind: ChangeKind.NAME_CHANGED, changedFields: ['given_names', 'family_name'] };
    case 'PersonAddressChanged':
      return { kind: ChangeKind.ADDRESS_CHANGED, changedFields: ['address'] };
    case 'PersonCivilStatusChanged':
      return {
        kind: ChangeKind.CIVIL_STATUS_CHANGED,
        changedFields: ['civil_status', 'civil_status_since'],
      };
    case 'PersonDeathRecorded':
      return { kind: ChangeKind.DEATH_RECORDED, changedFields: ['status', 'date_of_death'] };
    case 'PersonRecordCorrected':
      return {
        kind: ChangeKind.CORRECTED,
        changedFields: [PERSON_CORRECTED_FIELD[event.data.correction.field]],
      };
    case 'PersonErased':
      // Never a change message: the feed publishes an erasure as a tombstone.
      throw new Error('an erasure is published as a tombstone, not as a record change');
    default:
      return assertNever(event, 'person event');
  }
}

function businessChangeKind(event: BusinessEvent): KindAndFields {
  switch (event.type) {
    case 'BusinessRegistered':
      return { kind: ChangeKind.REGISTERED, changedFields: EVERY_BUSINESS_FIELD };
    case 'BusinessAddressChanged':
      return { kind: ChangeKind.ADDRESS_CHANGED, changedFields: ['registered_address'] };
    case 'BusinessManagersChanged':
      return { kind: ChangeKind.MANAGERS_CHANGED, changedFields: ['managers'] };
    case 'BusinessStruckOff':
      return { kind: ChangeKind.STRUCK_OFF, changedFields: ['status', 'strike_off'] };
    case 'BusinessRecordCorrected':
      return {
        kind: ChangeKind.CORRECTED,
        changedFields: [BUSINESS_CORRECTED_FIELD[event.data.correction.field]],
      };
    default:
      return assertNever(event, 'business event');
  }
}

function vehicleChangeKind(event: VehicleEvent): KindAndFields {
  switch (event.type) {
    case 'VehicleRegistered':
      return { kind: ChangeKind.REGISTERED, changedFields: EVERY_VEHICLE_FIELD };
    case 'VehicleOwnershipTransferred':
      return { kind: ChangeKind.OWNERSHIP_TRANSFERRED, changedFields: ['owner'] };
    case 'VehicleDeregistered':
      return { kind: ChangeKind.DEREGISTERED, changedFields: ['status', 'deregistration'] };
    default:
      return assertNever(event, 'vehicle event');
  }
}

function vehicleRecord(
  state: Exclude<VehicleState, { status: 'unregistered' }>,
): ProtoVehicleRecord {
  const { record } = state;
  return create(VehicleRecordSchema, {
    registrationNumber: record.registrationNumber,
    status: state.status === 'deregistered' ? VehicleStatus.DEREGISTERED : VehicleStatus.REGISTERED,
    owner: vehicleOwnerToProto(record.owner),
    make: record.make,
    model: record.model,
    firstRegistration: record.firstRegistration,
    ...(state.status === 'deregistered'
      ? {
          deregistration: create(DeregistrationSchema, {
            effectiveDate: state.deregistration.effectiveDate,
            ground: DEREGISTRATION_GROUNDS[state.deregistration.ground],
          }),
        }
      : {}),
  });
}

function personRecord(
  state: Exclude<PersonState, { status: 'unregistered' } | { status: 'erased' }>,
): ProtoPersonRecord {
  const { record } = state;
  return create(PersonRecordSchema, {
    nationalId: record.nationalId,
    status: state.status === 'deceased' ? PersonStatus.DECEASED : PersonStatus.LIVING,
    givenNames: record.givenNames,
    familyName: record.familyName,
    birthDate: record.birthDate,
    // Unset when the register does not know it, as the contract says.
    ...(record.placeOfBirth === null
      ? {}
      : {
          placeOfBirth: create(PlaceOfBirthSchema, {
            locality: record.placeOfBirth.locality,
            country: record.placeOfBirth.country,
          }),
        }),
    sex: SEX_MARKERS[record.sex],
    nationalities: [...record.nationalities],
    address: address(record.address),
    civilStatus: CIVIL_STATUSES[record.civilStatus],
    civilStatusSince: record.civilStatusSince ?? '',
    dateOfDeath: state.status === 'deceased' ? state.dateOfDeath : '',
  });
}

function businessRecord(
  state: Exclude<BusinessState, { status: 'unregistered' }>,
): ProtoBusinessRecord {
  const { record } = state;
  return create(BusinessRecordSchema, {
    businessNumber: record.businessNumber,
    status: state.status === 'struck-off' ? BusinessStatus.STRUCK_OFF : BusinessStatus.ACTIVE,
    name: record.name,
    legalForm: LEGAL_FORMS[record.legalForm],
    registeredAddress: address(record.registeredAddress),
    // The domain keeps them sorted by national identification number, as the contract promises.
    managers: record.managers.map((manager) =>
      create(ManagerSchema, {
        nationalId: manager.nationalId,
        role: MANAGER_ROLES[manager.role],
      }),
    ),
    ...(state.status === 'struck-off'
      ? {
          strikeOff: create(StrikeOffSchema, {
            effectiveDate: state.strikeOff.effectiveDate,
            ground: STRIKE_OFF_GROUNDS[state.strikeOff.ground],
          }),
        }
      : {}),
  });
}

function address(value: Address): ProtoAddress {
  return create(AddressSchema, {
    street: value.street,
    houseNumber: value.houseNumber,
    postcode: value.postcode,
    locality: value.locality,
    country: value.country,
  });
}
