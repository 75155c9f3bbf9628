// Value types of gov.registry.v1 (types.proto) to and from the domain's values. Every enum
// mapping is a total table in both directions: a domain literal without a proto value is a
// compile error, and a proto value without a domain literal (UNSPECIFIED, or a value added by a
// newer producer) is a MalformedPayloadError on decode.
import { create } from '@bufbuild/protobuf';

import {
  AddressSchema,
  CivilStatus as ProtoCivilStatus,
  LegalForm as ProtoLegalForm,
  ManagerRole as ProtoManagerRole,
  ManagerSchema,
  PlaceOfBirthSchema,
  Register as ProtoRegister,
  SexMarker as ProtoSexMarker,
  StrikeOffGround as ProtoStrikeOffGround,
} from '@gov/contracts';
import type {
  Address as ProtoAddress,
  Manager as ProtoManager,
  PlaceOfBirth as ProtoPlaceOfBirth,
} from '@gov/contracts';
import type {
  Address,
  CivilStatus,
  LegalForm,
  Manager,
  ManagerRole,
  NationalId,
  PlaceOfBirth,
  RegisterName,
  SexMarker,
  StrikeOffGround,
} from '@gov/registry-domain';

/**
 * A stored payload that does not decode into a domain event: bytes that are not the message,
 * a required field missing, or an enum value this code does not know. A stream of the registry
 * holds one only if something is badly wrong, so it surfaces as a fault (500), never as a 4xx.
 */
export class MalformedPayloadError extends Error {
  override readonly name = 'MalformedPayloadError';

  constructor(
    readonly eventType: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${eventType}: ${message}`, options);
  }
}

/** A two-way mapping between domain literals and proto enum values. */
interface EnumMapping<Domain extends string, Proto extends number> {
  toProto(value: Domain): Proto;
  fromProto(value: Proto, eventType: string, field: string): Domain;
}

export function enumMapping<Domain extends string, Proto extends number>(
  table: Readonly<Record<Domain, Proto>>,
): EnumMapping<Domain, Proto> {
  const reverse = new Map<number, Domain>(
    (Object.entries(table) as [Domain, Proto][]).map(([domain, proto]) => [proto, domain]),
  );
  return {
    toProto: (value) => table[value],
    fromProto: (value, eventType, field) => {
      const domain = reverse.get(value);
      if (domain === undefined) {
        throw new MalformedPayloadError(eventType, `${field}: unknown enum value ${value}`);
      }
      return domain;
    },
  };
}

export const sexMarker = enumMapping<SexMarker, ProtoSexMarker>({
  F: ProtoSexMarker.F,
  M: ProtoSexMarker.M,
  X: ProtoSexMarker.X,
});

export const civilStatus = enumMapping<CivilStatus, ProtoCivilStatus>({
  single: ProtoCivilStatus.SINGLE,
  married: ProtoCivilStatus.MARRIED,
  partnered: ProtoCivilStatus.PARTNERED,
  separated: ProtoCivilStatus.SEPARATED,
  divorced: ProtoCivilStatus.DIVORCED,
  widowed: ProtoCivilStatus.WIDOWED,
});

export const legalForm = enumMapping<LegalForm, ProtoLegalForm>({
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
});

export const managerRole = enumMapping<ManagerRole, ProtoManagerRole>({
  manager: ProtoManagerRole.MANAGER,
  director: ProtoManagerRole.DIRECTOR,
  'managing-director': ProtoManagerRole.MANAGING_DIRECTOR,
  'daily-manager': ProtoManagerRole.DAILY_MANAGER,
});

export const strikeOffGround = enumMapping<StrikeOffGround, ProtoStrikeOffGround>({
  dissolution: ProtoStrikeOffGround.DISSOLUTION,
  bankruptcy: ProtoStrikeOffGround.BANKRUPTCY,
  merger: ProtoStrikeOffGround.MERGER,
  administrative: ProtoStrikeOffGround.ADMINISTRATIVE,
});

export const register = enumMapping<RegisterName, ProtoRegister>({
  persons: ProtoRegister.PERSONS,
  businesses: ProtoRegister.BUSINESSES,
  vehicles: ProtoRegister.VEHICLES,
});

export function addressToProto(address: Address): ProtoAddress {
  return create(AddressSchema, {
    street: address.street,
    houseNumber: address.houseNumber,
    postcode: address.postcode,
    locality: address.locality,
    country: address.country,
  });
}

export function addressFromProto(
  address: ProtoAddress | undefined,
  eventType: string,
  field: string,
): Address {
  const value = required(address, eventType, field);
  return {
    street: value.street,
    houseNumber: value.houseNumber,
    postcode: value.postcode,
    locality: value.locality,
    country: value.country,
  };
}

export function placeOfBirthToProto(place: PlaceOfBirth): ProtoPlaceOfBirth {
  return create(PlaceOfBirthSchema, { locality: place.locality, country: place.country });
}

export function placeOfBirthFromProto(place: ProtoPlaceOfBirth): PlaceOfBirth {
  return { locality: place.locality, country: place.country };
}

export function managersToProto(managers: readonly Manager[]): ProtoManager[] {
  return managers.map((manager) =>
    create(ManagerSchema, {
      nationalId: manager.nationalId,
      role: managerRole.toProto(manager.role),
    }),
  );
}

export function managersFromProto(
  managers: readonly ProtoManager[],
  eventType: string,
): readonly Manager[] {
  return managers.map((manager, i) => ({
    nationalId: manager.nationalId as NationalId,
    role: managerRole.fromProto(manager.role, eventType, `managers[${i}].role`),
  }));
}

/** `value`, or a {@link MalformedPayloadError} naming the missing message field. */
export function required<T>(value: T | undefined, eventType: string, field: string): T {
  if (value === undefined) {
    throw new MalformedPayloadError(eventType, `${field} is required but missing`);
  }
  return value;
}
